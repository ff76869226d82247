"""Plain typed records that the pipeline stages hand each other (never ORM objects).

    feeds --poll--> FeedItem --extract--> ArticleDraft --dedup--> StoryDecision
    --match--> MatchResult --status--> Observation --tracker--> StatusChange --outbox--> Alert
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

TextSource = Literal["page", "feed", "seed", "import"]
"""Where an article's text came from: the extracted page, the feed's own content/summary,
a storyline seed file, or an imported archive (backfill file)."""

DatePrecision = Literal["exact", "day", "approximate"]
"""How much of `published_at` is known: a full timestamp, the day only, or a day inferred
from the text (for example from weekday references)."""

AlertState = Literal["pending", "sending", "sent", "failed", "dead", "suppressed"]


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a parsed feed. `guid` is the entry id or a stable fallback key."""

    guid: str
    link: str | None
    title: str
    summary: str
    content: str
    published: datetime | None
    updated: datetime | None
    author: str | None


@dataclass(frozen=True, slots=True)
class Outline:
    """One feed of a feed list (OPML): its URL, title and folder ("Asia/Wires" when nested);
    what `feeds import` reads and adds."""

    url: str
    title: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """An article ready for deduplication: extracted (or imported) text plus metadata.

    `url` is the canonical URL (monitor.ingest.urls.canonicalize), the article's key."""

    url: str
    outlet: str
    title: str
    text: str
    published_at: datetime
    text_source: TextSource
    published_precision: DatePrecision = "exact"
    guid: str | None = None
    feed_id: int | None = None
    language: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class StoryDecision:
    """What dedup decided for one article: a new story, or a duplicate of a stored one."""

    duplicate_of: int | None
    """Article id of the stored original, None for a new story."""
    story_id: int | None
    reason: Literal["new", "url", "content_hash", "near_duplicate"]
    jaccard: float = 0.0
    containment: float = 0.0


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Relevance of one article to one storyline, with its explanation (stored as JSON)."""

    storyline_id: str
    matched: bool
    score: float
    explanation: dict[str, Any] = field(default_factory=dict)
    near_miss: bool = False
    """A non-match within `near_miss` of the threshold: stored for inspection."""


@dataclass(frozen=True, slots=True)
class Observation:
    """What one article says about a storyline's status: the status its cues signal, the
    facts it states (e.g. {"visit_date": "2024-06-18"}) and the sentence that says so."""

    storyline_id: str
    status: str
    facts: dict[str, str]
    evidence: str
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StorylineState:
    """A storyline's current status and key facts (None before its first change)."""

    storyline_id: str
    status: str | None
    facts: dict[str, str]
    since: datetime | None


@dataclass(frozen=True, slots=True)
class Report:
    """An article that reported an observation, as the tracker and alerts see it."""

    article_id: int
    story_id: int
    url: str
    outlet: str
    title: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A move of a storyline's status or of one of its key facts, with its evidence."""

    storyline_id: str
    from_status: str | None
    to_status: str
    facts_before: dict[str, str]
    facts_after: dict[str, str]
    evidence: str
    report: Report
    corroborating: tuple[Report, ...]
    detected_at: datetime
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlertContent:
    """Everything a notifier needs to render one alert, loaded from the outbox."""

    alert_id: int
    channel: str
    storyline_id: str
    storyline_title: str
    change: StatusChange
    first_seen_at: datetime
    thread_ts: str | None = None
