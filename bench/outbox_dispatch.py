"""Benchmark: the outbox dispatcher against the local fake Slack.

Enqueues N alerts (N/3 storylines of three changes each, so two of every three reply in a
thread) and dispatches them with one worker, then again with three concurrent workers (each
its own engine, like three processes) on PostgreSQL. Baseline in the same run: the fake
Slack's own chat.postMessage round trip, posted in a loop without any database work. Reports
alerts/s, the ratio to the baseline, the three-worker scaling, and checks every alert was
posted exactly once.

    python bench/outbox_dispatch.py [--alerts 600] [--pg postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
import structlog

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from monitor.config import AlertSettings  # noqa: E402
from monitor.db.engine import (  # noqa: E402
    create_engine,
    normalize_url,
    session_factory,
    transaction,
    upgrade,
)
from monitor.notify.message import Message  # noqa: E402
from monitor.notify.outbox import DispatchContext, dispatch  # noqa: E402
from monitor.notify.slack import SlackBotNotifier  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402
from tests.notify.changes import T0, add_alert  # noqa: E402

SETTINGS = AlertSettings(lease_seconds=300)


def fill(url: str, alerts: int) -> None:
    engine = create_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        for n in range(alerts // 3):
            for step in range(3):
                add_alert(session, storyline_id=f"s{n:05d}", to_status=f"st{step}",
                          now=T0 + timedelta(minutes=step))
    engine.dispose()


def run_workers(url: str, slack: FakeSlack, workers: int) -> float:
    engines = [create_engine(url) for _ in range(workers)]
    barrier = threading.Barrier(workers)

    def work(n: int) -> None:
        ctx = DispatchContext(session_factory(engines[n]), SlackBotNotifier(
            "xoxb-test", base_url=slack.base_url), SETTINGS, f"w{n}", batch_size=50)
        barrier.wait()
        now = T0 + timedelta(hours=1)
        for _ in range(20):  # later alerts deferred behind another worker's come round again
            asyncio.run(dispatch(ctx, now))
            now += timedelta(seconds=10)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for engine in engines:
        engine.dispose()
    return elapsed


def baseline(slack: FakeSlack, count: int) -> float:
    notifier = SlackBotNotifier("xoxb-test", base_url=slack.base_url)
    message = Message(text="x", blocks=(), lines=())

    async def post_all() -> None:
        for n in range(count):
            await notifier.post("#news-alerts", message, alert_id=n, thread_ts=None)

    started = time.perf_counter()
    asyncio.run(post_all())
    return time.perf_counter() - started


def pg_database(admin_url: str) -> tuple[str, sa.Engine]:
    admin = sa.create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"bench_outbox_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return sa.engine.make_url(normalize_url(admin_url)).set(database=name).render_as_string(
        False), admin


def measure(label: str, url: str, alerts: int, workers: int, base_rate: float) -> float:
    fill(url, alerts)
    with FakeSlack() as slack:
        elapsed = run_workers(url, slack, workers)
        posted = Counter(m.metadata["event_payload"]["alert_id"]  # type: ignore[index]
                         for m in slack.messages)
    once = len(posted) == alerts and set(posted.values()) == {1}
    rate = alerts / elapsed
    print(f"{label:<28} {alerts} alerts in {elapsed:6.2f}s = {rate:7.1f} alerts/s "
          f"({rate / base_rate:.2f}x of bare posting); each posted once: {once}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=600)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    alerts = args.alerts - args.alerts % 3
    with FakeSlack() as slack:
        base = baseline(slack, alerts)
    base_rate = alerts / base
    print(f"{'baseline: bare chat.postMessage':<28} {alerts} posts in {base:6.2f}s = "
          f"{base_rate:7.1f} posts/s")
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite, 1 worker", f"sqlite:///{tmp}/bench.db", alerts, 1, base_rate)
    rates = []
    for workers in (1, 3):
        url, admin = pg_database(args.pg)
        rates.append(measure(f"PostgreSQL, {workers} worker(s)", url, alerts, workers,
                             base_rate))
        with admin.connect() as conn:
            name = sa.engine.make_url(url).database
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"PostgreSQL scaling, 3 workers vs 1: {rates[1] / rates[0]:.2f}x")


if __name__ == "__main__":
    main()
