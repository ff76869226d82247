"""The alert outbox repository on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import alerts as alerts_repo
from monitor.db.engine import transaction
from monitor.errors import MonitorError
from tests.notify.changes import T0, add_alert, add_change


def test_enqueue_twice_inserts_nothing_the_second_time(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        change_id = add_change(session)
        first = alerts_repo.enqueue(session, change_id, "putin-pyongyang-visit",
                                    ["#news-alerts", "#ops"], T0)
        again = alerts_repo.enqueue(session, change_id, "putin-pyongyang-visit",
                                    ["#news-alerts"], T0)
    assert len(first) == 2
    assert again == []
    with sessions() as session:
        assert len(alerts_repo.list_alerts(session)) == 2


def test_claim_orders_a_storylines_alerts_by_creation(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        later = add_alert(session, now=T0 + timedelta(minutes=5), to_status="scheduled")
        other = add_alert(session, now=T0, storyline_id="another")
        first = add_alert(session, now=T0, to_status="proposed")
    with transaction(sessions) as session:
        claimed = alerts_repo.claim_due(session, "w1", T0 + timedelta(hours=1), 10, 60)
    assert claimed == [other, first, later]


def test_claimed_alert_is_not_claimed_again_until_its_lease_expires(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        alert_id = add_alert(session)
    with transaction(sessions) as session:
        assert alerts_repo.claim_due(session, "w1", T0, 10, 60) == [alert_id]
    with transaction(sessions) as session:
        assert alerts_repo.claim_due(session, "w2", T0 + timedelta(seconds=59), 10, 60) == []
    with transaction(sessions) as session:
        assert alerts_repo.claim_due(session, "w2", T0 + timedelta(seconds=61), 10, 60) == [
            alert_id]
        row = alerts_repo.get(session, alert_id)
    assert row is not None and row.lease_owner == "w2" and row.attempts == 2


def test_mark_sent_by_a_worker_that_lost_its_lease_changes_nothing(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        alert_id = add_alert(session)
        alerts_repo.claim_due(session, "w1", T0, 10, 60)
        alerts_repo.claim_due(session, "w2", T0 + timedelta(minutes=5), 10, 60)
        lost = alerts_repo.mark_sent(session, alert_id, "w1", slack_channel_id="C1",
                                     slack_ts="1.1", thread_ts="1.1", now=T0)
        kept = alerts_repo.mark_sent(session, alert_id, "w2", slack_channel_id="C1",
                                     slack_ts="2.2", thread_ts="2.2", now=T0)
        row = alerts_repo.get(session, alert_id)
    assert (lost, kept) == (False, True)
    assert row is not None and row.state == "sent" and row.slack_ts == "2.2"


def test_suppressed_alerts_are_recorded_but_never_claimed(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        alert_id = add_alert(session, suppressed=True)
        assert alerts_repo.claim_due(session, "w1", T0 + timedelta(days=1), 10, 60) == []
        assert [a.id for a in alerts_repo.list_alerts(session, "suppressed")] == [alert_id]


def test_retry_requeues_a_dead_alert_and_refuses_a_sent_one(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        dead, sent = add_alert(session), add_alert(session, to_status="scheduled")
        alerts_repo.claim_due(session, "w1", T0, 10, 60)
        alerts_repo.mark_dead(session, dead, "w1", "Slack rejected the bot token")
        alerts_repo.mark_sent(session, sent, "w1", slack_channel_id="C1", slack_ts="1.1",
                              thread_ts=None, now=T0)
    with transaction(sessions) as session:
        row = alerts_repo.retry(session, dead, T0 + timedelta(hours=1))
        with pytest.raises(MonitorError, match="is sent"):
            alerts_repo.retry(session, sent, T0)
    assert (row.state, row.attempts, row.last_error) == ("pending", 0, None)
    with transaction(sessions) as session:
        assert alerts_repo.claim_due(session, "w1", T0 + timedelta(hours=1), 10, 60) == [dead]


def test_mark_retry_without_counting_gives_the_attempt_back(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        alert_id = add_alert(session)
        alerts_repo.claim_due(session, "w1", T0, 10, 60)
        alerts_repo.mark_retry(session, alert_id, "w1", "rate limited", T0 + timedelta(
            seconds=30), count_attempt=False)
        row = alerts_repo.get(session, alert_id)
    assert row is not None
    assert (row.state, row.attempts, row.lease_owner) == ("pending", 0, None)
    assert row.next_attempt_at == T0 + timedelta(seconds=30)


def test_load_content_carries_reports_title_first_seen_and_thread(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        alert_id = add_alert(session, to_status="scheduled", from_status="proposed",
                             facts_after={"visit_date": "2024-06-18"}, stories=(
                                 (("Reuters", "https://r.example/a"),
                                  ("The Hindu", "https://h.example/a")),
                                 (("AP", "https://ap.example/b"),)))
        alerts_repo.store_thread(session, "putin-pyongyang-visit", "#news-alerts", "C1",
                                 "100.1", T0)
        content = alerts_repo.load_content(session, alert_id)
    assert content.storyline_title == "Putin Pyongyang visit date"
    assert content.change.report.outlet == "Reuters"
    assert [r.outlet for r in content.change.corroborating] == ["The Hindu", "AP"]
    assert content.change.facts_after == {"visit_date": "2024-06-18"}
    assert content.first_seen_at == T0 - timedelta(hours=2)
    assert content.thread_ts == "100.1"


def test_counts_and_oldest_unsent_describe_the_outbox(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_alert(session, now=T0)
        add_alert(session, now=T0 + timedelta(minutes=1), to_status="scheduled")
        add_alert(session, suppressed=True, to_status="underway")
        assert alerts_repo.count_by_state(session) == {"pending": 2, "suppressed": 1}
        assert alerts_repo.oldest_unsent(session) == T0


def test_release_leases_gives_a_stopping_workers_alerts_back_with_their_attempt(
        sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        mine, theirs = add_alert(session), add_alert(session, storyline_id="other")
        alerts_repo.claim_due(session, "w1", T0, 1, 60)  # "other" sorts first
        alerts_repo.claim_due(session, "w2", T0, 1, 60)
        assert alerts_repo.release_leases(session, "w2") == 1
        released, held = alerts_repo.get(session, mine), alerts_repo.get(session, theirs)
    assert released is not None and held is not None
    assert (released.state, released.attempts, released.lease_owner) == ("pending", 1, None)
    assert (held.state, held.lease_owner) == ("sending", "w1")
    with transaction(sessions) as session:  # due again at once, not after the lease
        assert alerts_repo.claim_due(session, "w3", T0, 10, 60) == [mine]
