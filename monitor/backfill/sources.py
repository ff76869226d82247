"""What every replay source hands the backfill driver: drafts in replay order, the input
problems it skipped, and a key naming its content (the resume bookkeeping's key).

Sources read their whole input before the replay starts: items are replayed in
chronological order (ties in input order), so a bad line is reported, and skipped, before
anything is written. The `db` source is the exception: it streams (monitor.backfill.rederive).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from monitor.errors import InputError
from monitor.ingest.urls import canonicalize, host_of
from monitor.records import ArticleDraft, DatePrecision
from monitor.storylines.seeds import Seed


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One input item that was skipped: where it is (file:line) and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class LoadedSource:
    """A file-like source, read: drafts in replay order plus what was skipped."""

    kind: str
    description: str
    digest: str
    """Digest of the input's content: the same input resumes the same run."""
    drafts: list[ArticleDraft]
    problems: list[InputProblem] = field(default_factory=list)


def replay_order(drafts: Iterable[ArticleDraft]) -> list[ArticleDraft]:
    """Chronological; ties keep input order (sorted() is stable)."""
    return sorted(drafts, key=lambda d: d.published_at)


def content_digest(parts: Iterable[bytes | str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x1f")
    return digest.hexdigest()


def seeds_source(seeds: Sequence[Seed]) -> LoadedSource:
    """`--source seeds`: every storyline's seed articles, as the pipeline would have seen them."""
    drafts = replay_order(seed.draft() for seed in seeds)
    digest = content_digest(f"{s.storyline_id}|{s.url}|{s.content_hash}" for s in seeds)
    return LoadedSource("seeds", f"{len(drafts)} seed articles", digest, drafts)


def parse_published(value: object) -> tuple[datetime, DatePrecision]:
    """An ISO 8601 date or datetime. Dates alone are placed at noon UTC (as seeds are);
    naive datetimes are UTC. Raises InputError."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return datetime.combine(value, time(12, 0), tzinfo=UTC), "day"
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) == 10:
                return parse_published(date.fromisoformat(text))
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise InputError(f"published: {text!r} is not an ISO 8601 date or datetime") from exc
    else:
        raise InputError("published: missing or not a string")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC), "exact"


def article_url(value: object) -> str:
    """The canonical URL of an http(s) link; `urn:` keys (seeds, files) are kept as given."""
    if not isinstance(value, str) or not value.strip():
        raise InputError("url: missing or not a string")
    if value.startswith("urn:"):
        return value.strip()
    return canonicalize(value)


def outlet_of(url: str) -> str:
    """Default outlet of an article: its host without www."""
    host = host_of(url)
    return host.removeprefix("www.") or "unknown"


def optional_str(meta: dict[str, object], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{key}: not a string")
    return value.strip() or None
