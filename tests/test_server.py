"""The health/metrics endpoint on a real loopback port."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from monitor.config import ServerSettings
from monitor.metrics import CONTENT_TYPE, Metrics
from monitor.server import HealthServer, Response


@pytest.fixture
def problems() -> list[str]:
    return []


@pytest.fixture
def server(problems: list[str]) -> Iterator[tuple[HealthServer, Metrics]]:
    metrics = Metrics("test-worker")
    srv = HealthServer(ServerSettings(port=0), readiness=lambda: list(problems),
                       metrics=metrics.render, metrics_content_type=CONTENT_TYPE)
    srv.start()
    yield srv, metrics
    srv.stop()


def get(srv: HealthServer, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{srv.port}{path}", timeout=5) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_healthz_answers_ok(server: tuple[HealthServer, Metrics]) -> None:
    assert get(server[0], "/healthz")[0] == 200


def test_readyz_is_503_with_the_problems_until_they_are_gone(
        server: tuple[HealthServer, Metrics], problems: list[str]) -> None:
    problems.append("no poll tick yet")
    status, content_type, body = get(server[0], "/readyz")
    assert status == 503 and content_type == "application/json"
    assert json.loads(body) == {"ready": False, "problems": ["no poll tick yet"]}
    problems.clear()
    assert get(server[0], "/readyz")[0] == 200


def test_readyz_reports_a_crashing_check_as_not_ready() -> None:
    def broken() -> list[str]:
        raise RuntimeError("boom")

    srv = HealthServer(ServerSettings(port=0), readiness=broken, metrics=lambda: b"",
                       metrics_content_type="text/plain")
    srv.start()
    try:
        status, _, body = get(srv, "/readyz")
    finally:
        srv.stop()
    assert status == 503 and "boom" in body


def test_metrics_serves_the_prometheus_exposition(
        server: tuple[HealthServer, Metrics]) -> None:
    srv, metrics = server
    metrics.observe_polls({"ok": 2, "not_modified": 5})
    metrics.observe_latencies("feed", [0.01, 0.2])
    status, content_type, body = get(srv, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert 'monitor_feeds_polled_total{result="not_modified"} 5.0' in body
    assert "monitor_fetch_seconds_count{kind=\"feed\"} 2.0" in body
    assert 'monitor_worker_info{worker_id="test-worker"} 1.0' in body


def test_unknown_path_is_404(server: tuple[HealthServer, Metrics]) -> None:
    assert get(server[0], "/admin")[0] == 404


def test_a_failing_page_is_a_500_and_the_server_keeps_serving() -> None:
    def pages(path: str, query: str) -> Response | None:
        if path == "/broken":
            raise RuntimeError("template bug")
        return Response(200, b"<p>page</p>", "text/html; charset=utf-8") if path == "/" else None

    srv = HealthServer(ServerSettings(port=0), readiness=list, metrics=lambda: b"",
                       metrics_content_type="text/plain", pages=pages)
    srv.start()
    try:
        broken, page, missing = get(srv, "/broken"), get(srv, "/"), get(srv, "/nothing")
        health = get(srv, "/healthz")
    finally:
        srv.stop()
    assert broken[0] == 500 and "template bug" not in broken[2]
    assert page[:2] == (200, "text/html; charset=utf-8") and missing[0] == 404
    assert health[0] == 200
