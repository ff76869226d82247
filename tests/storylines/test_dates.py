"""Date mentions resolved against the publication date (monitor.storylines.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.storylines.dates import (
    dateline_day,
    dateline_end,
    find_dates,
    resolve_weekday,
    weekday_tense,
)

MONDAY = date(2024, 6, 17)


def spans(sentence: str, base: date = MONDAY) -> list[tuple[date, date | None]]:
    return [(m.first, m.last) for m in find_dates(sentence, base)]


def test_on_tuesday_in_an_article_of_monday_is_the_next_day() -> None:
    assert spans("Mr Putin is expected to arrive in the capital on Tuesday.") == [
        (date(2024, 6, 18), None)]


def test_told_reporters_monday_is_the_day_of_the_article() -> None:
    mentions = find_dates("John Kirby told reporters Monday.", MONDAY)
    assert [(m.first, m.tense) for m in mentions] == [(MONDAY, "past")]


def test_a_weekday_said_in_the_past_looks_back_a_week() -> None:
    assert spans("Peskov said on Friday that talks were under way.") == [
        (date(2024, 6, 14), None)]


@pytest.mark.parametrize("sentence", [
    "Putin will visit North Korea on June 18-19.",
    "The visit will take place 18-19 June, the Kremlin said.",
    "Putin will pay a state visit from June 18 to 19.",
    "Putin will be in Pyongyang on June 18 and 19.",
    "Putin will visit on Tuesday and Wednesday.",
    "The state visit is scheduled for June 18-19, 2024.",
])
def test_ranges_give_first_and_last_day(sentence: str) -> None:
    assert spans(sentence) == [(date(2024, 6, 18), date(2024, 6, 19))]


def test_range_across_months() -> None:
    assert spans("The talks run from June 30 to July 1.") == [
        (date(2024, 6, 30), date(2024, 7, 1))]


def test_single_absolute_dates_in_both_orders() -> None:
    assert spans("He arrives on June 18, and leaves 19 June.") == [
        (date(2024, 6, 18), None), (date(2024, 6, 19), None)]


def test_a_stated_year_is_kept_and_flagged() -> None:
    [mention] = find_dates("Putin met Kim Jong Il on July 19, 2000.", MONDAY)
    assert mention.first == date(2000, 7, 19) and mention.year_stated


def test_the_modal_may_is_not_the_month() -> None:
    assert spans("Putin may 18 times say so.") == []
    assert spans("Talks on May 18 ended.") == [(date(2024, 5, 18), None)]


def test_years_and_durations_are_not_dates() -> None:
    assert spans("His first visit in 24 years, since July 2000.") == []


def test_relative_words() -> None:
    assert spans("Putin arrives tomorrow; Kim said so yesterday.") == [
        (date(2024, 6, 18), None), (date(2024, 6, 16), None)]


@pytest.mark.parametrize(("sentence", "tense"), [
    ("Putin is expected to arrive on Tuesday", "future"),
    ("Putin will hold talks on Wednesday", "future"),
    ("Kirby told reporters Monday", "past"),
    ("KCNA reported on Sunday", "past"),
    ("Putin returned to Moscow on Sunday", "past"),
    ("Peskov said on Monday that Putin will arrive on Tuesday", "future"),
])
def test_weekday_tense_rule(sentence: str, tense: str) -> None:
    position = max(sentence.rfind(day) for day in ("Monday", "Tuesday", "Wednesday", "Sunday"))
    assert weekday_tense(sentence, position) == tense


def test_resolve_weekday_counts_the_base_day_itself() -> None:
    assert resolve_weekday("Monday", MONDAY, "future") == MONDAY
    assert resolve_weekday("Monday", MONDAY, "past") == MONDAY
    assert resolve_weekday("Sunday", MONDAY, "future") == date(2024, 6, 23)
    assert resolve_weekday("Tuesday", MONDAY, "past") == date(2024, 6, 11)


@pytest.mark.parametrize(("sentence", "dateline"), [
    ("SEOUL, June 17 (Reuters) - Putin will visit", "SEOUL, June 17 (Reuters) -"),
    ("Pyongyang, June 17 (KCNA) -- Putin will", "Pyongyang, June 17 (KCNA) --"),
    ("SEOUL, South Korea, June 14 (AP) — Putin", "SEOUL, South Korea, June 14 (AP) —"),
    ("Updated June 17, 2024, 10:05 GMT | Putin", "Updated June 17, 2024, 10:05 GMT |"),
    ("Putin will visit on June 18 - 19, Kremlin says", ""),
    ("On June 18, Putin arrives", ""),
])
def test_datelines_are_recognised(sentence: str, dateline: str) -> None:
    assert sentence[:dateline_end(sentence)] == dateline


def test_dateline_day_is_read_without_dateparser_near_the_base() -> None:
    assert dateline_day("SEOUL, June 18 (Yonhap) -- Putin", MONDAY) == date(2024, 6, 18)
    assert dateline_day("MOSCOW, 16 June (TASS) - Putin", MONDAY) == date(2024, 6, 16)
    assert dateline_day("SEOUL, May 18 (Yonhap) -- Putin", MONDAY) is None
    assert dateline_day("Putin will visit on June 18", MONDAY) is None
