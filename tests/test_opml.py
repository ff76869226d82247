"""OPML feed lists: real files from listparser's test suite (tests/fixtures/opml, each with
its expected parse in an `Eval:` comment) and our own OPML 2.0 output read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.errors import InputError
from monitor.opml import FeedList, ListedFeed, Outline, read_opml, write_opml
from tests.conftest import FIXTURES

OPML = FIXTURES / "opml"
FEED = "http://domain/feed"


def read(name: str) -> FeedList:
    return read_opml((OPML / name).read_bytes(), name)


@pytest.mark.parametrize(("name", "expected"), [
    # Eval: ['grouping1', 'grouping2'] in result['feeds'][0]['categories']
    ("hier-2-nested.xml", [Outline(FEED, "feedname", "grouping1/grouping2")]),
    # Eval: ['root', 'parent', 'child'] in result['feeds'][0]['categories']
    ("cats-2-single_hierarchy.xml", [Outline(FEED, "feedname", "root/parent/child")]),
    # Eval: ['grouping'] and ['parent', 'child'] in ...['categories'], 'tag' in ...['tags']:
    # one category is kept, the first listparser reports (from the category attribute)
    ("hier-4-mixed.xml", [Outline(FEED, "feedname", "tag")]),
    # Eval: result['feeds'][0]['title'] == 'text'
    ("outline_text-overrides_title.xml", [Outline(FEED, "text", None)]),
    # Eval: len(result['feeds']) == 0 (an empty xmlUrl is no feed)
    ("outline_xmlUrl-empty.xml", []),
])
def test_real_files_read_as_their_comment_states(name: str, expected: list[Outline]) -> None:
    assert read(name).outlines == expected


def test_a_feed_listed_twice_is_one_outline_and_the_repeat_is_counted() -> None:
    # Eval: len(result['feeds']) == 1
    feed_list = read("outline-duplication-1.xml")
    assert feed_list.outlines == [Outline(FEED, "feedname", None)]
    assert feed_list.repeats == {FEED: 2}


def test_a_file_cut_short_is_refused_whole() -> None:
    """listparser recovers the feed before the missing </opml> (its Eval says so); an import
    must not take a truncated file for a whole one."""
    with pytest.raises(InputError, match=r"end-element-missing.xml: line 12, column \d+: "
                                         r"not well-formed XML .*nothing imported"):
        read("end-element-missing.xml")


@pytest.mark.parametrize("data", [b"", b"hello", b"<html><body>feeds</body></html>"])
def test_what_is_not_opml_is_refused(data: bytes) -> None:
    with pytest.raises(InputError, match="nothing imported"):
        read_opml(data, "list.opml")


def test_written_opml_2_reads_back_with_folders_and_titles() -> None:
    feeds = [ListedFeed("https://a.example/rss", "A & B <news>", "Korea/Wires"),
             ListedFeed("https://b.example/feed", "B", None),
             ListedFeed("https://c.example/atom", "C", "Korea/Wires")]
    document = write_opml(feeds, title="monitor feeds", now=datetime(2026, 12, 1, tzinfo=UTC))
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert b"<dateCreated>Tue, 01 Dec 2026 00:00:00 GMT</dateCreated>" in document
    assert document.count(b'<outline text="Korea/Wires"') == 1  # one folder for both
    back = read_opml(document, "export.opml")
    assert sorted(back.outlines, key=lambda o: o.url) == [
        Outline(f.url, f.title, f.category) for f in feeds]
    assert back.repeats == {}
