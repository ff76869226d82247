"""`monitor alerts list|retry|send|test`: the outbox of Slack alerts, as an operator sees it."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated

import typer

from monitor.cli.context import app_context, config_dir
from monitor.cli.render import OutputFormat, console, emit, long_text, when
from monitor.clock import SystemClock
from monitor.config import load_config
from monitor.db import alerts as repo
from monitor.db.engine import transaction

app = typer.Typer(help="Slack alerts: the outbox (pending, sent, dead), retries, a test message.",
                  no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


class State(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    dead = "dead"
    suppressed = "suppressed"


@app.command("list")
def list_(
    state: Annotated[State | None, typer.Option("--state", help="Only alerts in this state")]
    = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N alerts")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List alerts, newest first: state, attempts, Slack ts, last error."""
    with app_context() as ctx, ctx.sessions() as session:
        rows = repo.list_alerts(session, state.value if state else None, limit)
    emit(fmt, rows, "Alerts", rows, [
        ("id", lambda r: r.id), ("storyline", lambda r: r.storyline_id),
        ("channel", lambda r: r.channel),
        ("state", lambda r: r.state), ("attempts", lambda r: r.attempts),
        ("created", lambda r: when(r.created_at)),
        ("next attempt", lambda r: when(r.next_attempt_at) if r.state == "pending" else ""),
        ("slack ts", lambda r: r.slack_ts or ""),
        ("change", long_text(lambda r: r.change)),
        ("error", long_text(lambda r: r.last_error or "")),
    ])


@app.command()
def retry(alert_id: Annotated[int, typer.Argument(help="Alert id (see `monitor alerts list`)")],
          ) -> None:
    """Queue a dead (or suppressed) alert to be sent again by the next dispatch."""
    with app_context() as ctx, transaction(ctx.sessions) as session:
        row = repo.retry(session, alert_id, ctx.clock.now())
    console.print(f"alert {row.id} ({row.storyline_id}: {row.change}) queued for "
                  f"{row.channel}; `monitor alerts send` or the daemon will send it",
                  markup=False, highlight=False)


@app.command()
def send() -> None:
    """Send every due alert now (what the daemon's dispatcher does on each tick)."""
    from monitor.notify.outbox import DispatchContext, dispatch, make_notifier

    with app_context() as ctx:
        notifier = make_notifier(ctx.config.settings)
        summary = asyncio.run(dispatch(DispatchContext(
            sessions=ctx.sessions, notifier=notifier, settings=ctx.config.settings.alerts,
            worker_id=ctx.worker_id, public_url=ctx.config.settings.server.public_url),
            ctx.clock.now()))
    console.print(f"via {notifier.name}: {summary.sent} sent, {summary.adopted} already posted, "
                  f"{summary.retried} to retry, {summary.dead} dead, {summary.deferred} waiting",
                  markup=False, highlight=False)


@app.command()
def test(
    channel: Annotated[str | None, typer.Option(
        "--channel", help="Channel to post to [default: slack.channel]")] = None,
) -> None:
    """Send a test message to the configured channel (checks token, webhook and channel)."""
    from monitor.notify.outbox import make_notifier, send_test

    settings = load_config(config_dir()).settings
    target = channel or settings.slack.channel
    notifier = make_notifier(settings)
    delivery = asyncio.run(send_test(notifier, target, SystemClock().now()))
    where = f"{target} ({delivery.channel_id})" if delivery.channel_id else target
    console.print(f"test message sent to {where} via {notifier.name}"
                  + (f", ts {delivery.ts}" if delivery.ts else ""), markup=False,
                  highlight=False)
