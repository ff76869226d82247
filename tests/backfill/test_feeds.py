"""Archived feed snapshots as a replay source: each item once, however many snapshots list it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.backfill import BackfillOptions, Replay, archive_source, replay_drafts
from monitor.config import AppConfig
from monitor.db import models as m
from monitor.errors import InputError
from tests.backfill.conftest import counts
from tests.conftest import FIXTURES

GUARDIAN = FIXTURES / "feeds" / "guardian-5.rss"  # five items of a real feed, MIT


def snapshot(path: Path, first: int, last: int) -> Path:
    """The Guardian feed as it would have been saved listing only items first..last-1."""
    body = GUARDIAN.read_text(encoding="utf-8")
    items = re.findall(r"<item>.*?</item>", body, flags=re.S)
    head = body[:body.index("<item>")]
    tail = body[body.rindex("</item>") + len("</item>"):]
    path.write_text(head + "\n".join(items[first:last]) + tail, encoding="utf-8")
    return path


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    root = tmp_path / "snapshots"
    root.mkdir()
    snapshot(root / "2018-01-30.xml", 2, 5)
    snapshot(root / "2018-01-31-0800.xml", 1, 4)
    snapshot(root / "2018-01-31-2000.xml", 0, 3)
    return root


def test_an_item_in_several_snapshots_is_replayed_once(snapshots: Path,
                                                       config: AppConfig) -> None:
    source = archive_source([snapshots], config.settings)

    urls = [d.url for d in source.drafts]
    assert len(urls) == len(set(urls)) == 5 and not source.problems
    assert {d.outlet for d in source.drafts} == {"The Guardian"}
    assert {d.text_source for d in source.drafts} == {"feed"}


def test_feed_archive_replay_stores_each_item_once(replay: Replay, snapshots: Path,
                                                   config: AppConfig) -> None:
    first = replay_drafts(replay, archive_source([snapshots], config.settings),
                          BackfillOptions())
    snapshot(snapshots / "2018-02-01.xml", 0, 5)  # a later snapshot: nothing new in it
    second = replay_drafts(replay, archive_source([snapshots], config.settings),
                           BackfillOptions())

    assert first.stored + first.duplicates == 5
    assert second.already_stored == 5 and counts(replay.sessions)["articles"] == 5
    with replay.sessions() as session:
        assert session.scalar(sa.select(sa.func.count(sa.distinct(m.Article.url)))) == 5


def test_a_file_that_is_not_a_feed_is_reported(tmp_path: Path, config: AppConfig) -> None:
    snapshot(tmp_path / "good.xml", 0, 3)
    (tmp_path / "broken.xml").write_text("<html><body>not a feed</body></html>")

    source = archive_source([tmp_path], config.settings)

    assert len(source.drafts) == 3
    assert [Path(p.where).name for p in source.problems] == ["broken.xml"]


def test_a_missing_path_is_an_input_error(tmp_path: Path, config: AppConfig) -> None:
    with pytest.raises(InputError, match="no such file"):
        archive_source([tmp_path / "nope"], config.settings)
