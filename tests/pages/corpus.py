"""A synthetic storyline with thousands of matched stories, written straight into the
tables (the pipeline would take minutes for 10,000 articles): what the pages must stay fast
on. Shared by tests/pages and bench/pages.py. Some rows carry hostile text (an article
titled <script>, a javascript: link, markup in an outlet name and an evidence sentence) that
the pages must print as text."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import models as m
from monitor.db.engine import transaction

LARGE_ID = "synthetic-10k"
LARGE_TITLE = "Synthetic storyline <with 10,000 matches>"
START = datetime(2025, 1, 1, tzinfo=UTC)
FIRST_ID = 100_000
HOSTILE_TITLE = "<script>alert('title')</script>"
HOSTILE_URL = "javascript:alert('url{}')"
"""Formatted with the article id: URLs are unique."""
HOSTILE_OUTLET = "<b>Bold</b> Outlet"
HOSTILE_EVIDENCE = 'The date is set <img src=x onerror="alert(1)"> for "Tuesday" & after.'
STATUSES = ("proposed", "imminent", "scheduled", "underway", "concluded")


@dataclass(frozen=True)
class LargeStoryline:
    storyline_id: str
    matches: int
    newest_article_id: int
    newest_at: datetime
    hostile_story_id: int
    change_ids: tuple[int, ...]


def fill_large_storyline(sessions: sessionmaker[Session], matches: int = 10_000,
                         seed: int = 14, *, storyline_id: str = LARGE_ID,
                         first_id: int = FIRST_ID) -> LargeStoryline:
    """`matches` stories of one article each (every tenth with a duplicate from a second
    outlet), each matched to LARGE_ID, every 40th stating a status; five status changes
    with alerts in different states. Publication times are 2 hours apart from START."""
    rng = random.Random(seed)
    ids = range(first_id, first_id + matches)
    when = {i: START + timedelta(hours=2 * (i - first_id)) for i in ids}
    hostile = first_id + matches // 2
    with transaction(sessions) as session:
        session.add(m.Storyline(id=storyline_id, title=LARGE_TITLE, status=None, facts={},
                                updated_at=START))
        session.flush()
        _stories_and_articles(session, ids, when, hostile, rng)
        session.execute(sa.insert(m.StorylineMatch), [
            {"article_id": i, "storyline_id": storyline_id, "story_id": i, "matched": True,
             "score": round(rng.uniform(0.3, 1.0), 3), "explanation": {}, "created_at": when[i]}
            for i in ids])
        session.execute(sa.insert(m.StatusObservation), [
            {"storyline_id": storyline_id, "article_id": i, "story_id": i,
             "status": STATUSES[(i // 40) % len(STATUSES)], "facts": {}, "evidence": "e",
             "explanation": {}, "observed_at": when[i]}
            for i in ids if i % 40 == 0])
        changes = _changes(session, storyline_id, ids, when, hostile)
    newest = first_id + matches - 1
    return LargeStoryline(storyline_id, matches, newest, when[newest], hostile, changes)


def _stories_and_articles(session: Session, ids: range, when: dict[int, datetime],
                          hostile: int, rng: random.Random) -> None:
    def outlet(i: int) -> str:
        return HOSTILE_OUTLET if i == hostile else f"Outlet {i % 37}"

    session.execute(sa.insert(m.Story), [
        {"id": i, "first_seen_at": when[i], "last_seen_at": when[i],
         "article_count": 2 if i % 10 == 0 else 1,
         "outlets": [outlet(i), "Second Wire"] if i % 10 == 0 else [outlet(i)]} for i in ids])
    articles = [{"id": i, "url": HOSTILE_URL.format(i) if i == hostile else
                 f"https://o{i % 37}.example/{i}",
                 "outlet": outlet(i), "title": HOSTILE_TITLE if i == hostile else
                 f"Report {i} on the synthetic storyline ({rng.randint(0, 999)})",
                 "published_at": when[i], "published_precision": "exact",
                 "text": f"Text of report {i}.", "text_source": "feed",
                 "content_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                 "story_id": i, "dedup_reason": "new", "ingested_at": when[i]} for i in ids]
    copies = [{**a, "id": a["id"] + len(ids), "url": f"https://wire.example/{a['id']}",
               "outlet": "Second Wire", "duplicate_of": a["id"], "dedup_reason": "near_duplicate",
               "content_hash": hashlib.sha256(f"copy{a['id']}".encode()).hexdigest(),
               "published_at": a["published_at"] + timedelta(minutes=30)}
              for a in articles if a["id"] % 10 == 0]
    session.execute(sa.insert(m.Article), articles)
    session.execute(sa.insert(m.Article), copies)
    session.execute(sa.update(m.Story).where(m.Story.id.in_(list(ids)))
                    .values(representative_article_id=m.Story.id)
                    .execution_options(synchronize_session=False))


def _changes(session: Session, storyline_id: str, ids: range, when: dict[int, datetime],
             hostile: int) -> tuple[int, ...]:
    step = max(len(ids) // len(STATUSES), 1)
    articles = [ids[0] + n * step for n in range(len(STATUSES))]
    articles[2] = hostile
    states = ("sent", "sent", "dead", "pending", "suppressed")
    change_ids = []
    previous: str | None = None
    for status, article, state in zip(STATUSES, articles, states, strict=True):
        facts = {"visit_date": "2025-06-18"} if status != "proposed" else {}
        row = m.StatusChange(
            storyline_id=storyline_id, from_status=previous, to_status=status,
            facts_before={}, facts_after=facts,
            evidence=HOSTILE_EVIDENCE if article == hostile else f"Evidence for {status}.",
            article_id=article, story_id=article,
            outlets=[{"article_id": article, "url": f"https://o{article % 37}.example/{article}",
                      "outlet": f"Outlet {article % 37}", "title": "t",
                      "published_at": when[article].isoformat()}],
            explanation={}, published_at=when[article], detected_at=when[article])
        session.add(row)
        session.flush()
        session.add(m.Alert(status_change_id=row.id, storyline_id=storyline_id, channel="#alerts",
                            state=state, attempts=12 if state == "dead" else 1,
                            next_attempt_at=when[article], created_at=when[article],
                            last_error="gave up after 12 attempts: timeout"
                            if state == "dead" else None,
                            sent_at=when[article] if state == "sent" else None))
        change_ids.append(row.id)
        previous = status
    storyline = session.get_one(m.Storyline, storyline_id)
    storyline.status, storyline.facts = previous, {"visit_date": "2025-06-18"}
    storyline.since = when[articles[-1]]
    return tuple(change_ids)
