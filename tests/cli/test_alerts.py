"""`monitor alerts` as an operator runs it: a real process against a real database and the
fake Slack."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import alerts as alerts_repo
from monitor.db.engine import transaction
from tests.cli.test_foundation import monitor
from tests.conftest import PROJECT
from tests.fakes.slack import FakeSlack
from tests.notify.changes import add_alert

pytestmark = pytest.mark.slow  # a `monitor` process per call


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT / "config", tmp_path / "config")
    shutil.copytree(PROJECT / "seeds", tmp_path / "seeds")
    return tmp_path


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def slack_env(database_url: str, slack: FakeSlack, token: str = "xoxb-test") -> dict[str, str]:
    return {"MONITOR_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": token,
            "MONITOR_SLACK_BASE_URL": slack.base_url}


def test_send_posts_due_alerts_and_list_shows_them_sent(
        project: Path, database_url: str, sessions: sessionmaker[Session],
        slack: FakeSlack) -> None:
    with transaction(sessions) as session:
        alert_id = add_alert(session)
    env = slack_env(database_url, slack)
    pending = json.loads(monitor(project, "alerts", "list", "--format", "json", env=env).stdout)
    assert [(a["id"], a["state"]) for a in pending] == [(alert_id, "pending")]
    result = monitor(project, "alerts", "send", env=env)
    assert result.returncode == 0, result.stderr
    assert "via slack: 1 sent" in result.stdout
    assert len(slack.messages) == 1
    sent = json.loads(monitor(project, "alerts", "list", "--state", "sent", "--format", "json",
                              env=env).stdout)
    assert sent[0]["slack_ts"] == slack.messages[0].ts


def test_retry_requeues_a_dead_alert_and_refuses_an_unknown_one(
        project: Path, database_url: str, sessions: sessionmaker[Session],
        slack: FakeSlack) -> None:
    with transaction(sessions) as session:
        alert_id = add_alert(session)
    env = slack_env(database_url, slack, token="xoxb-revoked")
    monitor(project, "alerts", "send", env=env)
    with sessions() as session:
        row = alerts_repo.get(session, alert_id)
    assert row is not None and row.state == "dead" and "invalid_auth" in (row.last_error or "")
    result = monitor(project, "alerts", "retry", str(alert_id), env=env)
    assert result.returncode == 0, result.stderr
    assert f"alert {alert_id}" in result.stdout and "queued" in result.stdout
    with sessions() as session:
        row = alerts_repo.get(session, alert_id)
    assert row is not None and (row.state, row.attempts, row.last_error) == ("pending", 0, None)
    missing = monitor(project, "alerts", "retry", "999", env=env)
    assert missing.returncode == 2 and "alert 999 not found" in missing.stderr


def test_test_message_goes_to_the_configured_channel(project: Path, slack: FakeSlack) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "MONITOR_SLACK_BASE_URL": slack.base_url,
           "MONITOR_SLACK_CHANNEL": "#ops", "MONITOR_DATA_DIR": str(project / "data")}
    result = monitor(project, "alerts", "test", env=env)
    assert result.returncode == 0, result.stderr
    assert "test message sent to #ops (C0OPS) via slack" in result.stdout
    (posted,) = slack.messages
    assert posted.channel_id == "C0OPS" and "delivery works" in posted.text


def test_test_message_with_a_bad_token_fails_with_one_clear_line(
        project: Path, slack: FakeSlack) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-nope", "MONITOR_SLACK_BASE_URL": slack.base_url,
           "MONITOR_DATA_DIR": str(project / "data")}
    result = monitor(project, "alerts", "test", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: Slack rejected the bot token (invalid_auth): "
                                     "check SLACK_BOT_TOKEN")


def test_seed_backfill_with_notify_posts_two_threaded_messages_and_a_rerun_posts_none(
        project: Path, database_url: str, slack: FakeSlack) -> None:
    env = slack_env(database_url, slack)
    first = monitor(project, "backfill", "--source", "seeds", "--notify", env=env)
    assert first.returncode == 0, first.stderr

    opening, reply = slack.messages
    assert opening.thread_ts is None and opening.channel_id == "C0NEWS"
    assert (reply.thread_ts, reply.reply_broadcast) == (opening.ts, True)
    assert "Putin Pyongyang visit date" in opening.text and "proposed" in opening.text
    assert "proposed → scheduled" in reply.text and "Tue 18 Jun 2024" in reply.text
    for message in (opening, reply):
        assert message.blocks[0]["type"] == "header"
        assert all(len(json.dumps(block)) < 3100 for block in message.blocks)

    again = monitor(project, "backfill", "--source", "seeds", "--notify", env=env)
    assert again.returncode == 0, again.stderr
    assert len(slack.messages) == 2
