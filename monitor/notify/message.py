"""The alert message (pure): AlertContent -> what a notifier delivers.

The last stage of the pipeline (StatusChange -> Alert -> Slack) renders each alert twice from
one `AlertView`: Slack Block Kit with a plain-text fallback, and the lines the console
notifier prints (`render`). With [server].public_url set, both link to the storyline's page
(an "Open timeline" button in Slack, a `Timeline:` line on the console). Slack's limits are
respected here so a send never fails for length: 3,000 characters per section text, 150 per
header, 50 blocks, and a message kept under ~10,000 characters; anything longer is cut with an
ellipsis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from monitor.clock import ensure_utc
from monitor.records import AlertContent, Report

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
FALLBACK_LIMIT = 3000
MAX_BLOCKS = 50
MESSAGE_BUDGET = 9500
"""Characters of block text per message: under Slack's ~10k with room for JSON keys."""
EVIDENCE_LIMIT = 2500
MAX_LISTED_STORIES = 25
ELLIPSIS = "…"

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:/|\.\.|–|—|\s+to\s+)\s*(\d{4}-\d{2}-\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class StoryLine:
    """One deduplicated story that reported the change: its link and its outlets."""

    url: str
    title: str
    outlets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlertView:
    """The content of one alert, independent of where it is shown."""

    alert_id: int
    title: str
    change: str
    facts: tuple[str, ...]
    evidence: str
    outlet_count: int
    stories: tuple[StoryLine, ...]
    first_seen: str
    detected: str
    timeline_url: str | None = None
    """The storyline's page (/storylines/ID under [server].public_url), when known."""


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered alert: Slack's fallback text and blocks, and the console's lines."""

    text: str
    blocks: tuple[dict[str, Any], ...]
    lines: tuple[str, ...]


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def format_day(day: date) -> str:
    """Tue 18 Jun 2024."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def format_fact_value(value: str) -> str:
    """A fact as people read it: ISO dates and date ranges spelled out, others verbatim."""
    value = value.strip()
    if _DATE.match(value):
        return _parse_day(value, value)
    if match := _RANGE.match(value):
        try:
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError:
            return value
        return format_range(start, end)
    return value


def format_range(start: date, end: date) -> str:
    """Tue 18 – Wed 19 Jun 2024; Sun 30 Jun – Mon 1 Jul 2024; across years both in full."""
    if start == end:
        return format_day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%a} {start.day} – {format_day(end)}"
    if start.year == end.year:
        return f"{start:%a} {start.day} {start:%b} – {format_day(end)}"
    return f"{format_day(start)} – {format_day(end)}"


def _parse_day(value: str, fallback: str) -> str:
    try:
        return format_day(date.fromisoformat(value))
    except ValueError:
        return fallback


def format_time(when: datetime) -> str:
    when = ensure_utc(when)
    return f"{format_day(when.date())} {when:%H:%M} UTC"


def fact_lines(before: dict[str, str], after: dict[str, str]) -> tuple[str, ...]:
    """`visit date: Tue 18 Jun 2024` per fact, with `(was …)` when the value moved. A fact
    ending in `_end` (visit_end) joins its start (visit_date) as one range:
    `visit date: Tue 18 – Wed 19 Jun 2024`."""
    now, was = _join_ranges(after), _join_ranges(before)
    lines = []
    for key, value in now.items():
        line = f"{key.replace('_', ' ')}: {format_fact_value(value)}"
        old = was.get(key)
        if old is not None and old != value:
            line += f" (was {format_fact_value(old)})"
        lines.append(line)
    return tuple(lines)


def _join_ranges(facts: dict[str, str]) -> dict[str, str]:
    joined = {key: str(value) for key, value in facts.items()}
    for key in [k for k in joined if k.endswith("_end")]:
        base = key[: -len("_end")]
        start = next((k for k in (f"{base}_date", f"{base}_start", base) if k in joined), None)
        if start and _DATE.match(joined[start]) and _DATE.match(joined[key]):
            joined[start] = f"{joined[start]}/{joined.pop(key)}"
    return joined


def group_stories(reports: tuple[Report, ...]) -> tuple[StoryLine, ...]:
    """One entry per story (a wire copy in ten outlets is one story), in report order."""
    order: list[int] = []
    by_story: dict[int, tuple[Report, list[str]]] = {}
    for report in reports:
        if report.story_id not in by_story:
            order.append(report.story_id)
            by_story[report.story_id] = (report, [])
        outlets = by_story[report.story_id][1]
        if report.outlet not in outlets:
            outlets.append(report.outlet)
    return tuple(StoryLine(by_story[s][0].url, by_story[s][0].title, tuple(by_story[s][1]))
                 for s in order)


def timeline_url(public_url: str, storyline_id: str) -> str:
    """The storyline page under the public root: https://host/prefix/storylines/ID."""
    return f"{public_url.rstrip('/')}/storylines/{quote(storyline_id, safe='')}"


def build_view(content: AlertContent, public_url: str | None = None) -> AlertView:
    change = content.change
    reports = (change.report, *change.corroborating)
    before = change.from_status or "new"
    return AlertView(
        alert_id=content.alert_id,
        title=content.storyline_title or content.storyline_id,
        change=(f"correction: {before} → {change.to_status} (the earlier change was a "
                f"misreading)" if change.explanation.get("kind") == "correction"
                else f"{before} → {change.to_status}"),
        facts=fact_lines(change.facts_before, change.facts_after),
        evidence=" ".join(change.evidence.split()),
        outlet_count=len({r.outlet for r in reports}),
        stories=group_stories(reports),
        first_seen=format_time(content.first_seen_at),
        detected=format_time(change.detected_at),
        timeline_url=timeline_url(public_url, content.storyline_id) if public_url else None,
    )


def fallback_text(view: AlertView) -> str:
    """The notification text (and what clients without Block Kit show)."""
    facts = f" ({'; '.join(view.facts)})" if view.facts else ""
    outlets = "outlet" if view.outlet_count == 1 else "outlets"
    text = (f"{view.title}: {view.change}{facts}. "
            f"\u201c{truncate(view.evidence, 300)}\u201d "
            f"Reported by {view.outlet_count} {outlets}.")
    return truncate(text, FALLBACK_LIMIT)


def plain_lines(view: AlertView) -> list[str]:
    """The alert as plain lines (console delivery and tests)."""
    lines = [view.title, f"Status: {view.change}"]
    lines += [f"  {fact}" for fact in view.facts]
    lines.append(f"Evidence: \u201c{truncate(view.evidence, EVIDENCE_LIMIT)}\u201d")
    lines.append(f"Reported by {_count(view.outlet_count)}:")
    shown = view.stories[:MAX_LISTED_STORIES]
    lines += [f"  - {', '.join(s.outlets)}: {s.title} <{s.url}>" for s in shown]
    if len(view.stories) > len(shown):
        lines.append(f"  … and {len(view.stories) - len(shown)} more stories")
    if view.timeline_url:
        lines.append(f"Timeline: {view.timeline_url}")
    lines.append(_footer(view))
    return lines


def render(content: AlertContent, public_url: str | None = None) -> Message:
    return message_for(build_view(content, public_url))


def message_for(view: AlertView) -> Message:
    """Block Kit within Slack's limits (see the module docstring)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(truncate(view.title, HEADER_LIMIT))},
        _section(_status_text(view)),
        _section("> " + escape(truncate(view.evidence, EVIDENCE_LIMIT))),
    ]
    used = sum(_block_chars(b) for b in blocks)
    footer = {"type": "context", "elements": [_mrkdwn(truncate(_footer(view), CONTEXT_LIMIT))]}
    actions = _timeline_button(view.timeline_url) if view.timeline_url else None
    budget = MESSAGE_BUDGET - used - _block_chars(footer) - len(view.timeline_url or "")
    blocks += _story_sections(view, budget, MAX_BLOCKS - len(blocks) - 1 - bool(actions))
    if actions:
        blocks.append(actions)
    blocks.append(footer)
    return Message(text=fallback_text(view), blocks=tuple(blocks),
                   lines=tuple(plain_lines(view)))


def _footer(view: AlertView) -> str:
    detected = "" if view.detected == view.first_seen else f" · detected {view.detected}"
    return f"First seen {view.first_seen}{detected} · alert #{view.alert_id}"


def _status_text(view: AlertView) -> str:
    lines = [f"*Status:* {escape(view.change)}"]
    lines += [f"*{escape(fact.split(': ', 1)[0]).capitalize()}:* "
              f"{escape(fact.split(': ', 1)[-1])}" for fact in view.facts]
    return truncate("\n".join(lines), SECTION_LIMIT)


def _story_sections(view: AlertView, budget: int, max_blocks: int) -> list[dict[str, Any]]:
    """The outlets and links, packed into as few sections as fit; the rest summarised."""
    heading = f"*Reported by {_count(view.outlet_count)}*"
    sections: list[str] = [heading]
    listed = 0
    for story in view.stories:
        line = f"• {escape(_outlet_list(story.outlets))}: {link(story.url, story.title)}"
        remaining = len(view.stories) - listed - 1
        reserve = 40 if remaining else 0  # room for the "… and N more" line
        if budget - len(line) - 1 - reserve < 0:
            break
        if len(sections[-1]) + 1 + len(line) <= SECTION_LIMIT - 100:
            sections[-1] += "\n" + line
        elif len(sections) < max_blocks:
            sections.append(line)
        else:
            break
        budget -= len(line) + 1
        listed += 1
    if listed < len(view.stories):
        sections[-1] += f"\n… and {len(view.stories) - listed} more stories"
    return [_section(text) for text in sections]


def _outlet_list(outlets: tuple[str, ...], limit: int = 300) -> str:
    if not outlets:
        return ""
    shown = truncate(", ".join(outlets), limit)
    return shown if shown.endswith(outlets[-1]) else f"{shown} ({len(outlets)} outlets)"


def _count(outlets: int) -> str:
    return f"{outlets} outlet" if outlets == 1 else f"{outlets} outlets"


def escape(text: str) -> str:
    """Slack mrkdwn control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, title: str) -> str:
    label = escape(truncate(" ".join(title.split()), 200)).replace("|", "¦") or escape(url)
    if not url.startswith(("http://", "https://")) or any(c in url for c in "<>| "):
        return label
    return f"<{truncate(url, 1000)}|{label}>"


def _timeline_button(url: str) -> dict[str, Any]:
    """A link button (Slack opens the URL; the app receives no interaction to handle)."""
    return {"type": "actions", "elements": [{
        "type": "button", "text": _plain("Open timeline"), "url": truncate(url, 3000),
        "action_id": "open_timeline"}]}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(truncate(text, SECTION_LIMIT))}


def _block_chars(block: dict[str, Any]) -> int:
    if "text" in block:
        return len(block["text"]["text"])
    return sum(len(e["text"]) for e in block.get("elements", ()))


def probe_message(channel: str, now: datetime) -> Message:
    """What `monitor alerts test` posts."""
    text = f"monitor test message for {channel} at {format_time(now)}: delivery works."
    return Message(text=text, blocks=(_section(f":white_check_mark: {escape(text)}"),),
                   lines=(text,))
