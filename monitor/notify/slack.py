"""Slack delivery, the network edge of the last stage (Alert -> Slack). The only module that
imports slack_sdk (and the aiohttp errors it raises).

Two ways to deliver:
- `SlackBotNotifier`: a bot token and chat.postMessage (the default). Threads a storyline's
  alerts, attaches the alert id as message metadata, and can look an alert up again in the
  channel's history (conversations.history) so a retry after a crash adopts the message an
  earlier attempt posted instead of posting it twice.
- `SlackWebhookNotifier`: an incoming webhook, for teams without a bot. Slack answers "ok"
  with no message ts, so it can neither thread nor look anything up.

slack_sdk's connection-error retry handler retries a request whose connection failed; a 429
is not slept on here (slack_sdk's handler would sleep inside the call) but raised with its
Retry-After for the outbox to schedule.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from monitor.errors import NotifyError
from monitor.notify.delivery import Delivery
from monitor.notify.message import Message

log = structlog.get_logger(__name__)

METADATA_EVENT = "monitor_alert"
HISTORY_PAGES = 5
"""Pages of 200 recent messages searched for an alert an earlier attempt may have posted."""
LIST_PAGES = 20
"""Pages of 1,000 channels searched to resolve a channel name to its id."""
DEFAULT_RETRY_AFTER = 30.0
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")

PERMANENT_ERRORS: dict[str, str] = {
    "invalid_auth": "Slack rejected the bot token (invalid_auth): check SLACK_BOT_TOKEN",
    "not_authed": "no Slack token was sent (not_authed): check SLACK_BOT_TOKEN",
    "account_inactive": "the Slack bot's account is deactivated (account_inactive)",
    "token_revoked": "the Slack bot token was revoked (token_revoked): issue a new one",
    "token_expired": "the Slack bot token expired (token_expired): issue a new one",
    "channel_not_found": "Slack channel {channel} not found (channel_not_found): check the "
                         "channel name and that the bot can see it",
    "not_in_channel": "the bot is not a member of {channel} (not_in_channel): invite it",
    "is_archived": "Slack channel {channel} is archived (is_archived)",
    "missing_scope": "the Slack bot lacks a scope it needs (missing_scope): add chat:write",
    "no_permission": "the Slack bot may not post there (no_permission)",
    "restricted_action": "the workspace forbids this post (restricted_action)",
    "team_access_not_granted": "the token has no access to this workspace",
    "invalid_arguments": "Slack rejected the message (invalid_arguments)",
    "invalid_blocks": "Slack rejected the message blocks (invalid_blocks)",
    "msg_too_long": "Slack rejected the message as too long (msg_too_long)",
    "no_text": "Slack rejected an empty message (no_text)",
    "too_many_attachments": "Slack rejected the message (too_many_attachments)",
    "metadata_too_large": "Slack rejected the message metadata (metadata_too_large)",
    "invalid_metadata_format": "Slack rejected the message metadata (invalid_metadata_format)",
}
WEBHOOK_PERMANENT: dict[str, str] = {
    "invalid_token": "Slack rejected the incoming webhook (invalid_token): check "
                     "SLACK_WEBHOOK_URL",
    "no_service": "the incoming webhook is disabled or removed (no_service): check "
                  "SLACK_WEBHOOK_URL",
    "no_team": "the webhook's workspace is gone (no_team)",
    "team_disabled": "the webhook's workspace is disabled (team_disabled)",
    "channel_not_found": "the webhook's channel no longer exists (channel_not_found)",
    "channel_is_archived": "the webhook's channel is archived (channel_is_archived)",
    "action_prohibited": "an admin restricted posting there (action_prohibited)",
    "posting_to_general_channel_denied": "the webhook may not post to #general",
    "invalid_payload": "Slack rejected the message (invalid_payload)",
    "no_text": "Slack rejected an empty message (no_text)",
}


def connection_retry_handlers(retries: int, interval: float | None) -> list[AsyncRetryHandler]:
    calculator = (FixedValueRetryIntervalCalculator(interval) if interval is not None
                  else BackoffRetryIntervalCalculator(backoff_factor=0.5))
    return [AsyncConnectionErrorRetryHandler(max_retry_count=retries,
                                             interval_calculator=calculator)]


class SlackBotNotifier:
    """chat.postMessage with a bot token; threads and metadata lookups."""

    name = "slack"
    can_thread = True
    can_look_up = True

    def __init__(self, token: str, *, base_url: str | None = None, timeout: float = 15.0,
                 connection_retries: int = 1, retry_interval: float | None = None) -> None:
        kwargs: dict[str, Any] = {}
        if base_url:
            kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self._channel_ids: dict[str, str] = {}
        self.client = AsyncWebClient(
            token=token, timeout=timeout,  # type: ignore[arg-type]  # a float works
            retry_handlers=connection_retry_handlers(connection_retries, retry_interval),
            **kwargs)

    async def post(self, channel: str, message: Message, *, alert_id: int | None,
                   thread_ts: str | None) -> Delivery:
        kwargs: dict[str, Any] = {"channel": channel, "text": message.text,
                                  "blocks": list(message.blocks), "unfurl_links": False,
                                  "unfurl_media": False}
        if alert_id is not None:
            kwargs["metadata"] = {"event_type": METADATA_EVENT,
                                  "event_payload": {"alert_id": alert_id}}
        if thread_ts:
            kwargs.update(thread_ts=thread_ts, reply_broadcast=True)
        try:
            response = await self.client.chat_postMessage(**kwargs)
        except Exception as exc:  # classified, never swallowed
            raise self._error(exc, "chat.postMessage", channel) from exc
        return Delivery(channel_id=_str(response.get("channel")), ts=_str(response.get("ts")))

    async def find_posted(self, channel: str, alert_id: int,
                          channel_id: str | None) -> Delivery | None:
        """Search the channel's recent history for a message carrying this alert's id.

        conversations.history takes a channel id, not a name: `channel_id` (known from an
        earlier send), the channel itself when it is an id, or the name resolved through
        conversations.list."""
        target = channel_id or await self.channel_id(channel)
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = await self.client.conversations_history(
                    channel=target, limit=200, include_all_metadata=True, cursor=cursor)
            except Exception as exc:
                raise self._error(exc, "conversations.history", channel) from exc
            for item in page.get("messages") or ():
                if _alert_id_of(item) == alert_id:
                    return Delivery(channel_id=target, ts=_str(item.get("ts")), adopted=True)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                break
        return None

    async def channel_id(self, channel: str) -> str:
        """The id of `channel` ("#news-alerts", "news-alerts" or already an id)."""
        if _CHANNEL_ID.match(channel):
            return channel
        name = channel.lstrip("#")
        if name in self._channel_ids:
            return self._channel_ids[name]
        cursor: str | None = None
        for _ in range(LIST_PAGES):
            try:
                page = await self.client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=1000,
                    cursor=cursor)
            except Exception as exc:
                raise self._error(exc, "conversations.list", channel) from exc
            for item in page.get("channels") or ():
                self._channel_ids[str(item.get("name"))] = str(item.get("id"))
            if name in self._channel_ids:
                return self._channel_ids[name]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        raise NotifyError(PERMANENT_ERRORS["channel_not_found"].format(channel=channel),
                          permanent=True)

    def _error(self, exc: Exception, method: str, channel: str) -> NotifyError:
        if isinstance(exc, SlackApiError):
            return _api_error(exc, method, channel)
        if isinstance(exc, asyncio.TimeoutError):
            return NotifyError(f"Slack {method} did not answer within {self.timeout:g}s "
                               "(it may have posted; the next attempt checks first)")
        if isinstance(exc, aiohttp.ClientError | OSError):
            return NotifyError(f"cannot reach Slack for {method}: {exc}")
        if isinstance(exc, SlackClientError):
            return NotifyError(f"Slack client error in {method}: {exc}", permanent=True)
        return NotifyError(f"unexpected error in Slack {method}: {exc!r}")


def _api_error(exc: SlackApiError, method: str, channel: str) -> NotifyError:
    response = exc.response
    status = getattr(response, "status_code", None)
    data = getattr(response, "data", None)
    error = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 429 or error == "ratelimited":
        retry_after = _retry_after(getattr(response, "headers", None) or {})
        return NotifyError(f"Slack rate limited {method}; retry after {retry_after:g}s",
                           retry_after=retry_after)
    if error in PERMANENT_ERRORS:
        return NotifyError(PERMANENT_ERRORS[error].format(channel=channel), permanent=True)
    if status is not None and status >= 500:
        return NotifyError(f"Slack {method} answered HTTP {status}"
                           + (f" ({error})" if error else ""))
    return NotifyError(f"Slack {method} failed: {error or 'HTTP ' + str(status)}")


def _retry_after(headers: Any) -> float:
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(float(value), 1.0)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def _alert_id_of(message: dict[str, Any]) -> int | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT:
        return None
    value = (metadata.get("event_payload") or {}).get("alert_id")
    return value if isinstance(value, int) else None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


class SlackWebhookNotifier:
    """An incoming webhook: posts to the webhook's own channel; no threads, no lookups."""

    name = "webhook"
    can_thread = False
    can_look_up = False

    def __init__(self, url: str, *, timeout: float = 15.0, connection_retries: int = 1,
                 retry_interval: float | None = None) -> None:
        self.timeout = timeout
        self.client = AsyncWebhookClient(
            url, timeout=timeout,  # type: ignore[arg-type]
            retry_handlers=connection_retry_handlers(connection_retries, retry_interval))

    async def post(self, channel: str, message: Message, *, alert_id: int | None,
                   thread_ts: str | None) -> Delivery:
        try:
            response = await self.client.send(text=message.text, blocks=list(message.blocks),
                                              unfurl_links=False, unfurl_media=False)
        except TimeoutError as exc:
            raise NotifyError(f"Slack webhook did not answer within {self.timeout:g}s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise NotifyError(f"cannot reach the Slack webhook: {exc}") from exc
        status, body = response.status_code, (response.body or "").strip()
        if status == 200:
            return Delivery(channel_id=None, ts=None)
        if status == 429:
            retry_after = _retry_after(response.headers or {})
            raise NotifyError(f"Slack rate limited the webhook; retry after {retry_after:g}s",
                              retry_after=retry_after)
        if body in WEBHOOK_PERMANENT:
            raise NotifyError(WEBHOOK_PERMANENT[body], permanent=True)
        raise NotifyError(f"Slack webhook answered HTTP {status}: {body[:200]}",
                          permanent=400 <= status < 500 and status not in (408, 409))

    async def find_posted(self, channel: str, alert_id: int,
                          channel_id: str | None) -> Delivery | None:
        return None
