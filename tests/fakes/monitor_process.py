"""`monitor run` as a real subprocess, for the daemon and multi-process tests and the bench.

    config = write_config(tmp_path, feeds=[...], polling={...})
    with MonitorProcess(config, env={...}) as proc:
        proc.wait_for(lambda: proc.metric("monitor_feeds_polled_total") >= 3)

The process logs JSON lines to stderr; a reader thread keeps them (`events`) and learns the
port of /healthz, /readyz and /metrics from the `server.listening` event (port 0 in config).
Waiting is always on a condition with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent.parent


def rss(title: str, items: Sequence[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, link, RFC 822 date) items, with no <ttl>."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate><description>{t}</description></item>"
        for t, link, date in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://127.0.0.1/</link><description>test"
            f"</description>{entries}</channel></rss>").encode()


def article_page(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>").encode()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def write_config(root: Path, *, feeds: Sequence[Mapping[str, str]],
                 sections: Mapping[str, Mapping[str, Any]], storylines: bool = True) -> Path:
    """A config directory under `root` (with the project's storyline and seeds when asked)."""
    config = root / "config"
    (config / "storylines").mkdir(parents=True, exist_ok=True)
    lines = [f'data_dir = "{root / "data"}"']
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
    (config / "monitor.toml").write_text("\n".join(lines) + "\n")
    feed_lines = []
    for feed in feeds:
        feed_lines.append("[[feeds]]")
        feed_lines.extend(f"{k} = {json.dumps(v)}" for k, v in feed.items())
    (config / "feeds.toml").write_text("\n".join(feed_lines) + "\n")
    if storylines:
        for path in (PROJECT / "config" / "storylines").glob("*.toml"):
            shutil.copy(path, config / "storylines" / path.name)
        if not (root / "seeds").exists():
            shutil.copytree(PROJECT / "seeds", root / "seeds")
    return config


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text -> {'name{labels}': value} (labels as printed)."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


class MonitorProcess:
    def __init__(self, config_dir: Path, *, env: Mapping[str, str] | None = None,
                 args: Sequence[str] = ("run",), worker_id: str | None = None) -> None:
        self.config_dir = config_dir
        self.args = list(args)
        self.env = {**os.environ, "MONITOR_CONFIG_DIR": str(config_dir),
                    "MONITOR_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1", **(env or {})}
        if worker_id:
            self.env["MONITOR_WORKER_ID"] = worker_id
        self.worker_id = worker_id
        self.events: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self.port: int | None = None
        self.proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> MonitorProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", *self.args], cwd=self.config_dir.parent,
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                self.events.append(event)
                if event.get("event") == "server.listening":
                    self.port = int(event["port"])

    def __enter__(self) -> MonitorProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.kill()

    # -- control ---------------------------------------------------------------------------

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        code = self.proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(5)
        return code

    def log(self) -> str:
        return "".join(self.lines[-60:])

    # -- observation -----------------------------------------------------------------------

    def get(self, path: str) -> tuple[int, str]:
        assert self.port is not None, "server not listening yet"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def metrics(self) -> dict[str, float]:
        return parse_metrics(self.get("/metrics")[1])

    def metric(self, prefix: str) -> float:
        """Sum of every sample whose name (with labels) starts with `prefix`."""
        if self.port is None:
            return 0.0
        try:
            samples = self.metrics()
        except OSError:
            return 0.0
        return sum(v for k, v in samples.items() if k.startswith(prefix))

    def has_event(self, name: str) -> bool:
        return any(e.get("event") == name for e in self.events)

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str = "") -> None:
        """Poll `condition` until true; fail with the process's recent log at the deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"monitor exited ({self.proc.returncode}) while waiting "
                                     f"for {what}:\n{self.log()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}:\n{self.log()}")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
