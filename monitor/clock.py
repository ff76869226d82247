"""Time, injected. Stages never call datetime.now(): the daemon passes a SystemClock,
backfill a ReplayClock set to each item's publication time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ReplayClock:
    """A clock that reads whatever time the replay driver last set."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def set(self, when: datetime) -> None:
        self._now = ensure_utc(when)

    def now(self) -> datetime:
        return self._now


def ensure_utc(when: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how SQLite hands them back)."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
