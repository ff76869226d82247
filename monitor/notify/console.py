"""Console delivery, the last stage's embedded default: when neither SLACK_BOT_TOKEN nor
SLACK_WEBHOOK_URL is set, alerts are printed to the terminal (rich) with the same content a
Slack message carries (monitor.notify.message renders both)."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from monitor.notify.delivery import Delivery
from monitor.notify.message import Message


class ConsoleNotifier:
    """Prints each alert as a panel; no threads, nothing to look up."""

    name = "console"
    can_thread = False
    can_look_up = False

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)

    async def post(self, channel: str, message: Message, *, alert_id: int | None,
                   thread_ts: str | None) -> Delivery:
        title, *body = message.lines if len(message.lines) > 1 else ("monitor", *message.lines)
        self.console.print(Panel(Text("\n".join(body)), title=Text(title, style="bold"),
                                 subtitle=channel, title_align="left", expand=False))
        return Delivery(channel_id=None, ts=None)

    async def find_posted(self, channel: str, alert_id: int,
                          channel_id: str | None) -> Delivery | None:
        return None
