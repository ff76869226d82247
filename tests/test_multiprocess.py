"""Three `monitor run` processes on one PostgreSQL (DESIGN.md "Scale"), 300 loopback feeds.

Every feed is polled once per interval (request times counted at the feed server), each alert
is posted once, and after kill -9 of one process the feeds it had leased are polled by the
others once their lease has expired, and not before. Skipped without MONITOR_TEST_DATABASE_URL.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.clock import ensure_utc
from monitor.db.engine import normalize_url
from tests.conftest import PG_URL, PROJECT, pg_database
from tests.fakes.feed_server import FeedServer, Route
from tests.fakes.monitor_process import (
    MonitorProcess,
    article_page,
    rss,
    wait_until,
    write_config,
)
from tests.fakes.slack import FakeSlack

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="MONITOR_TEST_DATABASE_URL not set")]

FEEDS = 300
INTERVAL = 6
LEASE = 8
WORKERS = ("w1", "w2", "w3")


class TimedRequests(list[dict[str, str]]):
    """The feed server's per-path request list, also keeping when each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, headers: dict[str, str]) -> None:
        self.times.append(time.time())
        super().append(headers)


@pytest.fixture
def pg_url(pg_template: str | None) -> Iterator[str]:
    assert pg_template
    with pg_database("monitor_mp", template=pg_template) as url:
        yield url


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    server.requests = defaultdict(TimedRequests)  # type: ignore[assignment]
    server.start()
    seeds = [("000_42c76e358b02e199.txt", "Sun, 21 Jan 2024 09:00:00 GMT"),
             ("003_24a45464d321b182.txt", "Mon, 17 Jun 2024 12:00:00 GMT")]
    items = []
    for name, date in seeds:
        text = (PROJECT / "seeds" / name).read_text()
        title = text.strip().splitlines()[0][:120]
        items.append((title, server.add(f"/news/{name}.html", Route(
            body=article_page(title, text), content_type="text/html")), date))
    for i in range(FEEDS):
        body = rss(f"Feed {i}", items if i == 0 else [])
        server.add(f"/f/{i}.xml", Route(body=body, etag=f'"e{i}"'))
    yield server
    server.stop()


def times(server: FeedServer, i: int) -> list[float]:
    requests = server.requests[f"/f/{i}.xml"]
    assert isinstance(requests, TimedRequests)
    return list(requests.times)


def leases(url: str) -> dict[str, dict[int, Any]]:
    """{worker: {feed number: lease expiry (epoch seconds)}} from the database."""
    engine = sa.create_engine(normalize_url(url))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT lease_owner, url, lease_expires_at FROM feeds "
            "WHERE lease_owner IS NOT NULL")).all()
    engine.dispose()
    held: dict[str, dict[int, Any]] = defaultdict(dict)
    for owner, feed_url, expires in rows:
        number = int(feed_url.rsplit("/", 1)[1].split(".")[0])
        held[owner][number] = ensure_utc(expires).timestamp()
    return held


def table(url: str, name: str) -> list[Any]:
    engine = sa.create_engine(normalize_url(url))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT * FROM {name}")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_three_processes_share_feeds_and_alerts_and_take_over_a_killed_ones_leases(
        tmp_path: Path, pg_url: str, feeds: FeedServer) -> None:
    config = write_config(
        tmp_path, feeds=[{"url": feeds.url(f"/f/{i}.xml")} for i in range(FEEDS)],
        sections={
            "polling": {"interval_seconds": INTERVAL, "tick_seconds": 1, "jitter": 0,
                        "batch_size": 25, "lease_seconds": LEASE, "backoff_base_seconds": 1},
            "http": {"max_per_host": 20, "read_timeout": 60, "total_timeout": 90},
            "extract": {"workers": 0},
            "alerts": {"dispatch_seconds": 1, "lease_seconds": 30},
            "server": {"port": 0},
            "daemon": {"grace_seconds": 3},
        })
    with FakeSlack() as slack, ExitStack() as stack:
        env = {"MONITOR_DATABASE_URL": pg_url, "MONITOR_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
               "SLACK_BOT_TOKEN": "xoxb-test", "MONITOR_SLACK_BASE_URL": slack.base_url}
        procs = {w: stack.enter_context(MonitorProcess(config, env=env, worker_id=w))
                 for w in WORKERS}
        for proc in procs.values():  # a process busy importing on a loaded machine is not late
            proc.wait_for(lambda p=proc: p.port is not None, 90, "the metrics server")

        # Two full polling intervals: every feed polled twice, never twice in one interval.
        wait_until(lambda: all(len(times(feeds, i)) >= 2 for i in range(FEEDS)), 120,
                   "every feed polled twice")
        gaps = [b - a for i in range(FEEDS) for a, b in zip(times(feeds, i),
                                                           times(feeds, i)[1:], strict=False)]
        assert min(gaps) > INTERVAL / 2, f"a feed was polled twice in one interval: {min(gaps)}"
        # Every process takes a share: none is idle while the others poll.
        wait_until(lambda: all(p.metric("monitor_feeds_polled_total") > 0
                               for p in procs.values()), 2 * INTERVAL + 30, "work shared")

        # Each alert posted once, whichever process stored the article or sent the alert.
        # (One or two alerts: the feed's two items are processed concurrently, and "proposed"
        # after "scheduled" is a backward move that needs corroboration.)
        def all_sent() -> bool:
            states = [row[4] for row in table(pg_url, "alerts")]
            return bool(states) and set(states) == {"sent"}

        wait_until(all_sent, 60, "every alert sent")
        alerts = table(pg_url, "alerts")
        ids = [m.metadata["event_payload"]["alert_id"] for m in slack.messages if m.metadata]
        assert sorted(ids) == sorted(row[0] for row in alerts)
        assert len(feeds.requests["/news/000_42c76e358b02e199.txt.html"]) == 1

        # Hold every feed response, kill -9 a process while it holds leases.
        for i in range(FEEDS):
            feeds.routes[f"/f/{i}.xml"].hold = True
        wait_until(lambda: bool(leases(pg_url).get("w1")), 60, "w1 holding leased feeds")
        procs["w1"].kill()
        held = leases(pg_url)["w1"]
        # Requests w1 sent just before it died may reach the server's threads a moment later
        # on a loaded machine: count from one second after the kill (still held until then).
        time.sleep(1)
        killed_at = time.time()
        for i in range(FEEDS):
            feeds.routes[f"/f/{i}.xml"].hold = False
        feeds.release.set()  # the survivors' held requests end (as failures, retried)

        def left() -> list[int]:
            return [i for i in held if not any(t > killed_at for t in times(feeds, i))]

        try:
            wait_until(lambda: not left(), LEASE + 30, "the killed worker's feeds polled again")
        except AssertionError:
            raise AssertionError(f"feeds not polled again: {left()}\n" + "\n".join(
                procs[w].log()[-3000:] for w in ("w2", "w3"))) from None
        for i, expires in held.items():
            after = [t for t in times(feeds, i) if t > killed_at]
            assert after[0] >= expires - 0.5, f"feed {i} taken before its lease expired"
            assert len([t for t in after if t < after[0] + INTERVAL / 2]) == 1
        assert len(slack.messages) == len(alerts)

        for worker in ("w2", "w3"):
            procs[worker].terminate()
        for worker in ("w2", "w3"):
            assert procs[worker].wait_exit(20) == 0, procs[worker].log()
