"""Articles and stories repositories with dedup decisions, on real SQLite and PostgreSQL:
copies fold into one story with distinct outlets, and the near-duplicate index rebuilt from
stored signatures after a restart decides exactly as the live one did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import DedupSettings
from monitor.db import articles, stories
from monitor.db.engine import transaction
from monitor.dedup import NearDuplicateIndex, decide, fingerprint
from monitor.records import ArticleDraft, StoryDecision
from tests.conftest import PROJECT
from tests.test_dedup import byline_added, cut_to_half, new_headline, pages, words_edited

SETTINGS = DedupSettings()
T0 = datetime(2024, 6, 17, 8, 0, tzinfo=UTC)
SEEDS = sorted((PROJECT / "seeds").glob("*.txt"))


def draft(url: str, outlet: str, text: str, published: datetime) -> ArticleDraft:
    return ArticleDraft(url=url, outlet=outlet, title=text.split("\n")[0][:80], text=text,
                        published_at=published, text_source="page")


def ingest(sessions: sessionmaker[Session], index: NearDuplicateIndex,
           item: ArticleDraft) -> tuple[StoryDecision, articles.StoredArticle]:
    """The dedup steps as the pipeline runs them: exact keys, decide, store, index."""
    fp = fingerprint(item.text, SETTINGS)
    with transaction(sessions) as session:
        assert articles.article_id_by_url(session, item.url) is None
        decision = decide(fp, index, articles.find_by_content_hash(session, fp.content_hash))
        stored = articles.store_article(session, item, fp, decision, item.published_at)
    if fp.signature is not None:
        index.add(stored.article_id, stored.story_id, fp.signature, item.published_at)
    return decision, stored


def seed_drafts() -> list[ArticleDraft]:
    return [draft(f"https://seed{i}.example/a", f"Seed outlet {i}", path.read_text(),
                  T0 + timedelta(minutes=i)) for i, path in enumerate(SEEDS)]


def test_seed_republished_three_times_is_one_story_with_four_outlets(
        sessions: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex(SETTINGS)
    results = [ingest(sessions, index, d) for d in seed_drafts()]
    assert len({stored.story_id for _, stored in results}) == 5
    original = results[3][1]
    text = SEEDS[3].read_text()
    copies = [("https://wire.example/1", "Wire One", new_headline(text)),
              ("https://daily.example/2", "Daily Two", byline_added(words_edited(text))),
              ("https://brief.example/3", "Brief Three", cut_to_half(text))]
    members = [original.article_id]
    for n, (url, outlet, copy) in enumerate(copies, start=1):
        decision, stored = ingest(sessions, index, draft(url, outlet, copy,
                                                         T0 + timedelta(hours=n)))
        assert (decision.reason, stored.story_id) == ("near_duplicate", original.story_id)
        assert stored.is_new_outlet and stored.duplicate_of in members  # the closest copy
        members.append(stored.article_id)
    with sessions() as session:
        detail = stories.get_story(session, original.story_id)
        listed = stories.list_stories(session, 10)
    assert detail is not None
    assert detail.story.outlets == ("Seed outlet 3", "Wire One", "Daily Two", "Brief Three")
    assert detail.story.article_count == 4 and detail.story.url == "https://seed3.example/a"
    assert [m.dedup_reason for m in detail.members] == ["new", *["near_duplicate"] * 3]
    assert detail.story.last_seen_at == T0 + timedelta(hours=3)
    assert len(listed) == 5 and listed[0].id == original.story_id


def test_same_outlet_again_counts_the_article_but_not_a_new_outlet(
        sessions: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex(SETTINGS)
    text = SEEDS[0].read_text()
    _, first = ingest(sessions, index, draft("https://a.example/1", "A", text, T0))
    decision, again = ingest(sessions, index, draft("https://a.example/amp/1", "A",
                                                     text.upper(), T0 + timedelta(hours=1)))
    assert decision.reason == "content_hash"
    assert (again.story_id, again.is_new_outlet, again.outlets) == (first.story_id, False, ("A",))
    with sessions() as session:
        assert articles.article_id_by_url(session, "https://a.example/amp/1") == again.article_id
        assert [s.article_count for s in stories.list_stories(session, 10)] == [2]
        assert stories.list_stories(session, 10, min_articles=3) == []
        assert stories.get_story(session, first.story_id + 100) is None


def test_short_items_are_stored_without_signature_and_never_indexed(
        sessions: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex(SETTINGS)
    ingest(sessions, index, draft("https://a.example/long", "A", SEEDS[1].read_text(), T0))
    short = " ".join(SEEDS[1].read_text().split()[:25])
    decision, _ = ingest(sessions, index, draft("https://b.example/short", "B", short, T0))
    assert decision.reason == "new"
    with sessions() as session:
        assert len(list(articles.iter_signatures(session, T0 - timedelta(days=1)))) == 1
    assert len(index) == 1


def test_iter_signatures_pages_through_the_window_in_id_order(
        sessions: sessionmaker[Session]) -> None:
    index = NearDuplicateIndex(SETTINGS)
    texts = pages()[:7]
    for n, text in enumerate(texts):
        ingest(sessions, index, draft(f"https://p.example/{n}", "P", text, T0 + timedelta(days=n)))
    with sessions() as session:
        rows = list(articles.iter_signatures(session, T0 + timedelta(days=2), batch_size=2))
    assert [published for _, _, _, published in rows] == [
        T0 + timedelta(days=n) for n in range(2, 7)]
    assert rows == sorted(rows)
    assert all(sig == fingerprint(texts[n + 2], SETTINGS).signature
               for n, (_, _, sig, _) in enumerate(rows))
    with sessions() as session:
        after = list(articles.signatures_after(session, rows[2][0], batch_size=1))
    assert after == rows[3:]


@pytest.mark.parametrize("window_days", [30, 3])
def test_index_rebuilt_after_restart_decides_as_the_live_one(
        sessions: sessionmaker[Session], window_days: int) -> None:
    settings = DedupSettings(window_days=window_days)
    live = NearDuplicateIndex(settings)
    texts = [p.read_text() for p in SEEDS] + pages()[:20]
    items = [draft(f"https://o.example/{n}", f"Outlet {n % 4}", text, T0 + timedelta(days=n))
             for n, text in enumerate(texts)]
    items += [draft(f"https://copy.example/{n}", "Copier", byline_added(text),
                    T0 + timedelta(days=n, hours=5)) for n, text in enumerate(texts[::3])]
    for item in sorted(items, key=lambda i: i.published_at):
        ingest(sessions, live, item)
    now = T0 + timedelta(days=len(texts))
    cutoff = now - timedelta(days=settings.window_days)
    live.prune(cutoff)
    rebuilt = NearDuplicateIndex(settings)
    with sessions() as session:
        rebuilt.add_many(articles.iter_signatures(session, cutoff))
    assert len(rebuilt) == len(live) > 0
    queries = [fingerprint(edit(t), settings) for t in texts
               for edit in (new_headline, cut_to_half, words_edited)]
    live_decisions = [live.find(fp) for fp in queries]
    assert live_decisions == [rebuilt.find(fp) for fp in queries]
    assert sum(d is not None for d in live_decisions) >= min(len(live), len(texts))
