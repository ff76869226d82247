"""One article, one key: canonical URLs whatever a feed decorates its links with."""

from __future__ import annotations

import pytest

from monitor.errors import InputError
from monitor.ingest.urls import canonicalize, host_of


@pytest.mark.parametrize("decorated", [
    "https://www.example.com/news/story-1?utm_source=rss&utm_medium=feed",
    "HTTPS://WWW.EXAMPLE.COM/news/story-1#comments",
    "https://www.example.com:443/news/story-1?fbclid=IwAR0x&gclid=abc",
    "https://www.example.com/news/story-1?wt_mc=rss.ho.beitrag.rdf&at_medium=RSS",
])
def test_decorated_links_share_one_canonical_url(decorated: str) -> None:
    assert canonicalize(decorated) == "https://www.example.com/news/story-1"


def test_meaningful_query_parameters_are_kept_in_a_stable_order() -> None:
    assert canonicalize("http://example.com/a?page=2&id=7") == "http://example.com/a?id=7&page=2"


@pytest.mark.parametrize("bad", ["ftp://example.com/x", "javascript:alert(1)", "/relative",
                                 "http://"])
def test_non_http_urls_are_rejected(bad: str) -> None:
    with pytest.raises(InputError):
        canonicalize(bad)


def test_host_of_lowercases_and_strips_brackets() -> None:
    assert host_of("http://[::1]:8080/x") == "::1"
    assert host_of("http://Example.COM/x") == "example.com"
