"""Feeds repository on SQLite and PostgreSQL: list, leases, poll results, seen entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import FeedSpec
from monitor.db import feeds as repo
from monitor.db.engine import transaction
from monitor.errors import InputError

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def add(sessions: sessionmaker[Session], url: str, now: datetime = NOW) -> repo.FeedRow:
    with transaction(sessions) as s:
        return repo.add_feed(s, url, outlet=None, title=None, interval_seconds=900, now=now)


def test_added_feed_is_due_at_once_with_outlet_from_host(sessions: sessionmaker[Session]) -> None:
    row = add(sessions, "https://www.example.com/feed.xml")
    assert row.outlet == "example.com" and row.next_poll_at == NOW and row.failures == 0
    with transaction(sessions) as s:
        assert repo.get_feed(s, row.id) == repo.get_feed(s, row.url) == row
        with pytest.raises(InputError, match="already added"):
            repo.add_feed(s, row.url, outlet=None, title=None, interval_seconds=900, now=NOW)


def test_sync_adds_missing_feeds_and_leaves_existing_ones(
        sessions: sessionmaker[Session]) -> None:
    add(sessions, "https://a.example/feed")
    specs = [FeedSpec(url="https://a.example/feed", outlet="Changed"),
             FeedSpec(url="https://b.example/rss", outlet="B News", interval_seconds=600)]
    with transaction(sessions) as s:
        added = repo.sync_feeds(s, specs, 900, NOW)
    assert [(r.url, r.outlet, r.interval_seconds) for r in added] == [
        ("https://b.example/rss", "B News", 600)]
    with transaction(sessions) as s:
        assert [r.outlet for r in repo.list_feeds(s)] == ["a.example", "B News"]
        assert repo.sync_feeds(s, specs, 900, NOW) == []


def test_claim_takes_due_unleased_feeds_once_until_the_lease_expires(
        sessions: sessionmaker[Session]) -> None:
    rows = [add(sessions, f"https://f{i}.example/feed") for i in range(5)]
    add(sessions, "https://later.example/feed", now=NOW + timedelta(hours=1))
    with transaction(sessions) as s:
        first = repo.claim_due(s, "w1", NOW, limit=3, lease_seconds=60)
    with transaction(sessions) as s:
        second = repo.claim_due(s, "w2", NOW, limit=10, lease_seconds=60)
    assert len(first) == 3 and len(second) == 2
    assert {r.id for r in first} | {r.id for r in second} == {r.id for r in rows}
    with transaction(sessions) as s:
        assert repo.claim_due(s, "w3", NOW, limit=10, lease_seconds=60) == []
        expired = repo.claim_due(s, "w3", NOW + timedelta(seconds=61), limit=10,
                                 lease_seconds=60)
    assert len(expired) == 5


def test_released_leases_can_be_claimed_again(sessions: sessionmaker[Session]) -> None:
    for i in range(3):
        add(sessions, f"https://f{i}.example/feed")
    with transaction(sessions) as s:
        assert len(repo.claim_due(s, "w1", NOW, limit=2, lease_seconds=300)) == 2
        assert repo.release_leases(s, "w1") == 2
        assert len(repo.claim_due(s, "w2", NOW, limit=10, lease_seconds=300)) == 3


def test_record_poll_stores_outcome_moves_url_and_releases_the_lease(
        sessions: sessionmaker[Session]) -> None:
    row = add(sessions, "https://old.example/feed")
    with transaction(sessions) as s:
        repo.claim_due(s, "w1", NOW, limit=10, lease_seconds=60)
        repo.record_poll(s, repo.PollRecord(
            feed_id=row.id, polled_at=NOW, status="ok", next_poll_at=NOW + timedelta(minutes=15),
            failures=0, etag='"e1"', last_modified="Mon", body_hash="h", title="Old Feed",
            new_url="https://new.example/feed", min_interval_seconds=3600, new_items=4), "w1")
    with transaction(sessions) as s:
        stored = repo.get_feed(s, row.id)
        assert stored is not None
        assert (stored.url, stored.etag, stored.title, stored.items_seen) == (
            "https://new.example/feed", '"e1"', "Old Feed", 4)
        assert stored.min_interval_seconds == 3600 and stored.last_polled_at == NOW
        again = repo.claim_due(s, "w2", NOW + timedelta(minutes=15), limit=10, lease_seconds=60)
        assert [r.id for r in again] == [row.id]


def test_failure_keeps_validators_and_counts(sessions: sessionmaker[Session]) -> None:
    row = add(sessions, "https://x.example/feed")
    ok = repo.PollRecord(feed_id=row.id, polled_at=NOW, status="ok", next_poll_at=NOW,
                         failures=0, etag='"e1"')
    failed = repo.PollRecord(feed_id=row.id, polled_at=NOW, status="failed:500",
                             next_poll_at=NOW, failures=1, error="HTTP 500",
                             keep_validators=True)
    with transaction(sessions) as s:
        repo.record_polls(s, [ok], "w1")
        repo.record_polls(s, [failed], "w1")
        stored = repo.get_feed(s, row.id)
    assert stored is not None
    assert (stored.etag, stored.failures, stored.last_error) == ('"e1"', 1, "HTTP 500")


def test_entries_are_seen_by_guid_or_canonical_url(sessions: sessionmaker[Session]) -> None:
    row = add(sessions, "https://x.example/feed")
    other = add(sessions, "https://y.example/feed")
    with transaction(sessions) as s:
        repo.mark_entries(s, row.id, [repo.EntryMark("g1", "https://x.example/a", "stored"),
                                      repo.EntryMark("g2", None, "skipped:no link")], NOW)
        repo.mark_entries(s, row.id, [repo.EntryMark("g1", "https://x.example/a", "again")], NOW)
    with transaction(sessions) as s:
        seen = repo.seen_entries(s, row.id, [("g1", None), ("g3", "https://x.example/a"),
                                             ("g2", "https://x.example/b"), ("g4", None)])
        assert seen == {"g1", "g2", "g3"}
        assert not repo.entry_seen(s, other.id, "g1", "https://x.example/a")
        assert repo.remove_feed(s, row.url) is not None and repo.get_feed(s, row.id) is None
