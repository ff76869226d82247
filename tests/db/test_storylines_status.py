"""The status edge of the storylines repository (state, observations, corroboration,
changes) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import models as m
from monitor.db import storylines
from monitor.db.engine import transaction
from monitor.records import Observation, Report, StatusChange

NOW = datetime(2024, 6, 17, 12, 0, tzinfo=UTC)
STORYLINE = "putin-pyongyang-visit"
DATE = {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}


def add_storyline(session: Session) -> None:
    session.add(m.Storyline(id=STORYLINE, title="Putin Pyongyang visit date", updated_at=NOW))
    session.flush()


def add_story(session: Session, published: datetime = NOW) -> int:
    story = m.Story(first_seen_at=published, last_seen_at=published)
    session.add(story)
    session.flush()
    return story.id


def add_article(session: Session, n: int, outlet: str, *, story_id: int | None = None,
                hours: int = 0) -> Report:
    """An article (in a new story unless `story_id` is given), as the tracker's Report."""
    published = NOW + timedelta(hours=hours)
    story = story_id if story_id is not None else add_story(session, published)
    article = m.Article(
        url=f"https://example.org/{n}", outlet=outlet, title=f"Title {n}",
        published_at=published, text="body", text_source="page", content_hash=f"{n:064d}",
        story_id=story, ingested_at=published)
    session.add(article)
    session.flush()
    return Report(article.id, story, article.url, outlet, article.title, published)


def obs(status: str, facts: dict[str, str] | None = None, evidence: str = "") -> Observation:
    return Observation(STORYLINE, status, facts or {}, evidence or f"says {status}",
                       {"cue": "test"})


def change(to_status: str, report: Report, *, corroborating: tuple[Report, ...] = (),
           facts: dict[str, str] | None = None, from_status: str | None = None) -> StatusChange:
    return StatusChange(STORYLINE, from_status, to_status, {}, facts or {}, f"says {to_status}",
                        report, corroborating, NOW + timedelta(hours=1), {"kind": "forward"})


def test_state_of_an_unknown_storyline_is_empty(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        state = storylines.storyline_state(session, "nobody")
    assert (state.storyline_id, state.status, state.facts, state.since) == (
        "nobody", None, {}, None)


def test_recorded_change_moves_the_state_and_keeps_every_outlet(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_storyline(session)
        first = add_article(session, 1, "TASS")
        second = add_article(session, 2, "Reuters", hours=2)
        change_id = storylines.record_change(
            session, change("scheduled", first, corroborating=(second,), facts=DATE,
                            from_status="imminent"))
    with sessions() as session:
        state = storylines.storyline_state(session, STORYLINE)
        assert (state.status, state.facts, state.since) == ("scheduled", DATE, NOW)
        assert state.since is not None and state.since.tzinfo is not None
        [stored] = storylines.history(session, STORYLINE)
    assert stored.id == change_id
    assert (stored.from_status, stored.to_status, stored.facts_after) == (
        "imminent", "scheduled", DATE)
    assert (stored.url, stored.outlet) == (first.url, "TASS")
    assert [o["outlet"] for o in stored.outlets] == ["TASS", "Reuters"]
    assert stored.outlets[1]["published_at"] == second.published_at.isoformat()
    assert stored.detected_at == NOW + timedelta(hours=1)


def test_changes_are_listed_in_the_order_they_were_recorded(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_storyline(session)
        first = add_article(session, 1, "KCNA")
        storylines.record_change(session, change("proposed", first))
    with transaction(sessions) as session:
        later = add_article(session, 2, "TASS", hours=5)
        storylines.record_change(session, change("scheduled", later, facts=DATE,
                                                 from_status="proposed"))
    with sessions() as session:
        assert [c.to_status for c in storylines.history(session, STORYLINE)] == [
            "proposed", "scheduled"]
        assert storylines.storyline_state(session, STORYLINE).since == later.published_at


def test_observing_the_same_article_again_replaces_its_observation(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_storyline(session)
        report = add_article(session, 1, "AP")
        storylines.add_observation(session, obs("imminent"), report, NOW)
    with transaction(sessions) as session:
        storylines.add_observation(session, obs("scheduled", DATE, "on June 18-19"), report,
                                   NOW + timedelta(hours=1))
    with sessions() as session:
        rows = session.scalars(sa.select(m.StatusObservation)).all()
        assert [(r.status, r.facts, r.evidence, r.story_id) for r in rows] == [
            ("scheduled", DATE, "on June 18-19", report.story_id)]


def test_support_is_equivalent_observations_one_per_outlet_with_duplicates(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_storyline(session)
        tass = add_article(session, 1, "TASS")
        # a duplicate in TASS's story from another outlet corroborates too
        add_article(session, 2, "Barron's", story_id=tass.story_id, hours=1)
        tass_again = add_article(session, 3, "TASS", hours=2)
        other_date = add_article(session, 4, "Yonhap", hours=3)
        other_status = add_article(session, 5, "AP", hours=4)
        no_end = add_article(session, 6, "Reuters", hours=5)
        storylines.add_observation(session, obs("scheduled", DATE), tass, NOW)
        storylines.add_observation(session, obs("scheduled", DATE), tass_again, NOW)
        storylines.add_observation(session, obs("scheduled", {"visit_date": "2024-06-25"}),
                                   other_date, NOW)
        storylines.add_observation(session, obs("imminent"), other_status, NOW)
        storylines.add_observation(session, obs("scheduled", {"visit_date": "2024-06-18"}),
                                   no_end, NOW)
    with sessions() as session:
        support = storylines.supporting_reports(session, STORYLINE, "scheduled", DATE)
        assert [(r.outlet, r.article_id) for r in support] == [
            ("TASS", tass.article_id), ("Barron's", tass.article_id + 1),
            ("Reuters", no_end.article_id)]
        assert support[0].published_at == NOW
        assert storylines.supporting_reports(session, STORYLINE, "underway", {}) == []
        moved = storylines.supporting_reports(session, STORYLINE, "scheduled",
                                              {"visit_date": "2024-06-25"})
        assert [r.outlet for r in moved] == ["Yonhap"]


def test_observations_of_a_story_come_with_their_reports_in_publication_order(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_storyline(session)
        late = add_article(session, 1, "Yonhap", hours=3)
        early = add_article(session, 2, "Reuters", story_id=late.story_id, hours=1)
        elsewhere = add_article(session, 3, "AP")
        storylines.add_observation(session, obs("scheduled", DATE), late, NOW)
        storylines.add_observation(session, obs("imminent"), early, NOW)
        storylines.add_observation(session, obs("proposed"), elsewhere, NOW)
    with sessions() as session:
        found = storylines.observations_for_story(session, late.story_id)
    assert [(o.status, o.facts, r.outlet, r.article_id) for o, r in found] == [
        ("imminent", {}, "Reuters", early.article_id),
        ("scheduled", DATE, "Yonhap", late.article_id)]
    assert found[0][0].explanation == {"cue": "test"}
    assert found[1][1] == late
