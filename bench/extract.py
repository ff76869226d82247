"""Benchmark: the ingest step (extraction wrapper + draft_from_item) against bare trafilatura.

    python bench/extract.py [--pages 181] [--workers 2]

Over the real article pages of ../shared/data/article-pages (gzip HTML with ground truth):
1. overhead: each page is extracted by bare `trafilatura.bare_extraction` (the same options
   we use) and by our whole step (Extractor.extract inline + draft_from_item), interleaved
   page by page, order alternating, so load on the machine hits both alike. Prints the ratio
   ours / bare (target <= 1.15) and token F1 of both against the ground truth.
2. throughput: articles/s through the process pool (`--workers`) against one process inline.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from monitor.config import ExtractSettings  # noqa: E402
from monitor.ingest.extract import Extractor, draft_from_item  # noqa: E402
from monitor.records import FeedItem  # noqa: E402

PAGES = ROOT.parent / "shared" / "data" / "article-pages"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def load(limit: int) -> list[tuple[str, bytes, str]]:
    truth = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth)[:limit]:
        html = gzip.decompress((PAGES / "html" / f"{key}.html.gz").read_bytes())
        pages.append((truth[key]["url"], html, truth[key]["articleBody"]))
    return pages


def f1(found: str, truth: str) -> float:
    a, b = set(found.split()), set(truth.split())
    common = len(a & b)
    if not common:
        return 0.0
    p, r = common / len(a), common / len(b)
    return 2 * p * r / (p + r)


def bare(html: bytes, url: str) -> str:
    doc = trafilatura.bare_extraction(html, url=url, include_comments=False, fast=True,
                                      with_metadata=True)
    return (doc.text or "") if doc is not None and not isinstance(doc, dict) else ""


async def ours(extractor: Extractor, settings: ExtractSettings, html: bytes, url: str) -> str:
    page = await extractor.extract(html, url)
    item = FeedItem(guid=url, link=url, title="t", summary="feed summary", content="",
                    published=None, updated=None, author=None)
    return draft_from_item(item, page, feed_id=1, outlet="o", settings=settings, now=NOW).text


def overhead(pages: list[tuple[str, bytes, str]]) -> None:
    settings = ExtractSettings(workers=0)
    extractor = Extractor(settings)
    loop = asyncio.new_event_loop()
    t_bare = t_ours = 0.0
    f_bare = f_ours = 0.0
    for i, (url, html, truth) in enumerate(pages):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            started = time.perf_counter()
            if which == 0:
                text = bare(html, url)
                t_bare += time.perf_counter() - started
                f_bare += f1(text, truth)
            else:
                text = loop.run_until_complete(ours(extractor, settings, html, url))
                t_ours += time.perf_counter() - started
                f_ours += f1(text, truth)
    loop.close()
    n = len(pages)
    print(f"bare trafilatura: {t_bare / n * 1000:.1f} ms/page, {n / t_bare:.1f} pages/s, "
          f"F1 {f_bare / n:.3f}")
    print(f"our ingest step:  {t_ours / n * 1000:.1f} ms/page, {n / t_ours:.1f} pages/s, "
          f"F1 {f_ours / n:.3f} (page text or, when too short, the feed's)")
    ratio = t_ours / t_bare
    print(f"ratio ours / bare: {ratio:.3f} (target <= 1.15: {'ok' if ratio <= 1.15 else 'MISSED'})")


async def throughput(pages: list[tuple[str, bytes, str]], workers: int) -> None:
    for count in (0, workers):
        settings = ExtractSettings(workers=count)
        with Extractor(settings) as extractor:
            await extractor.warm_up()
            started = time.perf_counter()
            await asyncio.gather(*(ours(extractor, settings, html, url)
                                   for url, html, _ in pages))
            elapsed = time.perf_counter() - started
        label = "inline (0 workers)" if count == 0 else f"pool of {count} processes"
        print(f"{label}: {len(pages) / elapsed:.1f} articles/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=181)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    pages = load(args.pages)
    print(f"{len(pages)} real article pages, "
          f"{sum(len(h) for _, h, _ in pages) / len(pages) / 1024:.0f} KB HTML on average")
    for _, html, _ in pages[:3]:
        bare(html, "http://warm.example/")  # imports and caches warm for both sides
    overhead(pages)
    asyncio.run(throughput(pages, args.workers))


if __name__ == "__main__":
    main()
