"""`monitor backfill` as an operator runs it: a real process per call."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.db.engine import create_engine, session_factory
from tests.backfill.conftest import corpus_lines, counts, filler_lines, fingerprint
from tests.cli.test_foundation import monitor
from tests.conftest import PROJECT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT / "config", tmp_path / "config")
    shutil.copytree(PROJECT / "seeds", tmp_path / "seeds")
    return tmp_path


def _sessions(url: str) -> sessionmaker[Session]:
    return session_factory(create_engine(url))


def _events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_seeds_dry_run_prints_the_two_changes_and_leaves_the_database_unchanged(
        project: Path, database_url: str) -> None:
    env = {"MONITOR_DATABASE_URL": database_url}
    assert monitor(project, "db", "upgrade", env=env).returncode == 0
    before = fingerprint(_sessions(database_url))

    result = monitor(project, "backfill", "--source", "seeds", "--dry-run", "--format", "jsonl",
                     env=env)

    assert result.returncode == 0, result.stderr
    changes = [e for e in _events(result.stdout) if e["type"] == "status_change"]
    assert [(e["from"], e["to"], e["facts"], str(e["published"])[:10]) for e in changes] == [
        (None, "proposed", {}, "2024-01-21"),
        ("proposed", "scheduled", {"visit_date": "2024-06-18"}, "2024-06-17")]
    assert "dry run: nothing was written" in result.stderr
    assert fingerprint(_sessions(database_url)) == before


def test_jsonl_with_bad_lines_exits_1_naming_the_lines(project: Path) -> None:
    good = corpus_lines()[:2]
    path = project / "in.jsonl"
    path.write_text("\n".join([good[0], "not json", '{"url": "https://x.org/1"}', good[1]]))

    result = monitor(project, "backfill", "--source", str(path), "--format", "jsonl")

    assert result.returncode == 1
    assert f"skipped {path}:2: not JSON" in result.stderr
    assert f"skipped {path}:3: text or html: missing" in result.stderr
    assert [e["type"] for e in _events(result.stdout)].count("article") == 2
    assert "\x1b[" not in result.stderr  # no progress bar when not on a terminal


def test_table_output_ends_with_the_timeline(project: Path) -> None:
    result = monitor(project, "backfill", "--source", "seeds", env={"COLUMNS": "200"})

    assert result.returncode == 0, result.stderr
    assert "5 of 5 items replayed; 5 stored" in result.stdout
    timeline = result.stdout[result.stdout.index("Timeline: putin-pyongyang-visit"):]
    assert "proposed -> scheduled" in timeline and "visit_date=2024-06-18" in timeline


def test_unknown_source_and_notify_with_dry_run_are_refused(project: Path) -> None:
    unknown = monitor(project, "backfill", "--source", "nowhere.jsonl")
    both = monitor(project, "backfill", "--source", "seeds", "--dry-run", "--notify")

    assert unknown.returncode == 2 and "not seeds, db, feeds" in unknown.stderr
    assert both.returncode == 2 and "dry run sends nothing" in both.stderr


@pytest.mark.slow
def test_a_killed_backfill_resumes_where_it_stopped(project: Path) -> None:
    lines = corpus_lines()[:30] + filler_lines(50, datetime(2024, 2, 1, tzinfo=UTC))
    path = project / "in.jsonl"
    path.write_text("\n".join(lines))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SLACK_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "backfill", "--source", str(path), "--format",
         "jsonl"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)
    assert process.stdout is not None
    seen = 0
    for line in process.stdout:
        seen += json.loads(line)["type"] == "article"
        if seen == 20:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)

    result = monitor(project, "backfill", "--source", str(path), "--format", "jsonl")

    assert result.returncode == 0, result.stderr
    replayed = [e for e in _events(result.stdout) if e["type"] == "article"]
    assert 0 < len(replayed) <= len(lines) - 20
    assert not any(e["stored"] is False for e in replayed[1:])
    url = f"sqlite:///{project / 'data' / 'monitor.db'}"
    assert counts(_sessions(url))["articles"] == len(lines)
