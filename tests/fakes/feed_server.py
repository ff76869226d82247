"""A real threaded HTTP server on 127.0.0.1 serving fixture feeds and article pages.

Each path is a Route: a body with validators (ETag/Last-Modified, answering 304 to matching
conditional requests), a redirect, an error status with Retry-After, a slow response (held
until the test releases it), or a huge streamed body. Requests are counted per path and their
headers kept, so tests can check what the client sent."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: bool = False
    """Send nothing until FeedServer.release is set (a response slower than any timeout)."""
    stream_bytes: int = 0
    """Stream this many bytes of filler after `body` (chunked, no Content-Length)."""


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
        self.release = threading.Event()
        self.streamed: Counter[str] = Counter()
        self.connections = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,),
                                        daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def running() -> Iterator[FeedServer]:
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


def fixture(kind: str, name: str) -> bytes:
    return (FIXTURES / kind / name).read_bytes()


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def setup(self) -> None:
            server.connections += 1
            super().setup()

        def do_GET(self) -> None:
            path = self.path
            server.hits[path] += 1
            server.requests[path].append({k.lower(): v for k, v in self.headers.items()})
            route = server.routes.get(path)
            if route is None:
                self._send(404, b"not found", "text/plain", {})
                return
            if route.hold:
                server.release.wait(30)
                self.close_connection = True  # no answer: the client sees the connection drop
                return
            if self._not_modified(route):
                self._send(304, b"", None, self._validators(route))
                return
            headers = {**self._validators(route), **route.headers}
            if route.location:
                headers["Location"] = route.location
            if route.stream_bytes:
                self._stream(path, route, headers)
                return
            self._send(route.status, route.body, route.content_type, headers)

        def _not_modified(self, route: Route) -> bool:
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if route.etag and inm:
                return inm == route.etag
            return bool(route.last_modified and ims and ims == route.last_modified)

        @staticmethod
        def _validators(route: Route) -> dict[str, str]:
            found = {"ETag": route.etag, "Last-Modified": route.last_modified}
            return {k: v for k, v in found.items() if v}

        def _send(self, status: int, body: bytes, content_type: str | None,
                  headers: dict[str, str]) -> None:
            self.send_response(status)
            if content_type and status != 304:
                self.send_header("Content-Type", content_type)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def _stream(self, path: str, route: Route, headers: dict[str, str]) -> None:
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Transfer-Encoding", "chunked")
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            chunk = b"<!-- filler -->" * 4096
            sent = 0
            try:
                self._chunk(route.body)
                while sent < route.stream_bytes:
                    self._chunk(chunk)
                    sent += len(chunk)
                    server.streamed[path] = sent
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _chunk(self, data: bytes) -> None:
            if data:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    return Handler
