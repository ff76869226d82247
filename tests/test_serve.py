"""`monitor serve` as an operator runs it: a real process serving the pages of a backfilled
database on a loopback port, without polling, until SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from monitor.db.engine import create_engine
from tests.pages.conftest import STORYLINE, backfill_seeds, fetch


def _listening_port(process: subprocess.Popen[str]) -> int:
    assert process.stderr is not None
    for line in process.stderr:
        if '"server.listening"' in line:
            return int(json.loads(line)["port"])
    raise AssertionError(f"monitor serve exited ({process.wait()}) without listening")


def test_serve_shows_the_pages_and_health_without_polling_and_stops_on_sigterm(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    backfill_seeds(tmp_path, url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SLACK_"))}
    env.update(MONITOR_DATABASE_URL=url, MONITOR_HTTP_PORT="0", MONITOR_LOG_FORMAT="json")
    process = subprocess.Popen([sys.executable, "-m", "monitor", "serve"], cwd=tmp_path,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        base = f"http://127.0.0.1:{_listening_port(process)}"
        index, storyline = fetch(base + "/"), fetch(f"{base}/storylines/{STORYLINE}")
        health, ready = fetch(base + "/healthz"), fetch(base + "/readyz")
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0
    assert index.status == 200 and "Putin Pyongyang visit date" in index.html().text
    assert storyline.status == 200 and 'id="timeline"' in storyline.body
    assert health.status == 200
    assert json.loads(ready.body) == {"ready": True, "problems": []}
    engine = create_engine(url)
    with engine.connect() as conn:  # `monitor run` would have added config/feeds.toml's feeds
        feeds = conn.execute(sa.text("SELECT count(*) FROM feeds")).scalar()
    engine.dispose()
    assert feeds == 0
