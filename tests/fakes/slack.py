"""A fake Slack on 127.0.0.1 for tests: the Web API methods monitor calls and an incoming
webhook, answering the way Slack does, recording every request.

    with FakeSlack() as slack:
        notifier = SlackBotNotifier("xoxb-test", base_url=slack.base_url)
        ...
        assert [m.text for m in slack.messages] == [...]

Web API (`base_url` = http://127.0.0.1:PORT/api/): chat.postMessage (JSON or form body,
bearer token) answers {"ok": true, "channel": "C…", "ts": "…", "message": {…}};
conversations.history (GET, a channel id only, as Slack) lists top-level and broadcast
messages newest first, with metadata when include_all_metadata is set, paginated by cursor;
conversations.list lists the channels (id, name). Errors the way Slack sends
them: HTTP 200 with {"ok": false, "error": …} (invalid_auth, channel_not_found, …), HTTP 429
`ratelimited` with Retry-After, HTTP 500 with an HTML body. Incoming webhook
(`webhook_url`): "ok" as text/html, or the error word with its HTTP status.

Failures on demand: `fail(...)` queues answers for the next calls of a method, `down` makes
everything answer 503, `hang(...)` holds responses (optionally after posting) until the
client gives up; hung requests are released when the server stops.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WEBHOOK_PATH = "/services/T000TEST/B000TEST/webhooksecret"


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]


@dataclass
class Posted:
    """A message the fake accepted (chat.postMessage or webhook)."""

    channel_id: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    reply_broadcast: bool = False
    metadata: dict[str, Any] | None = None
    via: str = "chat.postMessage"


@dataclass
class Failure:
    """A queued answer: an API error word, an HTTP status, maybe a Retry-After, or a hang."""

    error: str | None = None
    status: int = 200
    retry_after: int | None = None
    hang: bool = False
    after_post: bool = False
    """Accept (post) the message first, then fail or hang: a post whose answer is lost."""


@dataclass
class _State:
    token: str
    channels: dict[str, str]
    requests: list[Recorded] = field(default_factory=list)
    messages: list[Posted] = field(default_factory=list)
    failures: dict[str, deque[Failure]] = field(default_factory=dict)
    down: bool = False
    counter: int = 0


class FakeSlack:
    def __init__(self, *, token: str = "xoxb-test",
                 channels: dict[str, str] | None = None) -> None:
        channels = channels or {"#news-alerts": "C0NEWS", "#ops": "C0OPS"}
        known = dict(channels)
        known.update({cid: cid for cid in channels.values()})
        known.update({name.lstrip("#"): cid for name, cid in channels.items()})
        self.state = _State(token=token, channels=known)
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    # lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    @property
    def webhook_url(self) -> str:
        return f"{self.origin}{WEBHOOK_PATH}"

    # failures on demand --------------------------------------------------------------------
    def fail(self, method: str, error: str | None = None, *, status: int = 200,
             retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` ("chat.postMessage", "conversations.history",
        "webhook") answer with `error` / `status` instead."""
        with self.lock:
            queue = self.state.failures.setdefault(method, deque())
            queue.extend(Failure(error, status, retry_after) for _ in range(times))

    def hang(self, method: str, *, after_post: bool = False, times: int = 1) -> None:
        """The next `times` calls of `method` never answer (until the server stops); with
        `after_post`, the message is posted first, as when Slack's answer is lost."""
        with self.lock:
            queue = self.state.failures.setdefault(method, deque())
            queue.extend(Failure(hang=True, after_post=after_post) for _ in range(times))

    @property
    def down(self) -> bool:
        return self.state.down

    @down.setter
    def down(self, value: bool) -> None:
        with self.lock:
            self.state.down = value

    # what happened -------------------------------------------------------------------------
    @property
    def requests(self) -> list[Recorded]:
        with self.lock:
            return list(self.state.requests)

    @property
    def messages(self) -> list[Posted]:
        with self.lock:
            return list(self.state.messages)

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.rsplit("/", 1)[-1] == method
                or (method == "webhook" and r.path == WEBHOOK_PATH)]

    # internals used by the handler ---------------------------------------------------------
    def next_failure(self, method: str) -> Failure | None:
        with self.lock:
            queue = self.state.failures.get(method)
            return queue.popleft() if queue else None

    def new_ts(self) -> str:
        with self.lock:
            self.state.counter += 1
            return f"{1718000000 + self.state.counter}.{self.state.counter:06d}"

    def add_message(self, message: Posted) -> None:
        with self.lock:
            self.state.messages.append(message)


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, verb: str) -> None:
            parts = urlsplit(self.path)
            params = self._params(parts.query)
            with fake.lock:
                fake.state.requests.append(Recorded(verb, parts.path, dict(self.headers), params))
            if fake.down:
                self._send(503, b"<html>Service Unavailable</html>", "text/html")
                return
            if parts.path == WEBHOOK_PATH:
                self._webhook(params)
            elif parts.path.startswith("/api/"):
                self._api(parts.path[len("/api/"):], params)
            else:
                self._send(404, b"not found", "text/plain")

        def _params(self, query: str) -> dict[str, Any]:
            params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if not body:
                return params
            if (self.headers.get("Content-Type") or "").startswith("application/json"):
                params.update(json.loads(body))
            else:
                params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
            for key in ("blocks", "metadata"):
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
            return params

        def _api(self, method: str, params: dict[str, Any]) -> None:
            failure = fake.next_failure(method)
            if failure and failure.after_post and method == "chat.postMessage":
                self._post_message(params, answer=False)
            if failure and self._fail(failure):
                return
            auth = self.headers.get("Authorization") or ""
            token = auth.removeprefix("Bearer ") if auth else params.get("token")
            if token != fake.state.token:
                self._json({"ok": False, "error": "invalid_auth" if token else "not_authed"})
            elif method == "chat.postMessage":
                self._post_message(params, answer=True)
            elif method == "conversations.history":
                self._history(params)
            elif method == "conversations.list":
                self._list(params)
            elif method == "auth.test":
                self._json({"ok": True, "user_id": "U0BOT", "team_id": "T000TEST"})
            else:
                self._json({"ok": False, "error": "unknown_method"})

        def _fail(self, failure: Failure) -> bool:
            if failure.hang:
                fake.release.wait(30)
                self.close_connection = True
                return True
            if failure.status == 429:
                self._json({"ok": False, "error": "ratelimited"}, status=429,
                           headers={"Retry-After": str(failure.retry_after or 1)})
            elif failure.status >= 500:
                self._send(failure.status, b"<html>Internal Server Error</html>", "text/html")
            else:
                self._json({"ok": False, "error": failure.error or "internal_error"},
                           status=failure.status)
            return True

        def _post_message(self, params: dict[str, Any], *, answer: bool) -> None:
            channel_id = fake.state.channels.get(str(params.get("channel", "")))
            if channel_id is None:
                if answer:
                    self._json({"ok": False, "error": "channel_not_found"})
                return
            ts = fake.new_ts()
            fake.add_message(Posted(
                channel_id=channel_id, ts=ts, text=str(params.get("text", "")),
                blocks=list(params.get("blocks") or []), thread_ts=params.get("thread_ts"),
                reply_broadcast=params.get("reply_broadcast") in (True, "true", "1"),
                metadata=params.get("metadata")))
            if answer:
                self._json({"ok": True, "channel": channel_id, "ts": ts,
                            "message": {"type": "message", "text": params.get("text"),
                                        "ts": ts, "bot_id": "B0BOT"}})

        def _list(self, params: dict[str, Any]) -> None:
            ids = sorted(set(fake.state.channels.values()))
            names = {cid: name.lstrip("#") for name, cid in fake.state.channels.items()
                     if name.startswith("#")}
            start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
            more = start + limit < len(ids)
            self._json({"ok": True, "channels": [{"id": cid, "name": names.get(cid, cid.lower())}
                                                 for cid in ids[start:start + limit]],
                        "response_metadata": {"next_cursor": str(start + limit) if more else ""}})

        def _history(self, params: dict[str, Any]) -> None:
            # Like Slack: conversations.history takes a channel id, never a name.
            channel_id = str(params.get("channel", ""))
            if channel_id not in fake.state.channels.values():
                self._json({"ok": False, "error": "channel_not_found"})
                return
            with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
            visible = [m for m in reversed(fake.messages) if m.channel_id == channel_id
                       and (m.thread_ts is None or m.reply_broadcast)]
            start = int(params.get("cursor") or 0)
            limit = int(params.get("limit") or 100)
            page = visible[start:start + limit]
            more = start + limit < len(visible)
            self._json({"ok": True, "has_more": more,
                        "messages": [_history_item(m, with_metadata) for m in page],
                        "response_metadata": {"next_cursor": str(start + limit) if more else ""}})

        def _webhook(self, params: dict[str, Any]) -> None:
            failure = fake.next_failure("webhook")
            if failure and failure.hang:
                self._fail(failure)
                return
            if failure:
                headers = ({"Retry-After": str(failure.retry_after or 1)}
                           if failure.status == 429 else {})
                word = failure.error or ("rate_limited" if failure.status == 429 else "error")
                self._send(failure.status if failure.status != 200 else 400, word.encode(),
                           "text/html", headers)
                return
            if not params.get("text") and not params.get("blocks"):
                self._send(400, b"no_text", "text/html")
                return
            fake.add_message(Posted(channel_id="C0WEBHOOK", ts=fake.new_ts(),
                                    text=str(params.get("text", "")),
                                    blocks=list(params.get("blocks") or []), via="webhook"))
            self._send(200, b"ok", "text/html")

        def _json(self, payload: dict[str, Any], *, status: int = 200,
                  headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8",
                       headers)

        def _send(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _history_item(message: Posted, with_metadata: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "message", "ts": message.ts, "text": message.text,
                            "bot_id": "B0BOT"}
    if message.thread_ts:
        item.update(thread_ts=message.thread_ts, subtype="thread_broadcast")
    if with_metadata and message.metadata:
        item["metadata"] = message.metadata
    return item
