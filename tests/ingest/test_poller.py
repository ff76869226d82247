"""The poll service end to end against a local server and a real database."""

from __future__ import annotations

import asyncio
import gzip
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import ExtractSettings, HttpSettings, PollingSettings, Settings
from monitor.db import feeds as repo
from monitor.db.engine import transaction
from monitor.ingest.extract import Extractor
from monitor.ingest.fetch import Fetcher
from monitor.ingest.poller import (
    FeedRefresh,
    PollContext,
    PollSummary,
    next_poll_delay,
    poll_due_feeds,
    poll_feeds,
)
from monitor.records import ArticleDraft
from tests.fakes.feed_server import FeedServer, Route, fixture

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GUARDIAN = "https://www.theguardian.com/"
PAGES = ["aljazeera", "nbcnews", "thehill", "rt", "sciencealert"]


def settings(allow: tuple[str, ...] = ("127.0.0.1", "localhost")) -> Settings:
    return Settings(
        http=HttpSettings(connect_timeout=2, read_timeout=0.5, total_timeout=5,
                          max_response_bytes=1_000_000, max_redirects=3,
                          allow_private_hosts=allow),
        extract=ExtractSettings(workers=0),
        polling=PollingSettings(jitter=0, backoff_base_seconds=60, interval_seconds=900))


def poll(sessions: sessionmaker[Session], now: datetime = NOW,
         config: Settings | None = None,
         fail_on: str | None = None) -> tuple[PollSummary, list[ArticleDraft]]:
    config = config or settings()
    drafts: list[ArticleDraft] = []

    async def sink(draft: ArticleDraft) -> None:
        if fail_on and fail_on in draft.url:
            raise RuntimeError("sink down")
        drafts.append(draft)

    async def run() -> PollSummary:
        async with Fetcher(config.http) as fetcher:
            ctx = PollContext(config, sessions, fetcher, Extractor(config.extract), "w1",
                              random.Random(1))
            return await poll_due_feeds(ctx, now, sink)

    return asyncio.run(run()), drafts


def add(sessions: sessionmaker[Session], url: str) -> repo.FeedRow:
    with transaction(sessions) as s:
        return repo.add_feed(s, url, outlet="Guardian", title=None, interval_seconds=900,
                             now=NOW)


def feed(sessions: sessionmaker[Session], feed_id: int) -> repo.FeedRow:
    with transaction(sessions) as s:
        row = repo.get_feed(s, feed_id)
    assert row is not None
    return row


def entries(sessions: sessionmaker[Session], feed_id: int) -> dict[str, str]:
    with transaction(sessions) as s:
        return {e.url or e.guid: e.outcome for e in repo.list_entries(s, feed_id)}


def serve_news(server: FeedServer, host: str = "127.0.0.1", **route: object) -> str:
    """guardian-5.rss with its links moved to the local server, each item's page a real
    outlet's article page."""
    base = server.url("/", host)
    body = fixture("feeds", "guardian-5.rss").replace(GUARDIAN.encode(), base.encode())
    for path, name in zip(_item_paths(body, base), PAGES, strict=True):
        server.add(path, Route(gzip.decompress(fixture("pages", f"{name}.html.gz")),
                               content_type="text/html; charset=utf-8"))
    return server.add("/news.rss", Route(body, **route))  # type: ignore[arg-type]


def _item_paths(body: bytes, base: str) -> list[str]:
    text = body.decode()
    links = [part.split("</link>")[0] for part in text.split("<item>")[1:]]
    return ["/" + link.split("<link>")[1][len(base):] for link in links]


def test_first_poll_sinks_every_new_item_with_its_page_text(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    row = add(sessions, serve_news(feed_server, etag='"v1"'))
    summary, drafts = poll(sessions)
    assert summary.feeds == {"ok": 1} and summary.new_items == 5 and summary.articles == 5
    assert len(drafts) == 5 and all(d.text_source == "page" for d in drafts)
    assert all(d.outlet == "Guardian" and d.feed_id == row.id for d in drafts)
    assert drafts[0].url.startswith(f"http://127.0.0.1:{feed_server.port}/us-news/")
    stored = feed(sessions, row.id)
    assert (stored.etag, stored.last_status, stored.items_seen) == ('"v1"', "ok", 5)
    assert stored.title == "The Guardian" and stored.next_poll_at == NOW + timedelta(minutes=15)
    assert set(entries(sessions, row.id).values()) == {"stored:page"}


def test_second_poll_sends_validators_gets_304_and_stores_nothing(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    row = add(sessions, serve_news(feed_server, etag='"v1"', last_modified="Tue, 01 Oct 2024"))
    poll(sessions)
    pages_before = sum(feed_server.hits.values())
    summary, drafts = poll(sessions, NOW + timedelta(hours=1))
    assert summary.feeds == {"not_modified": 1} and drafts == []
    sent = feed_server.requests["/news.rss"][-1]
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Tue, 01 Oct 2024"
    assert sum(feed_server.hits.values()) == pages_before + 1
    assert feed(sessions, row.id).etag == '"v1"'


def test_unchanged_body_without_validators_is_not_parsed_again(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    add(sessions, serve_news(feed_server))
    poll(sessions)
    summary, drafts = poll(sessions, NOW + timedelta(hours=1))
    assert summary.feeds == {"unchanged": 1} and drafts == []


def test_seen_items_are_skipped_before_any_article_fetch(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    url = serve_news(feed_server)
    row = add(sessions, url)
    poll(sessions)
    route = feed_server.routes["/news.rss"]
    # New guids, links decorated with trackers: still the same articles by canonical URL.
    route.body = route.body.replace(b"<guid>", b"<guid>v2-").replace(
        b"</link>", b"?utm_source=rss&amp;utm_medium=feed</link>")
    hits_before = dict(feed_server.hits)
    summary, drafts = poll(sessions, NOW + timedelta(hours=1))
    assert summary.feeds == {"ok": 1} and summary.new_items == 0 and drafts == []
    pages = {p: n for p, n in feed_server.hits.items() if p != "/news.rss"}
    assert pages == {p: n for p, n in hits_before.items() if p != "/news.rss"}
    assert feed(sessions, row.id).items_seen == 5


def test_permanent_redirect_updates_the_stored_feed_url(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    new_url = serve_news(feed_server)
    old = feed_server.add("/old.rss", Route(status=301, location="/news.rss"))
    row = add(sessions, old)
    summary, drafts = poll(sessions)
    assert summary.feeds == {"ok": 1} and len(drafts) == 5
    assert feed(sessions, row.id).url == new_url


def test_429_retry_after_sets_the_next_poll(sessions: sessionmaker[Session],
                                           feed_server: FeedServer) -> None:
    row = add(sessions, feed_server.add("/busy.rss", Route(status=429,
                                                           headers={"Retry-After": "3600"})))
    summary, _ = poll(sessions)
    stored = feed(sessions, row.id)
    assert summary.feeds == {"failed": 1}
    assert (stored.last_status, stored.failures) == ("failed:429", 1)
    assert stored.next_poll_at == NOW + timedelta(hours=1)
    assert "HTTP 429" in (stored.last_error or "")


def test_failures_back_off_and_other_feeds_are_unaffected(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    broken = add(sessions, feed_server.add("/broken.rss", Route(b"oops", status=500)))
    slow = add(sessions, feed_server.add("/slow.rss", Route(hold=True)))
    good = add(sessions, serve_news(feed_server))
    summary, drafts = poll(sessions)
    assert summary.feeds == {"failed": 2, "ok": 1} and len(drafts) == 5
    assert feed(sessions, broken.id).next_poll_at == NOW + timedelta(seconds=60)
    assert feed(sessions, slow.id).last_status == "failed:network"
    assert "timed out" in (feed(sessions, slow.id).last_error or "")
    summary, _ = poll(sessions, NOW + timedelta(seconds=60))
    assert summary.feeds == {"failed": 2}
    second = NOW + timedelta(seconds=60)
    assert feed(sessions, broken.id).next_poll_at == second + timedelta(seconds=120)
    assert feed(sessions, broken.id).failures == 2
    assert feed(sessions, good.id).failures == 0 and feed_server.hits["/news.rss"] == 1


def test_a_feed_request_never_outlives_the_lease(sessions: sessionmaker[Session],
                                                feed_server: FeedServer) -> None:
    """Past its lease another worker may poll the feed: the request is abandoned first."""
    config = settings()
    config = config.model_copy(update={
        "http": config.http.model_copy(update={"read_timeout": 30, "total_timeout": 60}),
        "polling": config.polling.model_copy(update={"lease_seconds": 2})})
    slow = add(sessions, feed_server.add("/slow.rss", Route(hold=True)))
    started = time.monotonic()
    summary, _ = poll(sessions, config=config)
    took = time.monotonic() - started
    stored = feed(sessions, slow.id)
    assert summary.feeds == {"failed": 1} and 1.5 < took < 10
    assert "left of the lease" in (stored.last_error or "")
    with transaction(sessions) as s:  # the lease was released with the failure recorded
        assert repo.claim_due(s, "w2", stored.next_poll_at, 10, 60)[0].id == slow.id


def test_success_after_failures_resets_the_count(sessions: sessionmaker[Session],
                                                 feed_server: FeedServer) -> None:
    url = serve_news(feed_server, status=500)
    row = add(sessions, url)
    poll(sessions)
    feed_server.routes["/news.rss"].status = 200
    summary, drafts = poll(sessions, NOW + timedelta(minutes=5))
    stored = feed(sessions, row.id)
    assert summary.feeds == {"ok": 1} and len(drafts) == 5
    assert (stored.failures, stored.last_error, stored.last_status) == (0, None, "ok")


def test_huge_feed_is_aborted_at_the_cap_and_marked_failing(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    row = add(sessions, feed_server.add("/huge.rss", Route(b"<rss>", stream_bytes=50_000_000)))
    summary, _ = poll(sessions)
    stored = feed(sessions, row.id)
    assert summary.feeds == {"failed": 1} and stored.failures == 1
    assert "exceeds the 1000000-byte cap" in (stored.last_error or "")
    assert feed_server.streamed["/huge.rss"] < 50_000_000


def test_redirect_loop_marks_the_feed_failing(sessions: sessionmaker[Session],
                                              feed_server: FeedServer) -> None:
    feed_server.add("/b.rss", Route(status=302, location="/a.rss"))
    row = add(sessions, feed_server.add("/a.rss", Route(status=302, location="/b.rss")))
    poll(sessions)
    assert "redirect loop" in (feed(sessions, row.id).last_error or "")


def test_html_page_served_as_a_feed_fails_to_parse(sessions: sessionmaker[Session],
                                                    feed_server: FeedServer) -> None:
    html = gzip.decompress(fixture("pages", "thehill.html.gz"))
    row = add(sessions, feed_server.add("/page.rss", Route(html, content_type="text/html")))
    poll(sessions)
    stored = feed(sessions, row.id)
    assert stored.last_status == "failed:parse" and "not a feed" in (stored.last_error or "")


@pytest.mark.parametrize("internal", ["http://127.0.0.1:{port}/secret",
                                      "http://169.254.169.254/latest/meta-data/"])
def test_article_links_to_internal_addresses_are_refused(
        sessions: sessionmaker[Session], feed_server: FeedServer, internal: str) -> None:
    link = internal.format(port=feed_server.port)
    feed_server.add("/secret", Route(b"<html>secret</html>", content_type="text/html"))
    body = (f"<rss version='2.0'><channel><title>t</title><item><title>Bait</title>"
            f"<link>{link}</link><description>Feed summary of the bait.</description>"
            f"</item></channel></rss>").encode()
    url = feed_server.add("/bait.rss", Route(body)).replace("127.0.0.1", "localhost")
    add(sessions, url)
    summary, drafts = poll(sessions, config=settings(allow=("localhost",)))
    assert feed_server.hits["/secret"] == 0
    assert summary.feeds == {"ok": 1} and len(drafts) == 1
    assert drafts[0].text_source == "feed" and drafts[0].text == "Feed summary of the bait."


def test_page_where_extraction_fails_uses_the_feed_summary(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    url = serve_news(feed_server)
    for path in [p for p in feed_server.routes if p != "/news.rss"]:
        feed_server.routes[path].body = b"<html><head><script>app()</script></head></html>"
    row = add(sessions, url)
    _, drafts = poll(sessions)
    assert {d.text_source for d in drafts} == {"feed"}
    first = next(d for d in drafts if d.url.endswith("state-of-the-union-address-unity-discord"))
    assert first.text.startswith("The president’s ‘new American moment’ speech")
    outcomes = entries(sessions, row.id)
    assert any("extraction found no text" in o for o in outcomes.values())


def test_non_html_article_is_skipped_with_a_reason(sessions: sessionmaker[Session],
                                                   feed_server: FeedServer) -> None:
    url = serve_news(feed_server)
    paths = [p for p in feed_server.routes if p != "/news.rss"]
    feed_server.routes[paths[0]].content_type = "application/pdf"
    row = add(sessions, url)
    _, drafts = poll(sessions)
    assert sorted(d.text_source for d in drafts) == ["feed", "page", "page", "page", "page"]
    outcomes = entries(sessions, row.id)
    assert outcomes[feed_server.url(paths[0])] == "stored:feed (content type application/pdf)"


def test_sink_failure_leaves_the_entry_to_be_retried(sessions: sessionmaker[Session],
                                                     feed_server: FeedServer) -> None:
    url = serve_news(feed_server)
    add(sessions, url)
    first_path = next(p for p in feed_server.routes if p != "/news.rss")
    _, drafts = poll(sessions, fail_on=first_path)
    assert len(drafts) == 4
    feed_server.routes["/news.rss"].body += b"\n"  # a changed body, so it is parsed again
    _, retried = poll(sessions, NOW + timedelta(hours=1))
    assert [d.url for d in retried] == [feed_server.url(first_path)]


def test_next_poll_delay_rules() -> None:
    polling = PollingSettings(jitter=0, backoff_base_seconds=60, max_interval_seconds=86400)
    rng = random.Random(0)
    assert next_poll_delay(polling, rng, interval=900, min_interval=None, failures=0) == 900
    assert next_poll_delay(polling, rng, interval=900, min_interval=3600, failures=0) == 3600
    assert [next_poll_delay(polling, rng, interval=900, min_interval=None, failures=n)
            for n in (1, 2, 3)] == [60, 120, 240]
    assert next_poll_delay(polling, rng, interval=900, min_interval=None, failures=30) == 86400
    assert next_poll_delay(polling, rng, interval=900, min_interval=None, failures=1,
                           retry_after=7200) == 7200
    jittered = next_poll_delay(PollingSettings(jitter=0.1), rng, interval=900,
                               min_interval=None, failures=0)
    assert 900 <= jittered <= 990


class SteppingClock:
    """Time that moves on `step` each time it is read: a cycle of many minutes in a second."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self._now, self._step = start, step

    def now(self) -> datetime:
        self._now += self._step
        return self._now


def test_one_cycle_requests_each_feed_once_beside_failing_feeds_and_a_slow_one(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    """Many feeds failing fast, one feed slow (its server then drops the connection without
    answering) and one good feed, over few connections: the cycle outlasts the failures'
    backoff and the good feed's lease, and still requests every feed exactly once."""
    config = settings()
    config = config.model_copy(update={
        "http": config.http.model_copy(update={
            "max_connections": 2, "read_timeout": 30, "total_timeout": 60}),
        "polling": config.polling.model_copy(update={
            "batch_size": 4, "backoff_base_seconds": 10, "lease_seconds": 300})})
    slow = add(sessions, feed_server.add("/slow.rss", Route(hold=True)))
    add(sessions, serve_news(feed_server))
    failing = [f"/down{i}.rss" for i in range(24)]
    for path in failing:
        add(sessions, feed_server.add(path, Route(b"down", status=503)))
    # The slow feed's server gives up (drops the connection) once every other feed was asked.
    watcher = threading.Thread(target=_release_when_requested, daemon=True,
                               args=(feed_server, [*failing, "/news.rss"]))
    watcher.start()

    async def run() -> PollSummary:
        async with Fetcher(config.http) as fetcher:
            ctx = PollContext(config, sessions, fetcher, Extractor(config.extract), "w1",
                              random.Random(1), clock=SteppingClock(NOW, timedelta(seconds=5)))
            return await poll_due_feeds(ctx, NOW, _discard)

    summary = asyncio.run(run())
    assert summary.feeds == {"failed": 25, "ok": 1}
    assert {path: n for path, n in feed_server.hits.items() if n != 1} == {}
    assert "disconnected" in (feed(sessions, slow.id).last_error or "")


def _release_when_requested(server: FeedServer, paths: list[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(server.hits[p] for p in paths):
        time.sleep(0.01)
    server.release.set()


async def _discard(draft: ArticleDraft) -> None:
    pass


def test_polling_named_feeds_leaves_one_another_worker_holds(
        sessions: sessionmaker[Session], feed_server: FeedServer) -> None:
    held = add(sessions, serve_news(feed_server))
    down = add(sessions, feed_server.add("/down.rss", Route(b"down", status=503)))
    with transaction(sessions) as s:
        assert [f.id for f in repo.claim_feeds(s, "w2", [held.id], NOW, 300)] == [held.id]
    config = settings()

    async def run() -> list[FeedRefresh]:
        async with Fetcher(config.http) as fetcher:
            ctx = PollContext(config, sessions, fetcher, Extractor(config.extract), "w1",
                              random.Random(1))
            return await poll_feeds(ctx, [held.id, down.id], NOW, _discard)

    held_result, down_result = asyncio.run(run())
    assert (held_result.feed_id, held_result.status) == (held.id, "leased")
    assert (down_result.status, down_result.next_poll_at) == (
        "failed:503", NOW + timedelta(seconds=60))
    assert feed_server.hits["/news.rss"] == 0 and feed_server.hits["/down.rss"] == 1
    assert feed(sessions, down.id).failures == 1  # recorded, lease released
