"""The read-only driver: `monitor serve`. The storyline pages (monitor.pages) and /healthz,
/readyz, /metrics on [server].host:port, without polling feeds or sending alerts: for a
laptop looking at a backfilled database, or a replica next to the daemons.

/readyz here only asks the database. The server runs on its own thread; the calling thread
waits for SIGTERM/SIGINT (or `stop`) and then closes the listening socket.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

import structlog

from monitor.app import App
from monitor.db.engine import check_connection, read_session_factory
from monitor.errors import DatabaseError
from monitor.metrics import CONTENT_TYPE, Metrics
from monitor.pages import Site
from monitor.server import HealthServer

log = structlog.get_logger(__name__)


def readiness(app: App) -> list[str]:
    try:
        check_connection(app.engine)
    except DatabaseError as exc:
        return [str(exc)]
    return []


def serve(app: App, stop: threading.Event | None = None) -> int:
    """Serve until SIGTERM/SIGINT or `stop` is set; returns the exit code (0)."""
    stop = stop or threading.Event()
    server = HealthServer(app.config.settings.server, readiness=lambda: readiness(app),
                          metrics=Metrics(app.worker_id).render,
                          metrics_content_type=CONTENT_TYPE,
                          pages=Site(read_session_factory(app.engine), app.clock))
    server.bind()
    if threading.current_thread() is threading.main_thread():
        def request(signum: int, _frame: FrameType | None) -> None:
            log.info("serve.signal", signal=signal.Signals(signum).name)
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, request)
    try:
        while not stop.wait(1.0):  # a timed wait: signal handlers run between waits
            pass
    finally:
        server.stop()
        log.info("serve.stopped")
    return 0
