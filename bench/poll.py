"""Benchmark: one full poll cycle over N loopback feeds, 90% answering 304.

    python bench/poll.py [--feeds 5000] [--hosts 20] [--changed 0.1] [--new-per-changed 0]

A separate process serves the feeds with aiohttp on `--hosts` loopback addresses
(127.0.0.2, 127.0.0.3, ...: many hosts, as in real life, so the per-host limit applies as it
would). Feeds whose number is a multiple of 1/changed answer 200 with a real feed body
(guardian.rss's first 5 items, links made unique per feed); the others answer 304 to the
stored ETag. By default every entry of a changed feed was seen before (the cycle fetches,
hashes, parses and checks entries, but fetches no article); `--new-per-changed K` leaves K
entries per changed feed new, so their pages are fetched and extracted too.

Prints wall time, feeds/s, peak RSS, and the ratio of the cycle to a baseline measured in the
same run: bare aiohttp conditional GETs of the same URLs at the same concurrency (no database,
no parsing; aiohttp is the network layer under our httpx client), and bare httpx with its own
async pool for reference. Targets (issue 3): >= 500 feeds/s and < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import (  # noqa: E402
    ExtractSettings,
    FeedSpec,
    HttpSettings,
    LoggingSettings,
    Settings,
)
from monitor.db import feeds as repo  # noqa: E402
from monitor.db.engine import create_engine, session_factory, transaction, upgrade  # noqa: E402
from monitor.ingest.extract import Extractor  # noqa: E402
from monitor.ingest.feeds import parse_feed  # noqa: E402
from monitor.ingest.fetch import Fetcher  # noqa: E402
from monitor.ingest.poller import PollContext, poll_due_feeds  # noqa: E402
from monitor.ingest.urls import canonicalize  # noqa: E402
from monitor.logs import configure_logging  # noqa: E402
from monitor.records import ArticleDraft  # noqa: E402

FEED = ROOT / "tests" / "fixtures" / "feeds" / "guardian-5.rss"
PAGE = ROOT / "tests" / "fixtures" / "pages" / "aljazeera.html.gz"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def host(i: int, hosts: int) -> str:
    return f"127.0.0.{2 + i % hosts}"


def feed_body(n: int, base: str) -> bytes:
    return FEED.read_bytes().replace(b"https://www.theguardian.com/",
                                     f"{base}/a/{n}/".encode())


def serve(port: int, hosts: int, every: int, ready: multiprocessing.synchronize.Event) -> None:
    from aiohttp import web

    page = gzip.decompress(PAGE.read_bytes())
    bodies: dict[int, bytes] = {}

    async def feed(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        etag = f'"e{n}"'
        if n % every and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        if n not in bodies:
            bodies[n] = feed_body(n, f"http://{request.host}")
        return web.Response(body=bodies[n], content_type="application/rss+xml",
                            headers={"ETag": etag if n % every else f'"c{n}"'})

    async def article(_request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html")

    async def main() -> None:
        app = web.Application()
        app.add_routes([web.get("/feed/{n}.xml", feed), web.get("/a/{tail:.*}", article)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        for i in range(hosts):
            await web.TCPSite(runner, host(i, hosts), port, backlog=2048).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def prepare(url: str, feeds: int, hosts: int, port: int, every: int, new: int) -> None:
    engine = create_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        repo.sync_feeds(session, [
            FeedSpec(url=f"http://{host(n, hosts)}:{port}/feed/{n}.xml",
                     outlet=f"outlet{n % hosts}") for n in range(feeds)], 900, NOW)
    with transaction(sessions) as session:
        records = [repo.PollRecord(feed_id=n + 1, polled_at=NOW, status="ok", next_poll_at=NOW,
                                   failures=0, etag=f'"e{n}"') for n in range(feeds)]
        repo.record_polls(session, records, "setup")
        for n in range(0, feeds, every):
            base = f"http://{host(n, hosts)}:{port}"
            items = parse_feed(feed_body(n, base), base).items[new:]
            repo.mark_entries(session, n + 1, [
                repo.EntryMark(i.guid, canonicalize(i.link or ""), "stored") for i in items],
                NOW)
    engine.dispose()


async def baseline_aiohttp(urls: list[str], http: HttpSettings) -> float:
    """Bare aiohttp (our transport's network layer): the same conditional GETs at the same
    concurrency limits, nothing else."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=http.max_connections, limit_per_host=http.max_per_host)

    async def one(session: aiohttp.ClientSession, n: int, url: str) -> None:
        async with session.get(url, headers={"If-None-Match": f'"e{n}"'}) as response:
            await response.read()

    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session, n, u) for n, u in enumerate(urls)))
        return time.perf_counter() - started


async def baseline(urls: list[str], http: HttpSettings) -> float:
    """Bare httpx with its own async pool: the same conditional GETs at the same
    concurrency, nothing else."""
    limits = httpx.Limits(max_connections=http.max_connections,
                          max_keepalive_connections=http.max_connections)
    per_host: dict[str, asyncio.Semaphore] = {}
    total = asyncio.Semaphore(http.max_connections)

    async def one(client: httpx.AsyncClient, n: int, url: str) -> None:
        sem = per_host.setdefault(httpx.URL(url).host, asyncio.Semaphore(http.max_per_host))
        async with total, sem:
            response = await client.get(url, headers={"If-None-Match": f'"e{n}"'})
            await response.aread()

    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client, n, u) for n, u in enumerate(urls)))
        return time.perf_counter() - started


async def cycle(url: str, settings: Settings) -> tuple[float, dict[str, object]]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    drafts = 0

    async def sink(_draft: ArticleDraft) -> None:
        nonlocal drafts
        drafts += 1

    with Extractor(settings.extract) as extractor:
        await extractor.warm_up()  # the pool's processes start before the clock does
        async with Fetcher(settings.http) as fetcher:
            ctx = PollContext(settings, sessions, fetcher, extractor, "bench", random.Random(1))
            started, cpu = time.perf_counter(), time.process_time()
            summary = await poll_due_feeds(ctx, NOW, sink)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
    engine.dispose()
    return elapsed, {**summary.as_dict(), "drafts": drafts, "cpu_seconds": round(cpu, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--changed", type=float, default=0.1)
    parser.add_argument("--new-per-changed", type=int, default=0)
    parser.add_argument("--port", type=int, default=18931)
    args = parser.parse_args()
    configure_logging(LoggingSettings(level="warning", format="json"))
    every = max(1, round(1 / args.changed))
    allowed = tuple(host(i, args.hosts) for i in range(args.hosts))
    settings = Settings(http=HttpSettings(allow_private_hosts=allowed),
                        extract=ExtractSettings(workers=2))

    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=serve, args=(args.port, args.hosts, every, ready), daemon=True)
    server.start()
    ready.wait(30)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            started = time.perf_counter()
            prepare(url, args.feeds, args.hosts, args.port, every, args.new_per_changed)
            print(f"setup: {args.feeds} feeds on {args.hosts} loopback hosts, "
                  f"{100 / every:.0f}% changed, in {time.perf_counter() - started:.1f}s")
            urls = [f"http://{host(n, args.hosts)}:{args.port}/feed/{n}.xml"
                    for n in range(args.feeds)]
            base = asyncio.run(baseline_aiohttp(urls, settings.http))
            native = asyncio.run(baseline(urls[: max(1, len(urls) // 5)], settings.http))
            native_rate = max(1, len(urls) // 5) / native
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            elapsed, summary = asyncio.run(cycle(url, settings))
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        server.terminate()
        server.join(5)
    rate = args.feeds / elapsed
    print(f"summary: {summary}")
    print(f"baseline bare aiohttp conditional GETs: {base:.2f}s, {args.feeds / base:.0f} req/s")
    print(f"for reference, bare httpx AsyncClient (own pool, first 20% of URLs): "
          f"{native_rate:.0f} req/s")
    print(f"poll cycle: {elapsed:.2f}s wall, {rate:.0f} feeds/s "
          f"(target >= 500: {'ok' if rate >= 500 else 'MISSED'})")
    print(f"ratio cycle / bare aiohttp: {elapsed / base:.2f}x")
    print(f"peak RSS: {peak:.0f} MB (before the cycle {rss_before:.0f} MB; "
          f"target < 300: {'ok' if peak < 300 else 'MISSED'})")


if __name__ == "__main__":
    main()
