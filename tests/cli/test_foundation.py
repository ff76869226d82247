"""The command line as an operator uses it: a real `monitor` process per call."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT


def monitor(cwd: Path, *args: str, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SLACK_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT / "config", tmp_path / "config")
    shutil.copytree(PROJECT / "seeds", tmp_path / "seeds")
    return tmp_path


def test_help_lists_every_command(project: Path) -> None:
    out = monitor(project, "--help").stdout
    for command in ("run", "backfill", "feeds", "storylines", "stories", "alerts", "db",
                    "config"):
        assert f" {command} " in out


def test_config_check_passes_on_shipped_config(project: Path) -> None:
    result = monitor(project, "config", "check")
    assert result.returncode == 0, result.stderr
    assert "ok: 1 storyline(s)" in result.stdout


def test_config_check_lists_problems_and_exits_2(project: Path) -> None:
    settings = project / "config" / "monitor.toml"
    text = settings.read_text().replace("jitter = 0.1", "jiter = 0.1")
    settings.write_text(text.replace("batch_size = 50", "batch_size = -3"))
    result = monitor(project, "config", "check")
    assert result.returncode == 2
    assert "polling.jiter: unknown key" in result.stderr
    assert "polling.batch_size: Input should be greater than or equal to 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_is_idempotent_and_seeds_load(project: Path, database_url: str) -> None:
    env = {"MONITOR_DATABASE_URL": database_url}
    first = monitor(project, "db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert "already at revision" in first.stdout  # the fixture migrated it
    listed = monitor(project, "storylines", "list", "--format", "json", env=env)
    assert listed.returncode == 0, listed.stderr
    [storyline] = json.loads(listed.stdout)
    assert storyline["id"] == "putin-pyongyang-visit"
    assert len(storyline["seeds"]) == 5
    again = monitor(project, "storylines", "list", "--format", "json", env=env)
    assert json.loads(again.stdout) == [storyline]


def test_db_upgrade_creates_a_new_sqlite_file(project: Path) -> None:
    result = monitor(project, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "upgraded (empty) -> " in result.stdout
    assert (project / "data" / "monitor.db").is_file()


def test_unreachable_database_is_one_line_with_password_masked(project: Path) -> None:
    env = {"MONITOR_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"}
    result = monitor(project, "storylines", "list", env=env)
    assert result.returncode == 2
    assert "hunter2" not in result.stderr and "u:***@127.0.0.1:1/x" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_database_path_is_a_clear_error(project: Path) -> None:
    blocker = project / "blocker"
    blocker.write_text("a file, not a directory")
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{blocker}/sub/monitor.db"}
    result = monitor(project, "db", "upgrade", env=env)
    assert result.returncode == 2
    assert "cannot create directory" in result.stderr
    assert "Traceback" not in result.stderr
