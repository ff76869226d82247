"""Three `monitor run` processes vs one on PostgreSQL: feeds polled per second.

    MONITOR_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/monitor_test \
        python bench/multiprocess_poll.py [--feeds 3000] [--rounds 2]

For each process count (1, then 3) and round: a fresh database with N loopback feeds (90% with
a stored ETag the server answers 304 to, 10% answering 200 with a small RSS body), all feeds
scheduled in the future; the processes are started and waited on until each has finished a
poll tick; then every feed is made due at once and the clock runs until the feed server has
seen one request per feed and the database shows every feed polled. Start-up (imports,
matcher fit) is outside the timing. Prints feeds/s per run, the median per process count, the
3-vs-1 ratio, duplicate polls (must be 0), and the CPU seconds each party used, which is what
bounds the ratio on a small machine: the feed server, PostgreSQL and the monitor processes
share the same cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.db.engine import create_engine, normalize_url, upgrade
from tests.fakes.feed_server import FeedServer, Route
from tests.fakes.monitor_process import MonitorProcess, rss, write_config

BASE_URL = os.environ.get("MONITOR_TEST_DATABASE_URL",
                          "postgresql://postgres@127.0.0.1:5432/monitor_test")


def cpu_seconds(pid: int | str) -> float:
    """utime + stime of a process (and its reaped children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    total = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += cpu_seconds(proc.name)
            except OSError:
                continue
    return total


@contextmanager
def fresh_database() -> Iterator[str]:
    admin = sa.create_engine(normalize_url(BASE_URL), isolation_level="AUTOCOMMIT")
    name = f"monitor_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalize_url(BASE_URL)).set(database=name).render_as_string(False)
    try:
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_feeds(url: str, server: FeedServer, count: int) -> None:
    """N feeds, not due for a day; 90% carry the ETag the server answers 304 to."""
    later = datetime.now(UTC) + timedelta(days=1)
    rows = [{"url": server.url(f"/f/{i}.xml"), "outlet": f"outlet{i % 50}", "enabled": True,
             "interval_seconds": 3600, "next_poll_at": later, "failures": 0, "items_seen": 0,
             "added_at": later, "etag": f'"e{i}"' if i % 10 else None}
            for i in range(count)]
    engine = sa.create_engine(normalize_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO feeds (url, outlet, enabled, interval_seconds, next_poll_at, failures,"
            " items_seen, added_at, etag) VALUES (:url, :outlet, :enabled, :interval_seconds,"
            " :next_poll_at, :failures, :items_seen, :added_at, :etag)"), rows)
    engine.dispose()


def make_due(url: str) -> datetime:
    engine = sa.create_engine(normalize_url(url))
    with engine.begin() as conn:
        due = conn.execute(sa.text("SELECT now()")).scalar_one()
        conn.execute(sa.text("UPDATE feeds SET next_poll_at = now()"))
    engine.dispose()
    return due  # type: ignore[no-any-return]


def polled_since(url: str, since: datetime) -> int:
    engine = sa.create_engine(normalize_url(url))
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM feeds WHERE last_polled_at >= :t"),
                             {"t": since}).scalar_one()
    engine.dispose()
    return int(count)


def requests(server: FeedServer) -> int:
    """Requests served so far (the handler threads add paths while we count)."""
    return sum(map(len, list(server.requests.values())))


def one_run(processes: int, feeds: int, root: Path) -> dict[str, float]:
    server = FeedServer().start()
    body = rss("Bench feed", [])
    for i in range(feeds):
        server.add(f"/f/{i}.xml", Route(body=body, etag=f'"e{i}"'))
    config = write_config(root / f"run{processes}_{uuid.uuid4().hex[:6]}", feeds=[],
                          storylines=False, sections={
                              "polling": {"interval_seconds": 3600, "tick_seconds": 1,
                                          "batch_size": 50, "lease_seconds": 300},
                              "http": {"max_connections": 100, "max_per_host": 100},
                              "extract": {"workers": 0}, "server": {"port": 0},
                              "logging": {"level": "info"}})
    try:
        with fresh_database() as url, ExitStack() as stack:
            add_feeds(url, server, feeds)
            env = {"MONITOR_DATABASE_URL": url, "MONITOR_ALLOW_PRIVATE_HOSTS": "127.0.0.1"}
            procs = [stack.enter_context(MonitorProcess(config, env=env, worker_id=f"b{n}"))
                     for n in range(processes)]
            for proc in procs:
                proc.wait_for(lambda p=proc: p.metric(  # type: ignore[misc]
                    'monitor_ticks_total{job="poll",outcome="ok"}') >= 1, 180, "first tick")
            cpu_before = {p: cpu_seconds(p.proc.pid) for p in procs if p.proc}
            server_before, pg_before = cpu_seconds("self"), postgres_cpu()
            server.requests.clear()
            load = os.getloadavg()[0]
            started = time.perf_counter()
            due = make_due(url)
            while requests(server) < feeds:
                time.sleep(0.005)
            served = time.perf_counter() - started
            while polled_since(url, due) < feeds:
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
            duplicates = requests(server) - feeds
            result = {
                "seconds": elapsed, "served_seconds": served, "feeds_per_s": feeds / elapsed,
                "duplicates": duplicates,
                "monitor_cpu": sum(cpu_seconds(p.proc.pid) - before
                                   for p, before in cpu_before.items() if p.proc),
                "server_cpu": cpu_seconds("self") - server_before,
                "postgres_cpu": postgres_cpu() - pg_before,
                "load": load,
            }
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait_exit(60)
            return result
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.feeds} loopback feeds (90% 304), PostgreSQL, {os.cpu_count()} CPUs")
    medians: dict[int, float] = {}
    with TemporaryDirectory() as tmp:
        for processes in (1, 3):
            rates = []
            for round_ in range(args.rounds):
                r = one_run(processes, args.feeds, Path(tmp))
                rates.append(r["feeds_per_s"])
                print(f"  {processes} process(es), round {round_ + 1}: {r['seconds']:.2f} s, "
                      f"{r['feeds_per_s']:.0f} feeds/s, duplicates {r['duplicates']:.0f}; "
                      f"CPU s: monitor {r['monitor_cpu']:.1f}, feed server "
                      f"{r['server_cpu']:.1f}, postgres {r['postgres_cpu']:.1f} "
                      f"({1000 * r['monitor_cpu'] / args.feeds:.1f} monitor CPU ms/feed); "
                      f"load average before {r['load']:.1f}", flush=True)
            medians[processes] = statistics.median(rates)
    print(f"median feeds/s: 1 process {medians[1]:.0f}, 3 processes {medians[3]:.0f}")
    print(f"scaling ratio 3 vs 1: {medians[3] / medians[1]:.2f}x (target >= 2.5x)")


if __name__ == "__main__":
    main()
