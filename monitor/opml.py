"""OPML, the format feed readers exchange feed lists in (Miniflux, FreshRSS, Feedly,
Inoreader): read with listparser (imported here only), written as OPML 2.0.

listparser recovers from broken XML (a file cut short yields the feeds before the cut), so a
strict parse comes first and a file that fails it is refused whole: an import never takes
half a file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

import listparser

from monitor.errors import InputError
from monitor.records import Outline


@dataclass(frozen=True, slots=True)
class FeedList:
    outlines: list[Outline]
    """Each feed once, in the file's order."""
    repeats: dict[str, int]
    """URLs the file lists more than once, with how many times."""


@dataclass(frozen=True, slots=True)
class ListedFeed:
    """A feed to write out."""

    url: str
    title: str
    category: str | None


def read_opml(data: bytes, source: str) -> FeedList:
    """The feeds of an OPML document: nested outlines (folders), `xmlUrl`, `text`/`title`
    and `category`. Raises InputError, naming `source` and the position, when the document
    is not well-formed XML or not OPML."""
    root = _strict_root(data, source)
    listed = Counter(url for url in _xml_urls(root) if url)
    parsed = listparser.parse(data)  # bytes: never a URL to fetch or a path to read
    outlines = [Outline(url=feed.url, title=(feed.title or "").strip() or None,
                        category=_category(feed.categories)) for feed in parsed.feeds]
    return FeedList(outlines, {url: n for url, n in listed.items() if n > 1})


def _strict_root(data: bytes, source: str) -> ET.Element:
    parser = ET.XMLParser()
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(f"{source}: line {line}, column {column + 1}: not well-formed XML "
                         f"({str(exc).split(':')[0]}); nothing imported") from exc
    if _local(root.tag) != "opml":
        raise InputError(f"{source}: not an OPML document (root element <{_local(root.tag)}>);"
                         " nothing imported")
    return root


def _xml_urls(root: ET.Element) -> list[str]:
    return [value.strip() for element in root.iter() if _local(element.tag) == "outline"
            for key, value in element.attrib.items() if key.lower() == "xmlurl"]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _category(categories: Sequence[Sequence[str]]) -> str | None:
    """The first folder path listparser found (from nesting or the category attribute)."""
    for path in categories:
        if path:
            return "/".join(path)
    return None


def write_opml(feeds: Sequence[ListedFeed], *, title: str, now: datetime) -> bytes:
    """An OPML 2.0 document as Miniflux and FreshRSS export and import it: one folder outline
    per category holding its feeds, the others at the top level."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in feeds:
        parent = body
        if feed.category:
            parent = folders.get(feed.category) or folders.setdefault(
                feed.category, ET.SubElement(body, "outline", text=feed.category,
                                             title=feed.category))
        ET.SubElement(parent, "outline", type="rss", text=feed.title, title=feed.title,
                      xmlUrl=feed.url)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'.encode()
