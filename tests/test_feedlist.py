"""OPML import and export of the feed list against a real database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import feeds as repo
from monitor.db.engine import create_engine, session_factory, transaction, upgrade
from monitor.errors import InputError
from monitor.feedlist import Skipped, export_opml, import_opml
from tests.conftest import FIXTURES

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

LIST = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="Korea">
      <outline text="Wires">
        <outline type="rss" text="Yonhap North Korea" xmlUrl="https://en.yna.co.example/nk.xml"/>
      </outline>
      <outline type="rss" text="NK News" xmlUrl="https://www.nknews.example/feed/"/>
    </outline>
    <outline type="rss" text="Known" xmlUrl="https://known.example/rss"/>
    <outline type="rss" text="FTP" xmlUrl="ftp://files.example/feed.xml"/>
    <outline type="rss" text="Relative" xmlUrl="/feed.xml"/>
    <outline type="rss" text="NK News again" xmlUrl="https://www.nknews.example/feed/"/>
    <outline type="rss" title="Untitled by text" xmlUrl="https://plain.example/atom"/>
  </body>
</opml>
"""


def feeds(sessions: sessionmaker[Session]) -> list[tuple[str, str | None, str | None]]:
    with sessions() as session:
        return [(f.url, f.title, f.category) for f in repo.list_feeds(session)]


def test_import_adds_new_feeds_in_their_folders_and_reports_the_others(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        repo.add_feed(session, "https://known.example/rss", outlet=None, title=None,
                      interval_seconds=900, now=NOW)
    report = import_opml(sessions, LIST, "subs.opml", interval_seconds=1800, now=NOW)
    assert [(f.url, f.title, f.category) for f in report.added] == [
        ("https://en.yna.co.example/nk.xml", "Yonhap North Korea", "Korea/Wires"),
        ("https://www.nknews.example/feed/", "NK News", "Korea"),
        ("https://plain.example/atom", "Untitled by text", None)]
    assert {f.interval_seconds for f in report.added} == {1800}
    assert all(f.next_poll_at == NOW for f in report.added)  # due at once
    assert report.skipped == [
        Skipped("https://www.nknews.example/feed/", "listed 2 times in the file: added once"),
        Skipped("https://known.example/rss", "already added"),
        Skipped("ftp://files.example/feed.xml", "only http and https URLs are supported"),
        Skipped("/feed.xml", "only http and https URLs are supported")]
    again = import_opml(sessions, LIST, "subs.opml", interval_seconds=1800, now=NOW)
    assert again.added == [] and len(feeds(sessions)) == 4


def test_a_file_cut_short_adds_nothing(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(InputError, match=r"subs\.opml: line 11, column 5: not well-formed "
                                         r"XML .*nothing imported"):
        import_opml(sessions, LIST[:LIST.index(b'<outline type="rss" text="Known"')],
                    "subs.opml", interval_seconds=900, now=NOW)
    assert feeds(sessions) == []


def test_export_imports_into_an_empty_database_as_the_same_feed_list(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    import_opml(sessions, LIST, "subs.opml", interval_seconds=900, now=NOW)
    import_opml(sessions, (FIXTURES / "opml" / "hier-2-nested.xml").read_bytes(),
                "hier-2-nested.xml", interval_seconds=900, now=NOW)
    document = export_opml(sessions, NOW)

    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    try:
        copy = session_factory(other)
        report = import_opml(copy, document, "export.opml", interval_seconds=900, now=NOW)
        assert report.skipped == []
        assert sorted(feeds(copy)) == sorted(feeds(sessions))
        assert len(feeds(copy)) == 5
    finally:
        other.dispose()
