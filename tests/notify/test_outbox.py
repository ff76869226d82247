"""The outbox dispatcher against a local fake Slack, on SQLite and PostgreSQL.

Time is injected: each dispatch gets its `now`, and retries become due by passing a later
`now`, never by sleeping."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AlertSettings
from monitor.db import alerts as alerts_repo
from monitor.db.engine import transaction
from monitor.db.models import Alert
from monitor.notify.console import ConsoleNotifier
from monitor.notify.delivery import Notifier
from monitor.notify.outbox import DispatchContext, DispatchSummary, dispatch
from monitor.notify.slack import SlackBotNotifier, SlackWebhookNotifier
from tests.fakes.slack import FakeSlack
from tests.notify.changes import T0, add_alert

SETTINGS = AlertSettings(max_attempts=3, backoff_base_seconds=30, backoff_max_seconds=600,
                         lease_seconds=60)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def bot(slack: FakeSlack, *, token: str = "xoxb-test", timeout: float = 2.0) -> SlackBotNotifier:
    return SlackBotNotifier(token, base_url=slack.base_url, timeout=timeout,
                            connection_retries=1, retry_interval=0.0)


def run(sessions: sessionmaker[Session], notifier: Notifier, now: datetime,
        worker_id: str = "w1", settings: AlertSettings = SETTINGS) -> DispatchSummary:
    ctx = DispatchContext(sessions=sessions, notifier=notifier, settings=settings,
                          worker_id=worker_id)
    return asyncio.run(dispatch(ctx, now))


def alert(sessions: sessionmaker[Session], alert_id: int) -> alerts_repo.AlertRow:
    with sessions() as session:
        row = alerts_repo.get(session, alert_id)
    assert row is not None
    return row


def new_alert(sessions: sessionmaker[Session], **kwargs: object) -> int:
    with transaction(sessions) as session:
        return add_alert(session, **kwargs)  # type: ignore[arg-type]


def test_alert_is_posted_with_its_id_as_metadata_and_marked_sent(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions, facts_after={"visit_date": "2024-06-18"},
                         to_status="scheduled", from_status="proposed")
    summary = run(sessions, bot(slack), T0)
    assert (summary.claimed, summary.sent) == (1, 1)
    (posted,) = slack.messages
    assert posted.channel_id == "C0NEWS" and posted.thread_ts is None
    assert posted.metadata == {"event_type": "monitor_alert",
                               "event_payload": {"alert_id": alert_id}}
    assert "proposed → scheduled" in posted.text and "Tue 18 Jun 2024" in posted.text
    assert posted.blocks[0]["type"] == "header"
    row = alert(sessions, alert_id)
    assert (row.state, row.slack_channel_id, row.slack_ts) == ("sent", "C0NEWS", posted.ts)
    assert run(sessions, bot(slack), T0 + timedelta(hours=1)).claimed == 0
    assert len(slack.messages) == 1


def test_429_is_retried_after_retry_after_and_not_before(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    limited = new_alert(sessions, storyline_id="a-first")  # claimed first (storyline order)
    waiting = new_alert(sessions)
    slack.fail("chat.postMessage", status=429, retry_after=42)
    summary = run(sessions, bot(slack), T0)
    assert (summary.sent, summary.retried, summary.deferred) == (0, 1, 1)
    assert slack.messages == []
    assert len(slack.calls("chat.postMessage")) == 1  # the batch paused after the 429
    row = alert(sessions, limited)
    assert row.state == "pending" and row.attempts == 0  # a rate limit is not a failure
    assert row.next_attempt_at == T0 + timedelta(seconds=42)
    assert "rate limited" in (row.last_error or "")
    assert alert(sessions, waiting).next_attempt_at == T0 + timedelta(seconds=42)
    assert run(sessions, bot(slack), T0 + timedelta(seconds=41)).claimed == 0
    assert run(sessions, bot(slack), T0 + timedelta(seconds=42)).sent == 2
    assert alert(sessions, limited).state == alert(sessions, waiting).state == "sent"
    assert len(slack.messages) == 2
    assert slack.calls("conversations.history") == []  # a 429 posted nothing: no lookup


def test_slack_down_for_a_whole_run_leaves_alerts_pending_and_a_later_run_sends_each_once(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    ids = [new_alert(sessions, storyline_id=f"s{n}") for n in range(3)]
    slack.down = True
    summary = run(sessions, bot(slack), T0)
    assert summary.sent == 0 and summary.dead == 0
    assert {alert(sessions, i).state for i in ids} == {"pending"}
    slack.down = False
    later = T0 + timedelta(minutes=5)
    summary = run(sessions, bot(slack), later)
    assert summary.sent == 3
    assert sorted(m.metadata["event_payload"]["alert_id"] for m in slack.messages  # type: ignore[index]
                  ) == ids
    assert run(sessions, bot(slack), later + timedelta(hours=1)).claimed == 0


def test_slack_down_for_an_hour_loses_no_alert_with_the_default_settings(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    defaults = AlertSettings()
    alert_id = new_alert(sessions)
    slack.down = True
    now = T0
    while now < T0 + timedelta(minutes=65):  # the daemon dispatches every few seconds
        assert run(sessions, bot(slack), now, settings=defaults).dead == 0
        now += timedelta(minutes=1)
    row = alert(sessions, alert_id)
    assert row.state == "pending" and row.attempts >= 7
    slack.down = False
    assert row.next_attempt_at is not None
    assert run(sessions, bot(slack), row.next_attempt_at, settings=defaults).sent == 1
    assert len(slack.messages) == 1 and alert(sessions, alert_id).state == "sent"


def test_unreachable_slack_is_retried_with_backoff(sessions: sessionmaker[Session]) -> None:
    alert_id = new_alert(sessions)
    with FakeSlack() as gone:
        notifier = bot(gone)
    summary = run(sessions, notifier, T0)  # nothing listens on that port any more
    assert (summary.retried, summary.dead) == (1, 0)
    row = alert(sessions, alert_id)
    assert row.state == "pending" and "cannot reach Slack" in (row.last_error or "")
    assert row.next_attempt_at == T0 + timedelta(seconds=30)


@pytest.mark.parametrize(("error", "expected"), [
    ("invalid_auth", "Slack rejected the bot token (invalid_auth): check SLACK_BOT_TOKEN"),
    ("channel_not_found", "Slack channel #news-alerts not found (channel_not_found)"),
    ("not_in_channel", "the bot is not a member of #news-alerts (not_in_channel)"),
])
def test_permanent_errors_mark_the_alert_dead_with_a_clear_error_and_stop(
        sessions: sessionmaker[Session], slack: FakeSlack, error: str, expected: str) -> None:
    alert_id = new_alert(sessions)
    slack.fail("chat.postMessage", error, times=10)
    summary = run(sessions, bot(slack), T0)
    assert summary.dead == 1
    row = alert(sessions, alert_id)
    assert row.state == "dead" and expected in (row.last_error or "")
    assert run(sessions, bot(slack), T0 + timedelta(days=1)).claimed == 0
    assert len(slack.calls("chat.postMessage")) == 1


def test_a_wrong_token_and_an_unknown_channel_are_dead_as_slack_answers_them(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    wrong_token = new_alert(sessions)
    run(sessions, bot(slack, token="xoxb-wrong"), T0)
    unknown = new_alert(sessions, channel="#nowhere", storyline_id="other")
    run(sessions, bot(slack), T0)
    assert "invalid_auth" in (alert(sessions, wrong_token).last_error or "")
    assert "#nowhere not found" in (alert(sessions, unknown).last_error or "")
    assert alert(sessions, unknown).state == alert(sessions, wrong_token).state == "dead"


def test_500s_retry_with_exponential_backoff_then_the_alert_is_dead(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions)
    slack.fail("chat.postMessage", status=500, times=10)
    now = T0
    delays = []
    for _ in range(SETTINGS.max_attempts - 1):
        assert run(sessions, bot(slack), now).retried == 1
        row = alert(sessions, alert_id)
        assert row.state == "pending" and "HTTP 500" in (row.last_error or "")
        delays.append(row.next_attempt_at - now)
        assert run(sessions, bot(slack), row.next_attempt_at - timedelta(seconds=1)).claimed == 0
        now = row.next_attempt_at
    assert delays == [timedelta(seconds=30), timedelta(seconds=60)]
    assert run(sessions, bot(slack), now).dead == 1
    row = alert(sessions, alert_id)
    assert row.state == "dead" and row.last_error is not None
    assert row.last_error.startswith("gave up after 3 attempts: Slack chat.postMessage "
                                     "answered HTTP 500")
    assert run(sessions, bot(slack), now + timedelta(days=1)).claimed == 0


def test_a_timeout_retries_and_the_retry_adopts_the_message_slack_did_post(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions)
    slack.hang("chat.postMessage", after_post=True)
    summary = run(sessions, bot(slack, timeout=0.3), T0)
    assert summary.retried == 1
    assert "did not answer within 0.3s" in (alert(sessions, alert_id).last_error or "")
    assert len(slack.messages) == 1  # Slack posted it; we never heard back
    summary = run(sessions, bot(slack), T0 + timedelta(minutes=1))
    assert (summary.sent, summary.adopted) == (0, 1)
    assert len(slack.messages) == 1
    assert alert(sessions, alert_id).slack_ts == slack.messages[0].ts
    assert len(slack.calls("conversations.history")) == 1


def test_a_timeout_before_posting_is_retried_and_posted_once(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions)
    slack.hang("chat.postMessage")
    run(sessions, bot(slack, timeout=0.3), T0)
    assert slack.messages == []
    assert run(sessions, bot(slack), T0 + timedelta(minutes=1)).sent == 1
    assert len(slack.messages) == 1 and alert(sessions, alert_id).state == "sent"


def test_second_alert_of_a_storyline_replies_in_the_first_ones_thread_with_broadcast(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    first = new_alert(sessions, to_status="proposed")
    second = new_alert(sessions, to_status="scheduled", from_status="proposed",
                       now=T0 + timedelta(hours=1), facts_after={"visit_date": "2024-06-18"})
    assert run(sessions, bot(slack), T0 + timedelta(hours=2)).sent == 2
    opening, reply = slack.messages
    assert opening.thread_ts is None and "new → proposed" in opening.text
    assert reply.thread_ts == opening.ts and reply.reply_broadcast
    assert "proposed → scheduled" in reply.text
    assert alert(sessions, first).thread_ts == alert(sessions, second).thread_ts == opening.ts
    third = new_alert(sessions, to_status="underway", from_status="scheduled",
                      now=T0 + timedelta(days=1))
    run(sessions, bot(slack), T0 + timedelta(days=1))
    assert slack.messages[-1].thread_ts == opening.ts
    assert alert(sessions, third).state == "sent"


def test_a_later_alert_waits_while_the_storylines_first_is_unsent(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    first = new_alert(sessions, to_status="proposed")
    second = new_alert(sessions, to_status="scheduled", now=T0 + timedelta(seconds=1))
    slack.fail("chat.postMessage", status=500)
    summary = run(sessions, bot(slack), T0 + timedelta(minutes=1))
    assert (summary.retried, summary.sent) == (1, 0)
    assert alert(sessions, second).state == "pending"
    retry_at = alert(sessions, first).next_attempt_at
    run(sessions, bot(slack), retry_at)
    opening, reply = slack.messages
    assert opening.metadata["event_payload"]["alert_id"] == first  # type: ignore[index]
    assert reply.thread_ts == opening.ts


def test_killed_between_claim_and_send_the_alert_is_sent_once_after_the_lease(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions)
    with transaction(sessions) as session:  # a worker claims, then dies before sending
        assert alerts_repo.claim_due(session, "dead-worker", T0, 10, 60) == [alert_id]
    assert run(sessions, bot(slack), T0 + timedelta(seconds=30), "w2").claimed == 0
    summary = run(sessions, bot(slack), T0 + timedelta(seconds=61), "w2")
    assert (summary.sent, summary.adopted) == (1, 0)
    assert len(slack.messages) == 1
    assert len(slack.calls("conversations.history")) == 1  # checked before posting


def test_killed_after_posting_before_recording_the_restart_adopts_instead_of_reposting(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions)
    with transaction(sessions) as session:
        alerts_repo.claim_due(session, "dead-worker", T0, 10, 60)
        content = alerts_repo.load_content(session, alert_id)
    from monitor.notify.message import render  # the dead worker got as far as posting

    posted = asyncio.run(bot(slack).post(content.channel, render(content), alert_id=alert_id,
                                         thread_ts=None))
    summary = run(sessions, bot(slack), T0 + timedelta(seconds=61), "w2")
    assert (summary.sent, summary.adopted) == (0, 1)
    assert len(slack.messages) == 1
    row = alert(sessions, alert_id)
    assert (row.state, row.slack_ts) == ("sent", posted.ts)
    with sessions() as session:  # the adopted message starts the storyline's thread
        assert alerts_repo.thread_for(session, "putin-pyongyang-visit", "#news-alerts") == (
            "C0NEWS", posted.ts)


def test_suppressed_alerts_are_never_sent(sessions: sessionmaker[Session],
                                          slack: FakeSlack) -> None:
    alert_id = new_alert(sessions, suppressed=True)
    assert run(sessions, bot(slack), T0 + timedelta(days=30)).claimed == 0
    assert slack.requests == []
    assert alert(sessions, alert_id).state == "suppressed"


def test_webhook_delivery_posts_the_blocks_without_a_thread(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    first = new_alert(sessions)
    second = new_alert(sessions, to_status="scheduled", now=T0 + timedelta(seconds=1))
    webhook = SlackWebhookNotifier(slack.webhook_url, timeout=2.0, retry_interval=0.0)
    assert run(sessions, webhook, T0 + timedelta(minutes=1)).sent == 2
    assert [m.via for m in slack.messages] == ["webhook", "webhook"]
    assert all(m.thread_ts is None and m.blocks for m in slack.messages)
    assert alert(sessions, first).state == alert(sessions, second).state == "sent"
    assert alert(sessions, second).thread_ts is None


def test_webhook_errors_are_classified(sessions: sessionmaker[Session],
                                       slack: FakeSlack) -> None:
    limited, gone = new_alert(sessions), new_alert(sessions, storyline_id="other")
    webhook = SlackWebhookNotifier(slack.webhook_url, timeout=2.0, retry_interval=0.0)
    slack.fail("webhook", status=429, retry_after=10)
    run(sessions, webhook, T0)
    assert alert(sessions, gone).next_attempt_at == T0 + timedelta(seconds=10)
    slack.fail("webhook", "no_service", status=404, times=2)
    run(sessions, webhook, T0 + timedelta(seconds=10))
    assert "no_service" in (alert(sessions, gone).last_error or "")
    assert alert(sessions, gone).state == "dead" == alert(sessions, limited).state


def test_console_delivery_prints_the_same_content(sessions: sessionmaker[Session]) -> None:
    new_alert(sessions, to_status="scheduled", from_status="proposed",
              facts_after={"visit_date": "2024-06-18"},
              stories=((("Reuters", "https://r.example/putin"),
                        ("The Hindu", "https://h.example/putin")),))
    out = io.StringIO()
    console = ConsoleNotifier(Console(file=out, width=200, color_system=None))
    assert run(sessions, console, T0).sent == 1
    printed = out.getvalue()
    for fragment in ("Putin Pyongyang visit date", "proposed → scheduled",
                     "visit date: Tue 18 Jun 2024", "the Kremlin said on Monday",
                     "Reported by 2 outlets", "Reuters, The Hindu", "https://r.example/putin"):
        assert fragment in printed
    with sessions() as session:
        assert session.query(Alert).one().state == "sent"


def test_when_history_cannot_be_read_a_retry_posts_anyway(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions)
    slack.fail("chat.postMessage", status=500)
    run(sessions, bot(slack), T0)
    slack.fail("conversations.history", "missing_scope")  # no channels:history scope
    assert run(sessions, bot(slack), T0 + timedelta(minutes=1)).sent == 1
    assert len(slack.messages) == 1 and alert(sessions, alert_id).state == "sent"


def test_when_the_lookup_fails_for_now_the_retry_waits_instead_of_posting_blindly(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    alert_id = new_alert(sessions)
    slack.hang("chat.postMessage", after_post=True)
    run(sessions, bot(slack, timeout=0.3), T0)
    slack.fail("conversations.history", status=500)
    summary = run(sessions, bot(slack), T0 + timedelta(minutes=1))
    assert (summary.sent, summary.adopted, summary.retried) == (0, 0, 1)
    assert len(slack.messages) == 1  # not posted a second time
    row = alert(sessions, alert_id)
    assert row.state == "pending" and "conversations.history answered HTTP 500" in (
        row.last_error or "")
    assert run(sessions, bot(slack), row.next_attempt_at).adopted == 1
    assert len(slack.messages) == 1


def test_with_a_public_url_the_posted_alert_links_to_its_storyline_page(
        sessions: sessionmaker[Session], slack: FakeSlack) -> None:
    new_alert(sessions, to_status="scheduled", from_status="proposed")
    ctx = DispatchContext(sessions=sessions, notifier=bot(slack), settings=SETTINGS,
                          worker_id="w1", public_url="http://127.0.0.1:8080")
    assert asyncio.run(dispatch(ctx, T0)).sent == 1
    (posted,) = slack.messages
    buttons = [e for b in posted.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["url"] for b in buttons] == [
        "http://127.0.0.1:8080/storylines/putin-pyongyang-visit"]


def test_with_a_public_url_the_console_alert_prints_the_timeline_link(
        sessions: sessionmaker[Session]) -> None:
    new_alert(sessions, to_status="scheduled", from_status="proposed")
    out = io.StringIO()
    ctx = DispatchContext(sessions=sessions,
                          notifier=ConsoleNotifier(Console(file=out, width=200,
                                                           color_system=None)),
                          settings=SETTINGS, worker_id="w1", public_url="http://127.0.0.1:8080")
    assert asyncio.run(dispatch(ctx, T0)).sent == 1
    assert ("Timeline: http://127.0.0.1:8080/storylines/putin-pyongyang-visit"
            in out.getvalue())
