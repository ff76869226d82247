"""Seeds date their storyline: its first day is the day before the earliest seed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from monitor.records import ArticleDraft
from monitor.storylines.kinds import load_storyline
from monitor.storylines.seeds import dated_by_replay

SPEC = load_storyline({
    "id": "lula-beijing", "title": "Lula Beijing visit", "kind": "visit",
    "seeds": ["seeds/a.txt"],
    "roles": {"visitor": ["Lula"], "destination": ["China", "Beijing"]}})
SEED = "Lula said he would visit\nChina soon.\n"


def draft(text: str, day: int) -> ArticleDraft:
    return ArticleDraft(url=f"https://example.org/{day}", outlet="x", title="t", text=text,
                        published_at=datetime(2023, 3, day, 12, tzinfo=UTC),
                        text_source="import")


def test_an_undated_seed_found_among_the_replayed_items_dates_the_storyline() -> None:
    items = [draft("Lula visited China in 2009.", 1), draft(" Lula said he would  visit China "
             "soon. ", 10), draft(SEED, 12)]
    dated = dated_by_replay(SPEC, [SEED], items)
    assert dated.match.since == date(2023, 3, 9)


def test_a_storyline_with_a_first_day_or_without_its_seeds_in_the_items_is_unchanged() -> None:
    assert dated_by_replay(SPEC, [SEED], [draft("Other news.", 10)]) is SPEC
    given = SPEC.model_copy(update={"match": SPEC.match.model_copy(
        update={"since": date(2023, 1, 1)})})
    assert dated_by_replay(given, [SEED], [draft(SEED, 10)]).match.since == date(2023, 1, 1)
