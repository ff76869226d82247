"""The alert message: content, dates, and Slack's Block Kit limits."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

from monitor.notify.message import (
    HEADER_LIMIT,
    MAX_BLOCKS,
    SECTION_LIMIT,
    format_fact_value,
    format_range,
    render,
)
from monitor.records import AlertContent, Report, StatusChange

T0 = datetime(2024, 6, 17, 9, 30, tzinfo=UTC)
EVIDENCE = "Putin will pay a state visit to the DPRK on June 18-19, the Kremlin said."


def report(n: int, outlet: str, story: int, url: str | None = None) -> Report:
    return Report(article_id=n, story_id=story, url=url or f"https://news{n}.example/putin",
                  outlet=outlet, title=f"Putin to visit Pyongyang ({outlet})", published_at=T0)


def content(*, evidence: str = EVIDENCE, reports: tuple[Report, ...] | None = None,
            facts_before: dict[str, str] | None = None,
            facts_after: dict[str, str] | None = None, title: str = "Putin Pyongyang visit date",
            from_status: str | None = "proposed") -> AlertContent:
    reports = reports or (report(1, "Reuters", 10), report(2, "The Hindu", 10),
                          report(3, "AP", 11))
    change = StatusChange(
        storyline_id="putin-pyongyang-visit", from_status=from_status, to_status="scheduled",
        facts_before=facts_before or {},
        facts_after={"visit_date": "2024-06-18"} if facts_after is None else facts_after,
        evidence=evidence, report=reports[0], corroborating=reports[1:],
        detected_at=T0 + timedelta(hours=2))
    return AlertContent(alert_id=7, channel="#news-alerts", storyline_id="putin-pyongyang-visit",
                        storyline_title=title, change=change, first_seen_at=T0)


def all_text(blocks: tuple[dict[str, object], ...]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_message_carries_title_change_fact_evidence_outlets_and_first_seen() -> None:
    message = render(content())
    blocks = all_text(message.blocks)
    assert message.blocks[0] == {"type": "header", "text": {
        "type": "plain_text", "text": "Putin Pyongyang visit date", "emoji": True}}
    assert "proposed → scheduled" in blocks
    assert "*Visit date:* Tue 18 Jun 2024" in blocks
    assert "> Putin will pay a state visit to the DPRK on June 18-19" in blocks
    assert "Reported by 3 outlets" in blocks
    assert "First seen Mon 17 Jun 2024 09:30 UTC" in blocks
    assert message.text.startswith(
        "Putin Pyongyang visit date: proposed → scheduled (visit date: Tue 18 Jun 2024)")


def test_wire_copies_in_one_story_are_listed_once_with_all_their_outlets() -> None:
    message = render(content())
    blocks = all_text(message.blocks)
    assert blocks.count("news1.example") == 1
    assert "news2.example" not in blocks  # same story as news1: one link, both outlets
    assert "• Reuters, The Hindu: <https://news1.example/putin|" in blocks
    assert "• AP: <https://news3.example/putin|" in blocks


def test_a_moved_date_shows_the_old_value() -> None:
    message = render(content(facts_before={"visit_date": "2024-06-17"}))
    assert "Tue 18 Jun 2024 (was Mon 17 Jun 2024)" in all_text(message.blocks)


def test_a_start_and_end_fact_read_as_one_range() -> None:
    message = render(content(facts_after={"visit_date": "2024-06-18",
                                          "visit_end": "2024-06-19"}))
    assert "*Visit date:* Tue 18 – Wed 19 Jun 2024" in all_text(message.blocks)
    assert "visit end" not in message.text
    moved = render(content(facts_before={"visit_date": "2024-06-18"},
                           facts_after={"visit_date": "2024-06-18", "visit_end": "2024-06-19"}))
    assert "Tue 18 – Wed 19 Jun 2024 (was Tue 18 Jun 2024)" in moved.text


def test_dates_and_ranges_are_spelled_out() -> None:
    assert format_fact_value("2024-06-18") == "Tue 18 Jun 2024"
    assert format_fact_value("2024-06-18/2024-06-19") == "Tue 18 – Wed 19 Jun 2024"
    assert format_fact_value("2024-06-18..2024-06-19") == "Tue 18 – Wed 19 Jun 2024"
    assert format_range(date(2024, 6, 30), date(2024, 7, 1)) == "Sun 30 Jun – Mon 1 Jul 2024"
    assert format_range(date(2024, 12, 31), date(2025, 1, 1)) == (
        "Tue 31 Dec 2024 – Wed 1 Jan 2025")
    assert format_fact_value("late June") == "late June"
    assert format_fact_value("2024-02-30") == "2024-02-30"


def test_new_storyline_change_reads_from_new() -> None:
    message = render(content(from_status=None, facts_after={}))
    assert "new → scheduled" in message.text


def test_mrkdwn_control_characters_in_evidence_are_escaped() -> None:
    message = render(content(evidence="Talks <b>on</b> & off"))
    assert "> Talks &lt;b&gt;on&lt;/b&gt; &amp; off" in all_text(message.blocks)


def test_huge_evidence_and_200_outlets_stay_within_block_kit_limits() -> None:
    reports = tuple(report(n, f"Outlet number {n} with a long name", story=n % 150)
                    for n in range(200))
    message = render(content(evidence="word " * 4000, reports=reports, title="T" * 400))
    assert len(message.blocks) <= MAX_BLOCKS
    for block in message.blocks:
        text = block.get("text")
        if isinstance(text, dict):
            limit = HEADER_LIMIT if block["type"] == "header" else SECTION_LIMIT
            assert len(text["text"]) <= limit
    total = sum(len(json.dumps(b, ensure_ascii=False)) for b in message.blocks)
    assert total < 12_000  # block text under ~9.5k plus JSON keys
    assert sum(len(str(b)) for b in message.blocks) > 5_000  # the budget is used, not wasted
    blocks = all_text(message.blocks)
    assert "Reported by 200 outlets" in blocks
    assert "more stories" in blocks
    assert "…" in message.blocks[2]["text"]["text"]  # evidence cut with an ellipsis
    assert message.blocks[0]["text"]["text"].endswith("…")
    assert len(message.text) <= 3000


def test_one_story_with_200_outlets_is_summarised_not_dropped() -> None:
    reports = tuple(report(n, f"Outlet {n}", story=1, url="https://wire.example/x")
                    for n in range(200))
    message = render(content(reports=reports))
    blocks = all_text(message.blocks)
    assert "(200 outlets)" in blocks and "<https://wire.example/x|" in blocks
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in message.blocks if "text" in b)


def test_console_lines_carry_the_same_content() -> None:
    lines = "\n".join(render(content()).lines)
    for fragment in ("Putin Pyongyang visit date", "proposed → scheduled",
                     "visit date: Tue 18 Jun 2024", EVIDENCE, "Reported by 3 outlets",
                     "Reuters, The Hindu", "https://news1.example/putin",
                     "First seen Mon 17 Jun 2024 09:30 UTC"):
        assert fragment in lines


PUBLIC = "http://127.0.0.1:8080/monitor/"


def test_with_a_public_url_the_message_has_an_open_timeline_button_to_the_storyline() -> None:
    message = render(content(), PUBLIC)
    buttons = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [{"type": "button", "action_id": "open_timeline",
                        "text": {"type": "plain_text", "text": "Open timeline", "emoji": True},
                        "url": "http://127.0.0.1:8080/monitor/storylines/putin-pyongyang-visit"}]
    assert message.blocks[-1]["type"] == "context"  # the footer stays last
    assert ("Timeline: http://127.0.0.1:8080/monitor/storylines/putin-pyongyang-visit"
            in message.lines)


def test_without_a_public_url_there_is_no_button_and_no_timeline_line() -> None:
    message = render(content())
    assert all(b["type"] != "actions" for b in message.blocks)
    assert not any(line.startswith("Timeline:") for line in message.lines)


def test_the_button_fits_within_the_block_limit_of_a_message_with_many_stories() -> None:
    reports = tuple(report(n, f"Outlet {n}", 100 + n) for n in range(300))
    message = render(content(reports=reports), PUBLIC)
    assert len(message.blocks) <= MAX_BLOCKS
    assert sum(b["type"] == "actions" for b in message.blocks) == 1


def test_a_correction_is_alerted_as_a_correction() -> None:
    alert = content(from_status="underway")
    corrected = dataclasses.replace(alert, change=dataclasses.replace(
        alert.change, explanation={"kind": "correction"}))
    message = render(corrected)
    assert message.text.startswith("Putin Pyongyang visit date: correction: underway → "
                                   "scheduled (the earlier change was a misreading)")
    assert "correction: underway → scheduled" in all_text(message.blocks)
