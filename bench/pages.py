"""Benchmark of the storyline pages at a storyline with 10,000 matched stories: latency of
each page over HTTP on loopback (the real server and Site, a real database), against a
baseline measured in the same run: /healthz on the same server (the HTTP round trip with no
database and no template). Target: every page under 200 ms.

    python bench/pages.py [--matches 10000] [--rounds 30]
                          [--pg postgresql://postgres@127.0.0.1/postgres]

The storyline is tests/pages/corpus.py's synthetic one (every tenth story with a copy,
five status changes with alerts, statuses stated by one match in forty).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
import structlog

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from monitor.config import ServerSettings  # noqa: E402
from monitor.db.engine import (  # noqa: E402
    create_engine,
    normalize_url,
    read_session_factory,
    session_factory,
    upgrade,
)
from monitor.pages import Site  # noqa: E402
from monitor.server import HealthServer  # noqa: E402
from tests.backfill.conftest import FixedClock  # noqa: E402
from tests.pages.corpus import fill_large_storyline  # noqa: E402

TARGET_MS = 200.0


def timed(url: str, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as resp:
            resp.read()
            assert resp.status == 200, (url, resp.status)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@contextmanager
def database(pg: str | None) -> Iterator[str]:
    if pg is None:
        with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
            yield f"sqlite:///{tmp}/monitor.db"
        return
    name = f"bench_pages_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalize_url(pg), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(normalize_url(pg)).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, matches: int, rounds: int) -> bool:
    engine = create_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    storyline = fill_large_storyline(session_factory(engine), matches)
    print(f"{engine.dialect.name}: {matches} matches written in "
          f"{time.perf_counter() - started:.1f} s")
    if engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a bulk load; without statistics the planner
        # joins all 10,000 matches before sorting (~120 ms a page instead of ~3 ms).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
        print("postgresql: ANALYZE done (as autovacuum would after the load)")
    now = storyline.newest_at + timedelta(hours=12)
    site = Site(read_session_factory(engine), FixedClock(now))
    server = HealthServer(ServerSettings(port=0), readiness=list, metrics=lambda: b"",
                          metrics_content_type="text/plain", pages=site)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    last_page = -(-matches // 50)
    paths = ["/", f"/storylines/{storyline.storyline_id}",
             f"/storylines/{storyline.storyline_id}?page={last_page // 2}",
             f"/storylines/{storyline.storyline_id}?page={last_page}",
             f"/stories/{storyline.hostile_story_id}"]
    ok = True
    try:
        for path in ["/healthz", *paths]:
            timed(base + path, 3)  # warm up: templates compiled, pool connected, pages cached
        baseline = statistics.median(timed(base + "/healthz", rounds))
        print(f"baseline /healthz: median {baseline:.2f} ms")
        for path in paths:
            samples = sorted(timed(base + path, rounds))
            median, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
            ok &= p95 < TARGET_MS
            print(f"{path:<45} median {median:7.2f} ms  p95 {p95:7.2f} ms  "
                  f"ratio {median / baseline:6.1f}x  {'ok' if p95 < TARGET_MS else 'SLOW'}")
    finally:
        server.stop()
        engine.dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matches", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pg", help="also on PostgreSQL: an admin URL to create a database")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    ok = True
    for pg in (None, args.pg) if args.pg else (None,):
        with database(pg) as url:
            ok &= run(url, args.matches, args.rounds)
    print(f"target: every page p95 < {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
