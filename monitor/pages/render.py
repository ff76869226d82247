"""Jinja2, imported here only: the template environment (templates/) of the storyline pages.

Autoescaping is on for every template (article titles, evidence sentences and outlet names
are untrusted text from the web), templates fail on a missing variable instead of printing
nothing, and links are emitted only for http(s) URLs (`href`): an escaped `javascript:` URL
is still a script, so it is shown as text instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.clock import ensure_utc
from monitor.notify.message import fact_lines, format_day, format_time
from monitor.pages.timeline import STATUS_COLOURS, status_label


def href(url: object) -> str | None:
    """`url` when it is safe as a link target (http or https), else None."""
    text = str(url or "").strip()
    if text.lower().startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        return text
    return None


def ago(when: datetime | None, now: datetime) -> str:
    """How long before `now`: "5 minutes ago", "3 days ago", "2 years ago"."""
    if when is None:
        return "never"
    seconds = (ensure_utc(now) - ensure_utc(when)).total_seconds()
    if seconds < 60:
        return "just now" if seconds > -60 else "in the future"
    for unit, size, limit in (("minute", 60, 60), ("hour", 3600, 48), ("day", 86400, 60),
                              ("month", 86400 * 30.44, 24)):
        count = int(seconds // size)
        if count < limit:
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    years = int(seconds // (86400 * 365.25))
    return f"{years} year{'s' if years != 1 else ''} ago"


def facts(after: dict[str, Any], before: dict[str, Any] | None = None) -> list[str]:
    """`visit date: Tue 18 Jun 2024 (was Mon 17 Jun 2024)`, as the alerts word them."""
    return list(fact_lines({k: str(v) for k, v in (before or {}).items()},
                           {k: str(v) for k, v in after.items()}))


def colour(status: str | None) -> str:
    return STATUS_COLOURS.get(status or "", "#52606d")


def day(when: datetime) -> str:
    return format_day(ensure_utc(when).date())


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("monitor.pages", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(href=href, day=day, time=lambda w: format_time(w),
                       status=status_label, facts=facts, colour=colour)
    env.globals.update(ago=ago)
    return env


_ENV = _environment()


def render(name: str, **context: Any) -> str:
    return _ENV.get_template(name).render(**context)
