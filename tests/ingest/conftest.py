"""Fixtures for ingestion tests: a real local feed server and HTTP settings for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor.config import HttpSettings
from tests.fakes.feed_server import FeedServer, running


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


@pytest.fixture
def http_settings() -> HttpSettings:
    """Loopback allowed by name (tests only), short timeouts, a 1 MB cap."""
    return HttpSettings(connect_timeout=2, read_timeout=0.5, total_timeout=5,
                        max_response_bytes=1_000_000, max_redirects=3,
                        allow_private_hosts=("127.0.0.1", "localhost"))
