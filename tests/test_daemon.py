"""`monitor run` as a real process against a local feed server and a fake Slack (SQLite).

It polls, processes, alerts, answers /healthz, /readyz and /metrics, exits 0 on SIGTERM within
the grace period (releasing the feeds it was still polling), and a second process on the same
SQLite file refuses to start. `monitor run --once` polls with the stored validators and exits.
Each process start costs seconds (imports, matcher fit), so the checks share processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.db.engine import create_engine
from tests.conftest import PROJECT
from tests.fakes.feed_server import FeedServer, Route
from tests.fakes.monitor_process import MonitorProcess, article_page, rss, write_config
from tests.fakes.slack import FakeSlack

pytestmark = pytest.mark.slow

GRACE = 4.0
SEEDS = [("000_42c76e358b02e199.txt", "Sun, 21 Jan 2024 09:00:00 GMT"),
         ("003_24a45464d321b182.txt", "Mon, 17 Jun 2024 12:00:00 GMT")]


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer().start()
    items = []
    for name, date in SEEDS:
        text = (PROJECT / "seeds" / name).read_text()
        title = text.strip().splitlines()[0][:120]
        link = server.add(f"/news/{name}.html", Route(body=article_page(title, text),
                                                       content_type="text/html"))
        items.append((title, link, date))
    server.add("/world.xml", Route(body=rss("World", items), etag='"w1"'))
    yield server
    server.stop()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def settings(**polling: Any) -> dict[str, dict[str, Any]]:
    return {
        "polling": {"interval_seconds": 2, "tick_seconds": 1, "jitter": 0,
                    "lease_seconds": 30, **polling},
        "extract": {"workers": 0},
        "alerts": {"dispatch_seconds": 1, "backoff_base_seconds": 1},
        "server": {"port": 0},
        "daemon": {"grace_seconds": GRACE},
        "logging": {"format": "json"},
    }


def env_for(feeds: FeedServer, slack: FakeSlack) -> dict[str, str]:
    return {"MONITOR_ALLOW_PRIVATE_HOSTS": "127.0.0.1", "SLACK_BOT_TOKEN": "xoxb-test",
            "MONITOR_SLACK_BASE_URL": slack.base_url}


def test_run_polls_alerts_serves_health_and_metrics_and_stops_on_sigterm(
        tmp_path: Path, feeds: FeedServer, slack: FakeSlack) -> None:
    sections = settings()
    sections["server"] = {**sections["server"], "public_url": "http://127.0.0.1:8443/monitor"}
    config = write_config(tmp_path, feeds=[{"url": feeds.url("/world.xml"), "outlet": "Wire"}],
                          sections=sections)
    with MonitorProcess(config, env=env_for(feeds, slack), worker_id="first") as proc:
        proc.wait_for(lambda: proc.port is not None, 60, "the health server")
        assert proc.get("/healthz")[0] == 200
        # One or two alerts: the feed's two items are processed concurrently, and "proposed"
        # after "scheduled" is a backward move that needs corroboration.
        proc.wait_for(lambda: bool(slack.messages) and proc.metric("monitor_status_changes_total")
                      == proc.metric('monitor_alerts{state="sent"}'), 60, "alerts sent")
        proc.wait_for(lambda: proc.metric('monitor_feeds_polled_total{result="not_modified"}')
                      >= 1, 30, "a second poll answered 304")
        proc.wait_for(lambda: proc.get("/readyz")[0] == 200, 30, "/readyz")
        samples = proc.metrics()
        assert samples["monitor_articles_stored_total"] == 2
        assert samples['monitor_alerts_dispatched_total{outcome="sent"}'] == len(slack.messages)
        assert samples['monitor_alerts{state="sent"}'] == len(slack.messages)
        assert samples["monitor_outbox_oldest_pending_age_seconds"] == 0
        assert samples['monitor_fetch_seconds_count{kind="feed"}'] >= 2
        assert samples['monitor_fetch_seconds_count{kind="article"}'] == 2
        assert samples["monitor_extraction_seconds_count"] == 2
        assert sum(v for k, v in samples.items()
                   if k.startswith("monitor_slack_seconds_count")) >= len(slack.messages)
        assert sum(v for k, v in samples.items()
                   if k.startswith("monitor_status_changes_total")) == len(slack.messages)
        assert len(feeds.requests["/news/000_42c76e358b02e199.txt.html"]) == 1
        # The storyline's page, which every alert links to.
        buttons = [e["url"] for m in slack.messages for b in m.blocks if b["type"] == "actions"
                   for e in b["elements"]]
        assert buttons == ["http://127.0.0.1:8443/monitor/storylines/putin-pyongyang-visit"] * len(
            slack.messages)
        status, page = proc.get("/storylines/putin-pyongyang-visit")
        assert status == 200 and 'id="timeline"' in page

        # A second process on the same SQLite file refuses to start, naming the first.
        second = run_once(config, feeds, slack, worker_id="second")
        assert second.returncode == 2
        message = " ".join(second.stderr.split())
        assert "another `monitor run`" in message and "worker first" in message
        assert "SQLite allows one process at a time" in message

        started = time.monotonic()
        proc.terminate()
        assert proc.wait_exit(GRACE + 10) == 0, proc.log()
        assert time.monotonic() - started < GRACE + 5
        assert proc.has_event("daemon.stopped")
    alert_ids = [m.metadata["event_payload"]["alert_id"] for m in slack.messages
                 if m.metadata]
    assert len(alert_ids) == len(set(alert_ids)) == len(slack.messages)

    # Once the daemon is gone, `run --once` polls with the validators: 304, nothing new.
    again = run_once(config, feeds, slack)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["poll"]["feeds"] == {"not_modified": 1}
    assert summary["articles"]["stored"] == 0 and len(slack.messages) == len(alert_ids)


def run_once(config: Path, feeds: FeedServer, slack: FakeSlack,
             worker_id: str = "once") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_for(feeds, slack), "MONITOR_CONFIG_DIR": str(config),
           "MONITOR_WORKER_ID": worker_id, "MONITOR_LOG_FORMAT": "json"}
    return subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--format", "json"],
                          env=env, capture_output=True, text=True, timeout=120,
                          cwd=config.parent)


def test_sigterm_during_a_slow_poll_exits_in_the_grace_period_and_releases_the_feed(
        tmp_path: Path, feeds: FeedServer, slack: FakeSlack) -> None:
    feeds.add("/slow.xml", Route(hold=True))
    config = write_config(tmp_path, feeds=[{"url": feeds.url("/slow.xml")}],
                          sections=settings(lease_seconds=600), storylines=False)
    with MonitorProcess(config, env=env_for(feeds, slack)) as proc:
        proc.wait_for(lambda: len(feeds.requests["/slow.xml"]) == 1, 60, "the held request")
        started = time.monotonic()
        proc.terminate()
        assert proc.wait_exit(GRACE + 15) == 0, proc.log()
        assert time.monotonic() - started < GRACE + 8
    stopped = next(e for e in proc.events if e.get("event") == "daemon.stopped")
    assert stopped["cancelled"] == ["poll"] and stopped["released_feeds"] == 1
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'monitor.db'}")
    with engine.connect() as conn:
        owner = conn.execute(sa.text("SELECT lease_owner FROM feeds")).scalar()
    engine.dispose()
    assert owner is None
