"""Feed parsing: fetched bytes -> ParsedFeed of typed FeedItems (feedparser never does HTTP).

RSS 0.9x/1.0/2.0 and Atom. Ill-formed ("bozo") feeds still yield what they can, with the
problem reported. Feed HTML is never rendered, so sanitizing and relative-URI resolution are
off (1.4-4x faster); summaries and content become plain text here.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser
import structlog

from monitor.errors import FeedParseError, InputError
from monitor.ingest.urls import canonicalize
from monitor.records import FeedItem

log = structlog.get_logger(__name__)

UPDATE_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2592000,
                  "yearly": 31536000}


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    items: list[FeedItem]
    ttl_seconds: int | None
    """The shortest interval the feed asks for (<ttl>, sy:updatePeriod/updateFrequency)."""
    problem: str | None
    """Why feedparser flagged the feed as ill-formed (bozo), when it did."""


def parse_feed(body: bytes, url: str, *, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed body (`content_type` from HTTP, if known, helps find the charset).

    Raises FeedParseError when the body is not a feed at all."""
    headers = {"content-type": content_type} if content_type else None
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False,
                              resolve_relative_uris=False, response_headers=headers)
    problem = _problem(parsed)
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError(f"{url}: not a feed ({problem or 'no feed elements found'})")
    items = [_item(entry, url) for entry in parsed.entries]
    if problem:
        log.info("feed.ill_formed", url=url, problem=problem, items=len(items))
    channel = parsed.get("feed", {})
    return ParsedFeed(title=_text(channel.get("title")) or None, items=items,
                      ttl_seconds=_ttl_seconds(channel), problem=problem)


def body_hash(body: bytes) -> str:
    """Digest of a feed body: an unchanged body is not parsed again."""
    return hashlib.sha256(body).hexdigest()


def _problem(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc is not None else "ill-formed feed"


def _item(entry: Any, feed_url: str) -> FeedItem:
    link = _absolute(entry.get("link"), feed_url)
    title = _text(entry.get("title"))
    summary = html_to_text(entry.get("summary") or "")
    content = "\n\n".join(html_to_text(c.get("value") or "") for c in entry.get("content") or [])
    published = _utc(entry.get("published_parsed"))
    # dict.get: FeedParserDict.get would map a missing updated_parsed to published_parsed.
    updated = _utc(dict.get(entry, "updated_parsed"))
    return FeedItem(guid=_guid(entry, link, title, published, summary), link=link, title=title,
                    summary=summary, content=content.strip(), published=published,
                    updated=updated, author=_text(entry.get("author")) or None)


def _guid(entry: Any, link: str | None, title: str, published: datetime | None,
          summary: str) -> str:
    """The entry id; without one, the canonical link; without that, a digest of the entry."""
    guid = (entry.get("id") or "").strip()
    if guid:
        return guid[:2048]
    if link:
        try:
            return canonicalize(link)[:2048]
        except InputError:
            pass
    seed = "\x1f".join([title, published.isoformat() if published else "", summary[:500]])
    return "sha1:" + hashlib.sha1(seed.encode("utf-8")).hexdigest()


def _absolute(link: str | None, base: str) -> str | None:
    link = (link or "").strip()
    return urljoin(base, link) if link else None


def _utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed are UTC struct_times."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError):
        return None


def _ttl_seconds(channel: Any) -> int | None:
    bounds: list[int] = []
    ttl = str(channel.get("ttl") or "").strip()
    if ttl.isdigit() and int(ttl) > 0:
        bounds.append(int(ttl) * 60)
    period = UPDATE_PERIODS.get(str(channel.get("sy_updateperiod") or "").strip().lower())
    if period:
        frequency = str(channel.get("sy_updatefrequency") or "1").strip()
        bounds.append(period // max(1, int(frequency) if frequency.isdigit() else 1))
    return max(bounds) if bounds else None


def _text(value: Any) -> str:
    return html_to_text(str(value)) if value else ""


class _TextCollector(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                        "blockquote", "tr", "section", "article"})
    SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of a feed's HTML fragment: tags dropped, entities decoded, blocks kept
    as paragraphs, runs of spaces collapsed."""
    if "<" not in markup and "&" not in markup:
        return " ".join(markup.split())
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)
