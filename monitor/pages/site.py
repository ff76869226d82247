"""The storyline pages: routes -> records from monitor/db -> templates (read-only).

    /                 storylines: status, key facts, time since the last change, stories
                      matched in the last 7 days
    /storylines/ID    the status timeline (SVG strip), each change with its evidence, article,
                      corroborating outlets and alert delivery; matched stories, paginated
    /stories/ID       a story's member articles and why each was folded into it

Built from the records `monitor storylines show --format json` prints (StorylineSummary,
ChangeSummary) plus the paginated reads of monitor.db.matches; a page makes a fixed number
of queries (at most one per table) whatever the number of matches. Only extracted text and
links are printed, never article HTML. Links between pages are relative, so the pages work
behind a reverse proxy that serves them under a path prefix.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote

import structlog
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import Clock
from monitor.db import alerts as alerts_repo
from monitor.db import matches as matches_repo
from monitor.db import stories as stories_repo
from monitor.db import storylines as storylines_repo
from monitor.db.alerts import AlertRow
from monitor.db.storylines import ChangeSummary
from monitor.pages.render import day, render
from monitor.pages.timeline import Point, layout
from monitor.server import Response

log = structlog.get_logger(__name__)

PER_PAGE = 50
RECENT = timedelta(days=7)
HTML = "text/html; charset=utf-8"

FOLD_REASONS = {
    "new": "the original report",
    "url": "the same canonical URL as",
    "content_hash": "the same text (after normalising case, spacing and boilerplate) as",
    "near_duplicate": "a near copy (most of its word 5-shingles shared) of",
}


@dataclass(frozen=True, slots=True)
class ChangeView:
    """One status change with the delivery state of its alerts."""

    change: ChangeSummary
    alerts: tuple[AlertRow, ...]
    outlets: tuple[dict[str, Any], ...]
    """The reports it was counted on, one per outlet: {"outlet", "url", "title", ...}."""


@dataclass(frozen=True, slots=True)
class Page:
    """What to render: a template, its context and the HTTP status."""

    template: str
    context: dict[str, Any]
    status: int = 200


class BadRequest(Exception):
    pass


class Site:
    """The pages as a `monitor.server.Pages` callable; thread-safe (a session per request)."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, *,
                 per_page: int = PER_PAGE) -> None:
        self.sessions = sessions
        self.clock = clock
        self.per_page = per_page

    def __call__(self, path: str, query: str) -> Response | None:
        started = time.perf_counter()
        try:
            page = self._route(path, parse_qs(query))
        except BadRequest as exc:
            page = self._error(400, str(exc))
        if page is None:
            return None
        depth = path.count("/") - 1  # "/" is 0, "/storylines/ID" is 1
        body = render(page.template, root="../" * depth or "./", now=self.clock.now(),
                      **page.context)
        log.debug("page.served", path=path, status=page.status,
                  ms=round((time.perf_counter() - started) * 1000, 1))
        return Response(page.status, body.encode("utf-8"), HTML)

    def _route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path in ("/", "/index.html"):
            return self.index()
        head, _, rest = path.lstrip("/").partition("/")
        if head == "storylines" and rest and "/" not in rest:
            return self.storyline(unquote(rest), _page_number(query))
        if head == "stories" and rest.isdigit():
            return self.story(int(rest))
        return None

    def index(self) -> Page:
        now = self.clock.now()
        with self.sessions() as session:
            storylines = storylines_repo.list_storylines(session)
            recent = matches_repo.recent_story_counts(session, now - RECENT)
        return Page("index.html", {"storylines": storylines, "recent": recent,
                                   "recent_days": RECENT.days})

    def storyline(self, storyline_id: str, page: int) -> Page:
        with self.sessions() as session:
            summary = storylines_repo.get_storyline(session, storyline_id)
            if summary is None:
                return self._error(404, f"No storyline {storyline_id!r}.")
            history = storylines_repo.history(session, storyline_id)
            alerts = alerts_repo.for_changes(session, [c.id for c in history])
            matches = matches_repo.matched_stories(session, storyline_id, page=page,
                                                   per_page=self.per_page)
        changes = [ChangeView(c, tuple(alerts.get(c.id, ())), _by_outlet(c.outlets))
                   for c in history]
        timeline = layout([Point(c.id, c.to_status, c.published_at, day(c.published_at))
                           for c in history])
        palette = {segment.status: segment.colour for segment in timeline.segments}
        return Page("storyline.html", {"storyline": summary, "changes": changes,
                                       "timeline": timeline, "palette": palette,
                                       "matches": matches})

    def story(self, story_id: int) -> Page:
        with self.sessions() as session:
            detail = stories_repo.get_story(session, story_id)
            if detail is None:
                return self._error(404, f"No story {story_id}.")
            storylines = matches_repo.matches_of_story(session, story_id)
        return Page("story.html", {"detail": detail, "storylines": storylines,
                                   "reasons": FOLD_REASONS})

    def _error(self, status: int, message: str) -> Page:
        return Page("error.html", {"status": status, "message": message}, status)


def _page_number(query: dict[str, list[str]]) -> int:
    values = query.get("page", ["1"])
    if len(values) != 1 or not values[0].isdigit() or int(values[0]) < 1:
        raise BadRequest("page must be a number from 1")
    return int(values[0])


def _by_outlet(reports: list[Any]) -> tuple[dict[str, Any], ...]:
    """The stored reports of a change, first per outlet (the change's own report first)."""
    seen: dict[str, dict[str, Any]] = {}
    for report in reports:
        if isinstance(report, dict):
            seen.setdefault(str(report.get("outlet", "")).strip().lower(), report)
    return tuple(seen.values())
