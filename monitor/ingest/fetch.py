"""The one HTTP client of ingestion, used for feeds and article pages alike.

Every request goes through the same rules: a descriptive User-Agent, conditional GET,
gzip/brotli, redirects followed by hand (each hop checked, capped, loops detected, permanent
redirects reported), connect/read/total timeouts, a streamed size cap, limits on concurrent
requests in total and per host, and an SSRF guard that refuses hosts resolving to loopback,
private, link-local, reserved or multicast addresses unless allowed by name.

The client is httpx's; its network layer is aiohttp (AiohttpTransport). httpx's own async
pool answered ~45-77 requests/s here against aiohttp's 430-550 at the same concurrency on the
same loopback server (encode/httpx#3215), far from the 500 feeds/s we need. httpx still does
everything above the socket: headers, decoding (gzip/brotli), redirects by hand, timeouts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin

import aiohttp
import httpx
import structlog

from monitor.config import HttpSettings
from monitor.errors import FetchError, InputError
from monitor.ingest.urls import check_http_url

log = structlog.get_logger(__name__)

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml, "
               "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)
CHUNK = 65536


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one GET returned. `url` is the final URL after redirects.

    `permanent_redirect_to` is set when every hop from the requested URL was permanent
    (301/308): the caller should store that URL instead. `skipped` gives the reason when the
    body was not read (its content type was not among those asked for)."""

    url: str
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str | None
    permanent_redirect_to: str | None
    not_modified: bool
    skipped: str | None = None


class Fetcher:
    """An async context manager around one httpx.AsyncClient."""

    def __init__(self, settings: HttpSettings, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._allowed = frozenset(h.lower().strip("[]") for h in settings.allow_private_hosts)
        timeout = httpx.Timeout(connect=settings.connect_timeout, read=settings.read_timeout,
                                write=settings.read_timeout, pool=settings.total_timeout)
        limits = httpx.Limits(max_connections=settings.max_connections,
                              max_keepalive_connections=settings.max_connections)
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent}, timeout=timeout, limits=limits,
            follow_redirects=False, transport=transport or AiohttpTransport(settings),
            trust_env=False)
        # No cookies: polling is stateless, and one feed's cookies must not reach another
        # host's requests; skipping httpx's per-response cookie extraction also saves ~20%.
        self._client._cookies = _NoCookies()
        self._total = asyncio.Semaphore(settings.max_connections)
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.max_per_host))

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  max_bytes: int | None = None, accept: str = FEED_ACCEPT,
                  content_types: tuple[str, ...] | None = None,
                  timeout: float | None = None) -> FetchResult:
        """GET `url` under every limit. Raises FetchError on network errors, 4xx/5xx,
        the size cap, redirect loops or too many redirects, and refused addresses.

        With `content_types`, a 200 response of another type is not read: the result has an
        empty body and `skipped` says why. `timeout` bounds the whole call (waiting for a
        connection slot, redirects and retries included), e.g. to the caller's lease."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        cap = max_bytes or self._settings.max_response_bytes
        if timeout is None:
            return await self._follow(url, headers, cap, content_types)
        try:
            async with asyncio.timeout(timeout):
                return await self._follow(url, headers, cap, content_types)
        except TimeoutError as exc:
            raise FetchError(f"{url}: no response within the {timeout:.1f}s left of the "
                             f"lease") from exc

    async def _follow(self, url: str, headers: dict[str, str], cap: int,
                      content_types: tuple[str, ...] | None) -> FetchResult:
        seen = {url}
        current = url
        permanent: str | None = None
        all_permanent = True
        for _hop in range(self._settings.max_redirects + 1):
            host = await self.check_address(current)
            result, location = await self._request(current, host, headers, cap, content_types)
            if location is None:
                return _with_redirect(result, permanent)
            target = urljoin(current, location)
            if target in seen:
                raise FetchError(f"{url}: redirect loop at {target}", status=result.status)
            seen.add(target)
            all_permanent = all_permanent and result.status in PERMANENT
            permanent = target if all_permanent else None
            current = target
        raise FetchError(f"{url}: more than {self._settings.max_redirects} redirects")

    async def _request(self, url: str, host: str, headers: dict[str, str], cap: int,
                       content_types: tuple[str, ...] | None
                       ) -> tuple[FetchResult, str | None]:
        total = self._settings.total_timeout
        async with self._total, self._per_host[host]:
            try:
                async with (asyncio.timeout(total),
                            self._client.stream("GET", url, headers=headers) as response):
                    return await self._read(url, response, cap, content_types)
            except TimeoutError as exc:
                raise FetchError(f"{url}: no complete response within {total:g}s") from exc
            except httpx.TimeoutException as exc:
                raise FetchError(f"{url}: timed out ({type(exc).__name__})") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc

    async def _read(self, url: str, response: httpx.Response, cap: int,
                    content_types: tuple[str, ...] | None) -> tuple[FetchResult, str | None]:
        status = response.status_code
        location = response.headers.get("location")
        if status in REDIRECTS and location:
            return _result(url, response, b""), location
        if status == 304:
            return _result(url, response, b"", not_modified=True), None
        if status >= 400:
            raise FetchError(f"{url}: HTTP {status}", status=status,
                             retry_after=retry_after_seconds(response.headers))
        if status >= 300:
            raise FetchError(f"{url}: HTTP {status} without a usable Location", status=status)
        kind = media_type(response.headers.get("content-type"))
        if content_types is not None and kind not in content_types:
            return _result(url, response, b"", skipped=f"content type {kind or 'missing'}"), None
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{url}: response of {declared} bytes exceeds the {cap}-byte cap",
                             status=status)
        body = bytearray()
        async for chunk in response.aiter_bytes(CHUNK):
            body += chunk
            if len(body) > cap:
                raise FetchError(f"{url}: response exceeds the {cap}-byte cap", status=status)
        return _result(url, response, bytes(body)), None

    async def check_address(self, url: str) -> str:
        """Refuse URLs whose host is, or resolves to, an internal address (unless allowed).
        Returns the host, lower-cased.

        Resolution runs off the event loop (getaddrinfo in the loop's executor)."""
        try:
            host = check_http_url(url).lower().strip("[]")
        except InputError as exc:
            raise FetchError(str(exc)) from exc
        if host in self._allowed:
            return host
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await self._resolve(url, host)
        bad = [a for a in addresses if not is_public(a)]
        if bad:
            log.warning("fetch.refused", url=url, host=host, address=str(bad[0]))
            raise FetchError(f"{url}: refused: {host} is an internal address ({bad[0]}); "
                             "allow it with MONITOR_ALLOW_PRIVATE_HOSTS if intended")
        return host

    async def _resolve(self, url: str, host: str) -> list[ipaddress.IPv4Address
                                                         | ipaddress.IPv6Address]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise FetchError(f"{url}: cannot resolve {host}: {exc}") from exc
        return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent over one aiohttp session (created in the running loop).

    aiohttp does not decompress (httpx does, from Content-Encoding) nor follow redirects;
    its errors become the matching httpx exceptions."""

    def __init__(self, settings: HttpSettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._settings.max_connections,
                                             limit_per_host=self._settings.max_per_host,
                                             ttl_dns_cache=60)
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"))
            # aiohttp sends a GET again, once, whenever the connection closes before an
            # answer, even on a new connection, so a server that drops a slow request got
            # every poll twice. A failure is retried by the next poll (with backoff)
            # instead; aiohttp's own test client turns this off the same way.
            self._session._retry_connection = False
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        limits = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(total=None, connect=limits.get("pool"),
                                        sock_connect=limits.get("connect"),
                                        sock_read=limits.get("read"))
        try:
            response = await self._client().request(
                request.method, str(request.url), headers=list(request.headers.multi_items()),
                data=request.content or None, allow_redirects=False, timeout=timeout)
        except Exception as exc:
            raise _as_httpx(exc, request) from exc
        return httpx.Response(status_code=response.status, headers=response.raw_headers,
                              stream=_AiohttpStream(response, request), request=request,
                              extensions={"http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _AiohttpStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk
        except Exception as exc:
            raise _as_httpx(exc, self._request) from exc
        self._done = True

    async def aclose(self) -> None:
        if self._done:
            self._response.release()  # back to the pool for keep-alive
        else:
            self._response.close()  # abandoned mid-body (size cap): drop the connection


def _as_httpx(exc: BaseException, request: httpx.Request) -> Exception:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, aiohttp.ClientError | OSError):
        return httpx.ReadError(message, request=request)
    return exc if isinstance(exc, Exception) else RuntimeError(message)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for globally routable unicast addresses (IPv4-mapped IPv6 judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def media_type(content_type: str | None) -> str | None:
    """`text/html; charset=utf-8` -> `text/html`."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Seconds asked for by Retry-After (delta or HTTP date, measured against the
    response's own Date header so no local clock is read)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        sent = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - sent).total_seconds())


def _result(url: str, response: httpx.Response, body: bytes, *, not_modified: bool = False,
            skipped: str | None = None) -> FetchResult:
    return FetchResult(url=url, status=response.status_code, body=body,
                       etag=response.headers.get("etag"),
                       last_modified=response.headers.get("last-modified"),
                       content_type=response.headers.get("content-type"),
                       permanent_redirect_to=None, not_modified=not_modified, skipped=skipped)


def _with_redirect(result: FetchResult, permanent: str | None) -> FetchResult:
    if permanent is None:
        return result
    return FetchResult(url=result.url, status=result.status, body=result.body,
                       etag=result.etag, last_modified=result.last_modified,
                       content_type=result.content_type, permanent_redirect_to=permanent,
                       not_modified=result.not_modified, skipped=result.skipped)


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        pass

    def set_cookie_header(self, request: httpx.Request) -> None:
        pass
