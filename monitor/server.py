"""The daemon's HTTP endpoint (loopback by default, settings.server).

    /healthz   200 while the process is alive and serving
    /readyz    200 when the daemon can do its work (database reachable, scheduler running,
               last poll tick recent), else 503 with the problems as JSON
    /metrics   Prometheus text format (monitor.metrics)
    anything else: the read-only storyline pages (monitor.pages), when given, else 404

HTML answers carry a Content-Security-Policy that allows no script and no outside resource:
the pages print untrusted article text, and even a miss in escaping cannot run there.

A stdlib ThreadingHTTPServer on its own thread: a scrape or a readiness probe (which touches
the database) never waits on the event loop, and a busy event loop never fails a liveness
probe. The checks it calls must therefore be thread-safe.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import structlog

from monitor.config import ServerSettings
from monitor.errors import MonitorError

log = structlog.get_logger(__name__)

ReadinessCheck = Callable[[], list[str]]
"""Returns the problems that make the daemon not ready (empty: ready)."""

HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str


Pages = Callable[[str, str], Response | None]
"""(path, query string) -> the page, or None when the path is not one (404)."""


class HealthServer:
    def __init__(self, settings: ServerSettings, *, readiness: ReadinessCheck,
                 metrics: Callable[[], bytes], metrics_content_type: str,
                 pages: Pages | None = None) -> None:
        self.settings = settings
        self.pages = pages
        self.readiness = readiness
        self.metrics = metrics
        self.metrics_content_type = metrics_content_type
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        """Bind and serve on a background thread; raises OSError when the port is taken."""
        self._httpd = ThreadingHTTPServer((self.settings.host, self.settings.port),
                                          _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.2,),
                                        name="health-server", daemon=True)
        self._thread.start()
        log.info("server.listening", host=self.settings.host, port=self.port,
                 url=f"http://{self.settings.host}:{self.port}/", pages=self.pages is not None)

    def bind(self) -> None:
        """`start`, with a port already in use explained to the operator (MonitorError)."""
        try:
            self.start()
        except OSError as exc:
            raise MonitorError(
                f"cannot serve on {self.settings.host}:{self.settings.port}: "
                f"{exc.strerror or exc} (set [server].port or MONITOR_HTTP_PORT)") from exc

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd = None


def _handler_for(server: HealthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "monitor"

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every few seconds would drown the log

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/healthz":
                self._send(200, b"ok\n", "text/plain; charset=utf-8")
            elif path == "/readyz":
                self._ready()
            elif path == "/metrics":
                self._send(200, server.metrics(), server.metrics_content_type)
            elif (page := self._page(path, query)) is not None:
                self._send(page.status, page.body, page.content_type)
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")

        def _page(self, path: str, query: str) -> Response | None:
            if server.pages is None:
                return None
            try:
                return server.pages(path, query)
            except Exception as exc:  # one failed page is a 500, never a dead server
                log.exception("page.failed", path=path, error=repr(exc))
                return Response(500, b"internal error: see the server log\n",
                                "text/plain; charset=utf-8")

        def _ready(self) -> None:
            try:
                problems = server.readiness()
            except Exception as exc:  # a failing check means not ready, not a dead server
                log.warning("server.readiness_failed", error=repr(exc))
                problems = [f"readiness check failed: {exc!r}"]
            body = json.dumps({"ready": not problems, "problems": problems}).encode() + b"\n"
            self._send(503 if problems else 200, body, "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if content_type.startswith("text/html"):
                for name, value in HTML_HEADERS.items():
                    self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
