"""deploy/ sets only environment variables the code reads (no docker engine here to run it)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from monitor.config import ENV_OVERRIDES, SECRETS
from tests.conftest import PROJECT

DEPLOY = PROJECT / "deploy"
READ_BY_CODE = {*ENV_OVERRIDES, *SECRETS, *(f"{name}_FILE" for name in SECRETS),
                "MONITOR_CONFIG_DIR"}
VARIABLE = re.compile(r"\b((?:MONITOR|SLACK)_[A-Z_]+)\b")


def set_variables(text: str) -> set[str]:
    """Names assigned in compose (`NAME:`), Dockerfile (`NAME=`) or systemd (`NAME=`)."""
    return {m.group(1) for m in re.finditer(r"\b((?:MONITOR|SLACK)_[A-Z_]+)\s*[:=]", text)}


def test_every_variable_the_deploy_files_set_is_read_by_the_code() -> None:
    for name in ("compose.yaml", "Dockerfile", "monitor.service"):
        unknown = set_variables((DEPLOY / name).read_text()) - READ_BY_CODE
        assert not unknown, f"deploy/{name} sets variables monitor never reads: {unknown}"


def test_compose_points_monitor_at_postgres_and_migrates_first() -> None:
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "MONITOR_DATABASE_URL: postgresql://" in compose
    assert 'command: ["db", "upgrade"]' in compose
    assert "service_completed_successfully" in compose


def test_dockerfile_runs_unprivileged_with_a_healthcheck() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER monitor$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def test_systemd_unit_restarts_on_failure_and_is_hardened() -> None:
    unit = (DEPLOY / "monitor.service").read_text()
    for line in ("Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "PrivateTmp=yes", "ReadWritePaths=/var/lib/monitor"):
        assert re.search(rf"^{re.escape(line)}$", unit, re.M), line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_every_line_of_the_unit() -> None:
    """systemd ignores a misspelled key or value with only a warning; `verify` shows it."""
    result = subprocess.run(["systemd-analyze", "verify", str(DEPLOY / "monitor.service")],
                            capture_output=True, text=True, timeout=60, check=False)
    # The unit's virtualenv is not installed on the test machine; everything else must parse.
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if line and "/opt/monitor/.venv/bin/monitor is not executable" not in line]
    assert not problems, "\n".join(problems)


def test_readme_documents_each_way() -> None:
    readme = (DEPLOY / "README.md").read_text()
    for heading in ("## Container", "## Compose", "## systemd"):
        assert heading in readme
    assert VARIABLE.search(readme)
