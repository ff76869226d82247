"""What every notifier (Slack bot, Slack webhook, console) offers the outbox dispatcher.

The dispatcher (monitor.notify.outbox) renders an alert (monitor.notify.message) and hands the
`Message` to a `Notifier`; failures come back as monitor.errors.NotifyError, `permanent` when
retrying cannot help and with `retry_after` when Slack asked us to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from monitor.notify.message import Message


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a message landed: Slack's channel id and message ts (None where unknown)."""

    channel_id: str | None
    ts: str | None
    adopted: bool = False
    """True when an earlier attempt had already posted it and its ts was adopted."""


class Notifier(Protocol):
    name: str
    """"slack", "webhook" or "console" (logs, `monitor alerts test`)."""
    can_thread: bool
    """Whether replies can go into a storyline's thread (webhooks cannot)."""
    can_look_up: bool
    """Whether `find_posted` can tell if an alert was already posted."""

    async def post(self, channel: str, message: Message, *, alert_id: int | None,
                   thread_ts: str | None) -> Delivery:
        """Deliver one message; raise NotifyError on failure."""
        ...

    async def find_posted(self, channel: str, alert_id: int,
                          channel_id: str | None) -> Delivery | None:
        """The message an earlier attempt posted for `alert_id`, if any."""
        ...
