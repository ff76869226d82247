"""Extraction on real outlets' pages, in the process pool, and the draft built from it."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import UTC, datetime

import pytest

from monitor.config import ExtractSettings
from monitor.ingest.extract import ExtractedPage, Extractor, draft_from_item
from monitor.records import FeedItem
from tests.fakes.feed_server import FIXTURES, fixture

TRUTH = json.loads((FIXTURES / "pages" / "ground-truth.json").read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def page(name: str) -> bytes:
    return gzip.decompress(fixture("pages", f"{name}.html.gz"))


def token_f1(found: str, truth: str) -> float:
    a, b = found.split(), truth.split()
    common = len(set(a) & set(b))
    if not common:
        return 0.0
    precision, recall = common / len(set(a)), common / len(set(b))
    return 2 * precision * recall / (precision + recall)


def item(**changes: object) -> FeedItem:
    base: dict[str, object] = dict(
        guid="g1", link="https://news.example/a?utm_source=rss#top", title="Feed title",
        summary="A short feed summary.", content="", published=None, updated=None,
        author=None)
    base.update(changes)
    return FeedItem(**base)  # type: ignore[arg-type]


def test_pool_extracts_main_text_and_metadata_of_several_outlets() -> None:
    async def run() -> dict[str, ExtractedPage | None]:
        with Extractor(ExtractSettings(workers=2)) as extractor:
            names = list(TRUTH)
            pages = await asyncio.gather(*(extractor.extract(page(n), TRUTH[n]["url"])
                                           for n in names))
            return dict(zip(names, pages, strict=True))

    results = asyncio.run(run())
    for name, found in results.items():
        assert found is not None, name
        assert token_f1(found.text, TRUTH[name]["articleBody"]) > 0.8, name
    aljazeera = results["aljazeera"]
    assert aljazeera is not None and aljazeera.author == "Laura Winter"
    assert aljazeera.sitename == "Al Jazeera"
    assert aljazeera.date == datetime(2019, 11, 19, tzinfo=UTC)


def test_the_same_page_extracted_three_times_keeps_its_text() -> None:
    async def run() -> list[ExtractedPage | None]:
        extractor = Extractor(ExtractSettings(workers=0))
        return [await extractor.extract(page("rt"), "https://rt.example/a") for _ in range(3)]

    texts = [p.text if p else "" for p in asyncio.run(run())]
    assert texts[0] and texts[0] == texts[1] == texts[2]


@pytest.mark.parametrize("html", [
    b"", b"<html><head><script>var a=1;</script></head><body></body></html>",
    b"\x00\x01\x02 not html"])
def test_pages_without_an_article_give_none(html: bytes) -> None:
    assert asyncio.run(Extractor(ExtractSettings(workers=0)).extract(html, "https://x.example/"))\
        is None


def test_page_over_the_size_limit_is_not_parsed() -> None:
    settings = ExtractSettings(workers=0, max_html_bytes=1024)
    assert asyncio.run(Extractor(settings).extract(page("rt"), "https://rt.example/a")) is None


def test_draft_uses_page_text_when_long_enough() -> None:
    found = ExtractedPage("x" * 500, "Page title", "Page Author",
                          datetime(2019, 11, 19, tzinfo=UTC), "Site", "en")
    draft = draft_from_item(item(), found, feed_id=3, outlet="Example", now=NOW,
                            settings=ExtractSettings())
    assert draft.text_source == "page" and draft.text == "x" * 500
    assert draft.url == "https://news.example/a" and draft.guid == "g1" and draft.feed_id == 3
    assert draft.title == "Feed title" and draft.author == "Page Author"
    assert (draft.published_at, draft.published_precision) == (found.date, "day")


def test_draft_falls_back_to_feed_content_when_page_is_missing_or_short() -> None:
    published = datetime(2024, 6, 17, 8, tzinfo=UTC)
    long_content = "Feed content. " * 40
    short = ExtractedPage("Subscribe now", None, None, None, None, None)
    for found in (None, short):
        draft = draft_from_item(item(content=long_content, published=published), found,
                                feed_id=1, outlet="O", now=NOW, settings=ExtractSettings())
        assert draft.text_source == "feed" and draft.text == long_content
        assert (draft.published_at, draft.published_precision) == (published, "exact")


def test_draft_without_any_date_takes_now_as_approximate() -> None:
    draft = draft_from_item(item(), None, feed_id=1, outlet="O", now=NOW,
                            settings=ExtractSettings())
    assert (draft.published_at, draft.published_precision) == (NOW, "approximate")
    assert draft.text == "A short feed summary."
