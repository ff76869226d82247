"""Several dispatchers on one PostgreSQL: each alert is posted once, threads stay intact."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from monitor.config import AlertSettings
from monitor.db import alerts as alerts_repo
from monitor.db.engine import create_engine, session_factory, transaction
from monitor.notify.outbox import DispatchContext, DispatchSummary, dispatch
from monitor.notify.slack import SlackBotNotifier
from tests.fakes.slack import FakeSlack
from tests.notify.changes import T0, add_alert

SETTINGS = AlertSettings(max_attempts=3, backoff_base_seconds=30, lease_seconds=60)
STORYLINES, PER_STORYLINE, WORKERS = 15, 3, 3


def test_three_dispatchers_on_postgresql_never_send_one_alert_twice(
        engine: Engine, database_url: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several dispatchers need PostgreSQL; this is the SQLite run")
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        ids = [add_alert(session, storyline_id=f"s{s:02d}", to_status=f"st{n}",
                         now=T0 + timedelta(minutes=n))
               for n in range(PER_STORYLINE) for s in range(STORYLINES)]
    engines = [create_engine(database_url) for _ in range(WORKERS)]
    with FakeSlack() as slack:
        now = T0 + timedelta(hours=1)
        for _ in range(PER_STORYLINE * 2):  # a storyline's later alerts wait for its first
            run_together(slack, engines, now)
            now += timedelta(seconds=10)
        messages = slack.messages
    for eng in engines:
        eng.dispose()
    posted = Counter(m.metadata["event_payload"]["alert_id"]  # type: ignore[index]
                     for m in messages)
    assert sorted(posted) == sorted(ids)
    assert set(posted.values()) == {1}
    with sessions() as session:
        assert alerts_repo.count_by_state(session) == {"sent": len(ids)}
        rows = alerts_repo.list_alerts(session, limit=1000)
    by_storyline: dict[str, list[alerts_repo.AlertRow]] = {}
    for row in sorted(rows, key=lambda r: r.created_at):
        by_storyline.setdefault(row.storyline_id, []).append(row)
    by_ts = {m.ts: m for m in messages}
    for chain in by_storyline.values():
        opening = by_ts[chain[0].slack_ts or ""]
        assert opening.thread_ts is None
        assert all(by_ts[r.slack_ts or ""].thread_ts == opening.ts for r in chain[1:])


def run_together(slack: FakeSlack, engines: list[Engine], now: object) -> list[DispatchSummary]:
    barrier = threading.Barrier(len(engines))
    results: list[DispatchSummary] = []
    errors: list[BaseException] = []

    def worker(n: int, eng: Engine) -> None:
        ctx = DispatchContext(
            sessions=session_factory(eng), settings=SETTINGS, worker_id=f"w{n}", batch_size=4,
            notifier=SlackBotNotifier("xoxb-test", base_url=slack.base_url, timeout=5))
        barrier.wait()
        try:
            results.append(asyncio.run(dispatch(ctx, now)))  # type: ignore[arg-type]
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n, eng)) for n, eng in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results
