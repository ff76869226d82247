"""Fixtures for the storyline pages: databases filled by `monitor backfill --source seeds`
(a real process) and by the synthetic 10,000-match storyline, served by the real HTTP
server on a loopback port, and a small HTML reader to check what a browser would see."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy.engine import Engine

from monitor.config import ServerSettings
from monitor.db.engine import create_engine, read_session_factory, session_factory, upgrade
from monitor.pages import Site
from monitor.server import HealthServer
from tests.backfill.conftest import FixedClock
from tests.cli.test_foundation import monitor
from tests.conftest import PROJECT
from tests.pages.corpus import LargeStoryline, fill_large_storyline

STORYLINE = "putin-pyongyang-visit"
AFTER_SEEDS = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)
"""Three days after the last seed (2024-06-17): "the last 7 days" holds one seed story."""
LARGE_NOW_AFTER = timedelta(hours=12)
"""The large storyline's pages are looked at 12 hours after its newest article."""


@dataclass
class Fetched:
    url: str
    status: int
    headers: dict[str, str]
    body: str

    def html(self) -> Document:
        document = Document(base=self.url)
        document.feed(self.body)
        return document


@dataclass
class Document(HTMLParser):
    """The elements (tag, attributes) and the text of a page, as a browser parses them."""

    base: str = ""
    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def tags(self, name: str) -> list[dict[str, str]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    def hrefs(self) -> list[str]:
        """Link targets as a browser resolves them: same-site links as path?query#fragment
        (the pages link relatively), others as written."""
        resolved = []
        for _, attrs in self.elements:
            if "href" not in attrs:
                continue
            target = urlsplit(urljoin(self.base, attrs["href"]))
            if self.base and urljoin(self.base, "/") == f"{target.scheme}://{target.netloc}/":
                query = f"?{target.query}" if target.query else ""
                fragment = f"#{target.fragment}" if target.fragment else ""
                resolved.append(f"{target.path}{query}{fragment}")
            else:
                resolved.append(attrs["href"])
        return resolved


@contextmanager
def served(engine: Engine, now: datetime) -> Iterator[str]:
    """The pages on a free loopback port, as the daemon serves them; yields the base URL."""
    server = HealthServer(ServerSettings(port=0), readiness=list, metrics=lambda: b"",
                          metrics_content_type="text/plain",
                          pages=Site(read_session_factory(engine), FixedClock(now)))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def fetch(url: str) -> Fetched:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return Fetched(url, resp.status, dict(resp.headers), resp.read().decode())
    except urllib.error.HTTPError as exc:
        return Fetched(url, exc.code, dict(exc.headers), exc.read().decode())


def backfill_seeds(tmp: Path, database_url: str) -> None:
    """`monitor backfill --source seeds` as an operator runs it, on a copy of the project."""
    shutil.copytree(PROJECT / "config", tmp / "config")
    shutil.copytree(PROJECT / "seeds", tmp / "seeds")
    result = monitor(tmp, "backfill", "--source", "seeds",
                     env={"MONITOR_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def seeds_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the pages over a SQLite database filled by a seeds backfill."""
    tmp = tmp_path_factory.mktemp("seeds")
    url = f"sqlite:///{tmp / 'monitor.db'}"
    backfill_seeds(tmp, url)
    engine = create_engine(url)
    with served(engine, AFTER_SEEDS) as base:
        yield base
    engine.dispose()


@dataclass
class Large:
    base: str
    storyline: LargeStoryline


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Large]:
    """The pages over a SQLite database holding the synthetic 10,000-match storyline."""
    url = f"sqlite:///{tmp_path_factory.mktemp('large') / 'monitor.db'}"
    engine = create_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    storyline = fill_large_storyline(sessions)
    with served(engine, storyline.newest_at + LARGE_NOW_AFTER) as base:
        yield Large(base, storyline)
    engine.dispose()
