"""The one HTTP client: conditional GET, redirects, caps, errors and the SSRF guard."""

from __future__ import annotations

import asyncio
import tracemalloc

import httpx
import pytest

from monitor.config import HttpSettings
from monitor.errors import FetchError
from monitor.ingest.fetch import PAGE_ACCEPT, Fetcher, FetchResult, is_public, retry_after_seconds
from tests.fakes.feed_server import FeedServer, Route, fixture

RSS = fixture("feeds", "bbc-rss2.xml")


def fetch(settings: HttpSettings, url: str, **kwargs: object) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.get(url, **kwargs)  # type: ignore[arg-type]
    return asyncio.run(go())


def test_get_returns_body_validators_and_sends_user_agent(
        feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/feed.xml", Route(RSS, etag='"v1"', last_modified="Mon, 01 Jan 2024"))
    result = fetch(http_settings, url)
    assert (result.status, result.body, result.etag) == (200, RSS, '"v1"')
    assert result.last_modified == "Mon, 01 Jan 2024"
    sent = feed_server.requests["/feed.xml"][0]
    assert sent["user-agent"] == http_settings.user_agent
    assert "gzip" in sent["accept-encoding"] and "if-none-match" not in sent


def test_conditional_get_sends_validators_and_gets_304(
        feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/feed.xml", Route(RSS, etag='"v1"', last_modified="Mon, 01 Jan 2024"))
    result = fetch(http_settings, url, etag='"v1"', last_modified="Mon, 01 Jan 2024")
    assert result.not_modified and result.status == 304 and result.body == b""
    sent = feed_server.requests["/feed.xml"][0]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Mon, 01 Jan 2024"


def test_permanent_redirect_is_reported(feed_server: FeedServer,
                                        http_settings: HttpSettings) -> None:
    new = feed_server.add("/new.xml", Route(RSS))
    old = feed_server.add("/old.xml", Route(status=301, location="/new.xml"))
    result = fetch(http_settings, old)
    assert result.url == new and result.permanent_redirect_to == new and result.body == RSS


def test_temporary_hop_in_the_chain_is_not_a_permanent_move(
        feed_server: FeedServer, http_settings: HttpSettings) -> None:
    feed_server.add("/final.xml", Route(RSS))
    feed_server.add("/b", Route(status=308, location="/final.xml"))
    a = feed_server.add("/a", Route(status=302, location="/b"))
    result = fetch(http_settings, a)
    assert result.body == RSS and result.permanent_redirect_to is None


def test_redirect_loop_raises(feed_server: FeedServer, http_settings: HttpSettings) -> None:
    feed_server.add("/b", Route(status=302, location="/a"))
    a = feed_server.add("/a", Route(status=302, location="/b"))
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(http_settings, a)
    assert feed_server.hits["/a"] == 1 and feed_server.hits["/b"] == 1


def test_too_many_redirects_raise(feed_server: FeedServer, http_settings: HttpSettings) -> None:
    for i in range(6):
        feed_server.add(f"/r{i}", Route(status=307, location=f"/r{i + 1}"))
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(http_settings, feed_server.url("/r0"))
    assert feed_server.hits["/r4"] == 0


def test_429_carries_retry_after(feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/busy", Route(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(FetchError) as caught:
        fetch(http_settings, url)
    assert caught.value.status == 429 and caught.value.retry_after == 120.0


def test_retry_after_as_http_date_is_measured_against_the_date_header() -> None:
    headers = httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:30:00 GMT",
                             "Date": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(headers) == 120.0


def test_500_raises_with_status(feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/broken", Route(b"oops", status=500))
    with pytest.raises(FetchError) as caught:
        fetch(http_settings, url)
    assert caught.value.status == 500


def test_slow_response_times_out(feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/slow", Route(hold=True))
    with pytest.raises(FetchError, match="timed out"):
        fetch(http_settings, url)


def test_huge_streamed_body_is_aborted_at_the_cap_with_flat_memory(
        feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/huge", Route(b"<rss>", stream_bytes=50_000_000))
    tracemalloc.start()
    with pytest.raises(FetchError, match="exceeds the 1000000-byte cap"):
        fetch(http_settings, url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8_000_000
    assert feed_server.streamed["/huge"] < 50_000_000


def test_declared_length_over_the_cap_is_refused_before_reading(
        feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/big", Route(b"x" * 3000))
    with pytest.raises(FetchError, match="3000 bytes exceeds"):
        fetch(http_settings, url, max_bytes=2048)


def test_unwanted_content_type_is_skipped_with_a_reason(
        feed_server: FeedServer, http_settings: HttpSettings) -> None:
    url = feed_server.add("/doc.pdf", Route(b"%PDF-1.4", content_type="application/pdf"))
    result = fetch(http_settings, url, accept=PAGE_ACCEPT, content_types=("text/html",))
    assert result.body == b"" and result.skipped == "content type application/pdf"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/feed.xml",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.8/x",
    "http://[::1]:{port}/x",
    "http://[::ffff:127.0.0.1]:{port}/x",
    "http://localhost:{port}/feed.xml",
])
def test_internal_addresses_are_refused_unless_allowed(
        feed_server: FeedServer, url: str) -> None:
    feed_server.add("/feed.xml", Route(RSS))
    with pytest.raises(FetchError, match="refused"):
        fetch(HttpSettings(), url.format(port=feed_server.port))
    assert feed_server.hits["/feed.xml"] == 0


def test_redirect_to_an_internal_address_is_refused(feed_server: FeedServer) -> None:
    settings = HttpSettings(allow_private_hosts=("localhost",))
    feed_server.add("/meta", Route(RSS))
    start = feed_server.add("/start", Route(status=302,
                                            location=feed_server.url("/meta", "127.0.0.1")))
    with pytest.raises(FetchError, match="refused"):
        fetch(settings, start.replace("127.0.0.1", "localhost"))
    assert feed_server.hits["/start"] == 1 and feed_server.hits["/meta"] == 0


def test_non_http_urls_are_refused(http_settings: HttpSettings) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch(http_settings, "file:///etc/passwd")


def test_public_addresses_pass_the_guard() -> None:
    import ipaddress
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert not is_public(ipaddress.ip_address("224.0.0.1"))
    assert not is_public(ipaddress.ip_address("fe80::1"))


def test_gzip_body_is_decoded_and_counts_decoded_bytes_against_the_cap(
        feed_server: FeedServer, http_settings: HttpSettings) -> None:
    import gzip
    url = feed_server.add("/feed.gz", Route(gzip.compress(RSS),
                                            headers={"Content-Encoding": "gzip"}))
    assert fetch(http_settings, url).body == RSS
    bomb = feed_server.add("/bomb.gz", Route(gzip.compress(b" " * 5_000_000),
                                             headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="exceeds the 1000000-byte cap"):
        fetch(http_settings, bomb)


def test_keep_alive_connections_are_reused(feed_server: FeedServer,
                                           http_settings: HttpSettings) -> None:
    url = feed_server.add("/feed.xml", Route(RSS))

    async def go() -> list[bytes]:
        async with Fetcher(http_settings) as fetcher:
            return [(await fetcher.get(url)).body for _ in range(3)]

    assert asyncio.run(go()) == [RSS] * 3 and feed_server.hits["/feed.xml"] == 3
    assert feed_server.connections == 1


def test_cookies_set_by_one_response_are_never_sent(feed_server: FeedServer,
                                                    http_settings: HttpSettings) -> None:
    a = feed_server.add("/a.xml", Route(RSS, headers={"Set-Cookie": "track=1; Path=/"}))
    b = feed_server.add("/b.xml", Route(RSS))

    async def go() -> None:
        async with Fetcher(http_settings) as fetcher:
            await fetcher.get(a)
            await fetcher.get(b)

    asyncio.run(go())
    assert "cookie" not in feed_server.requests["/b.xml"][0]
