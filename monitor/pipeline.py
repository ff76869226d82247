"""The stage sequence, shared by the daemon and backfill (DESIGN.md "One pipeline, two drivers").

    ArticleDraft --dedup--> Story --match--> StorylineMatch --status--> Observation
    --tracker--> StatusChange --outbox--> Alert rows

`Pipeline.process` runs every stage for one article inside one transaction: the article, its
story, its matches, observations, any status change and that change's alert rows commit
together or not at all. Drivers only choose the source of drafts and the clock (`now`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor import dedup
from monitor.config import Settings
from monitor.db import alerts as alerts_repo
from monitor.db import articles as articles_repo
from monitor.db import matches as matches_repo
from monitor.db import storylines as storylines_repo
from monitor.db.engine import transaction
from monitor.records import ArticleDraft, MatchResult, Observation, Report, StatusChange
from monitor.storylines import status, tracker
from monitor.storylines.match import Matcher
from monitor.storylines.spec import StorylineSpec

log = structlog.get_logger(__name__)

BACKGROUND_ARTICLES = 2000
"""Stored articles that make up the matcher's IDF background."""


@dataclass(frozen=True, slots=True)
class RecordedChange:
    change_id: int
    change: StatusChange
    alert_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ArticleOutcome:
    """What the pipeline did with one draft (the backfill's `article` event)."""

    url: str
    published_at: datetime
    stored: bool
    """False when the URL was already stored (nothing was written)."""
    article_id: int | None = None
    story_id: int | None = None
    duplicate_of: int | None = None
    dedup_reason: str | None = None
    matches: tuple[MatchResult, ...] = ()
    changes: tuple[RecordedChange, ...] = field(default_factory=tuple)


class Pipeline:
    """Holds what lives across articles: the near-duplicate index and the matchers."""

    def __init__(self, settings: Settings, specs: Sequence[StorylineSpec],
                 sessions: sessionmaker[Session], *, notify: bool = True) -> None:
        self.settings = settings
        self.specs = {spec.id: spec for spec in specs}
        self.sessions = sessions
        self.notify = notify
        self.index = dedup.NearDuplicateIndex(settings.dedup)
        self.matchers: dict[str, Matcher] = {}
        self._last_article_id = 0

    def load(self, now: datetime) -> None:
        """Rebuild the index over the dedup window and fit the matchers (on start)."""
        since = now - timedelta(days=self.settings.dedup.window_days)
        with self.sessions() as session:
            for article_id, story_id, signature, published in articles_repo.iter_signatures(
                    session, since):
                self.index.add(article_id, story_id, signature, published)
                self._last_article_id = max(self._last_article_id, article_id)
            background = matches_repo.background_texts(session, BACKGROUND_ARTICLES)
            for spec in self.specs.values():
                seeds = storylines_repo.seed_texts(session, spec.id)
                self.matchers[spec.id] = Matcher.build(spec, seeds, background)
        log.info("pipeline.loaded", signatures=len(self.index), storylines=len(self.specs))

    def prune(self, now: datetime) -> int:
        """Drop index entries older than the window (memory stays bounded)."""
        return self.index.prune(now - timedelta(days=self.settings.dedup.window_days))

    def process(self, draft: ArticleDraft, now: datetime) -> ArticleOutcome:
        """Run every stage for one article and commit the result as one transaction."""
        try:
            with transaction(self.sessions) as session:
                self._catch_up(session)
                outcome, fingerprint = self._process(session, draft, now)
        except IntegrityError:
            # Another process stored the same URL between our check and our insert.
            log.info("article.raced", url=draft.url)
            return ArticleOutcome(url=draft.url, published_at=draft.published_at, stored=False)
        if outcome.stored and fingerprint is not None and fingerprint.signature is not None:
            assert outcome.article_id is not None and outcome.story_id is not None
            self.index.add(outcome.article_id, outcome.story_id, fingerprint.signature,
                           draft.published_at)
            self._last_article_id = max(self._last_article_id, outcome.article_id)
        return outcome

    def _catch_up(self, session: Session) -> None:
        """Index articles other processes stored since we last looked (several workers)."""
        for article_id, story_id, signature, published in articles_repo.signatures_after(
                session, self._last_article_id):
            self.index.add(article_id, story_id, signature, published)
            self._last_article_id = max(self._last_article_id, article_id)

    def _process(self, session: Session, draft: ArticleDraft, now: datetime,
                 ) -> tuple[ArticleOutcome, dedup.Fingerprint | None]:
        if articles_repo.article_id_by_url(session, draft.url) is not None:
            return ArticleOutcome(url=draft.url, published_at=draft.published_at,
                                  stored=False), None
        fingerprint = dedup.fingerprint(draft.text, self.settings.dedup)
        exact = articles_repo.find_by_content_hash(session, fingerprint.content_hash)
        decision = dedup.decide(fingerprint, self.index, exact)
        stored = articles_repo.store_article(session, draft, fingerprint, decision, now)
        report = Report(article_id=stored.article_id, story_id=stored.story_id, url=draft.url,
                        outlet=draft.outlet, title=draft.title,
                        published_at=draft.published_at)
        matches: list[MatchResult] = []
        changes: list[RecordedChange] = []
        if decision.duplicate_of is None:
            for spec in self.specs.values():
                result = match_article(session, spec, self.matchers[spec.id], draft.title,
                                       draft.text, draft.published_at)
                matches_repo.save_match(session, stored.article_id, stored.story_id, result,
                                        now)
                matches.append(result)
                if result.matched:
                    changes.extend(self._observe(session, spec, draft, report, now))
        elif stored.is_new_outlet:
            # A copy adds no report, but its outlet corroborates what the story said.
            for observation, original in storylines_repo.observations_for_story(
                    session, stored.story_id):
                tracked = self.specs.get(observation.storyline_id)
                if tracked is not None:
                    changes.extend(self._decide(session, tracked, observation, original, now))
        log.info("article.processed", url=draft.url, story_id=stored.story_id,
                 duplicate_of=stored.duplicate_of, reason=decision.reason,
                 matched=[m.storyline_id for m in matches if m.matched],
                 changes=[c.change.to_status for c in changes])
        return ArticleOutcome(
            url=draft.url, published_at=draft.published_at, stored=True,
            article_id=stored.article_id, story_id=stored.story_id,
            duplicate_of=stored.duplicate_of, dedup_reason=decision.reason,
            matches=tuple(matches), changes=tuple(changes)), fingerprint

    def _observe(self, session: Session, spec: StorylineSpec, draft: ArticleDraft,
                 report: Report, now: datetime) -> list[RecordedChange]:
        observation = status.observe(spec, draft.title, draft.text, draft.published_at)
        if observation is None:
            return []
        storylines_repo.add_observation(session, observation, report, draft.published_at)
        return self._decide(session, spec, observation, report, now)

    def _decide(self, session: Session, spec: StorylineSpec, observation: Observation,
                report: Report, now: datetime) -> list[RecordedChange]:
        change = decide_change(session, spec, observation, report, now)
        if change is None:
            return []
        change_id = storylines_repo.record_change(session, change)
        channel = spec.channel or self.settings.slack.channel
        alert_ids = alerts_repo.enqueue(session, change_id, spec.id, [channel], now,
                                        suppressed=not self.notify)
        log.info("status.changed", storyline=spec.id, change_id=change_id,
                 from_status=change.from_status, to_status=change.to_status,
                 facts=change.facts_after, url=report.url, suppressed=not self.notify)
        return [RecordedChange(change_id, change, tuple(alert_ids)),
                *self._waiting(session, spec, change, now)]

    def _waiting(self, session: Session, spec: StorylineSpec, change: StatusChange,
                 now: datetime) -> list[RecordedChange]:
        """Decide again on the recent reports that waited for the state `change` reached."""
        for observation, report in waiting_reports(session, spec, change):
            recorded = self._decide(session, spec, observation, report, now)
            if recorded:
                return recorded
        return []


def match_article(session: Session, spec: StorylineSpec, matcher: Matcher, title: str,
                  text: str, published_at: datetime) -> MatchResult:
    """The match of an article to a storyline, unless the storyline closed before it (its
    event began over `match.days_after_end` days earlier). Both drivers use it."""
    closed = tracker.closed_since(spec, storylines_repo.storyline_state(session, spec.id),
                                  published_at)
    if closed is not None:
        return matcher.closed(closed)
    return matcher.match(title, text, published_at)


def decide_change(session: Session, spec: StorylineSpec, observation: Observation,
                  report: Report, now: datetime) -> StatusChange | None:
    """The change an observation makes to the stored storyline (tracker.decide on the
    stored state, the reports that support it and, for a possible correction, those behind
    the current status). Both drivers (the pipeline and the `db` re-derivation) use it."""
    state = storylines_repo.storyline_state(session, spec.id)
    support = storylines_repo.supporting_reports(session, spec.id, observation.status,
                                                 observation.facts)
    standing = (storylines_repo.supporting_reports(session, spec.id, str(state.status),
                                                   state.facts)
                if tracker.may_correct(spec, state, observation) else None)
    return tracker.decide(spec, state, observation, report, support, now, standing)


def waiting_reports(session: Session, spec: StorylineSpec,
                    change: StatusChange) -> list[tuple[Observation, Report]]:
    """The recent reports that waited for the state `change` reached, to decide again."""
    since = change.report.published_at - timedelta(days=spec.corroboration.window_days)
    state = storylines_repo.storyline_state(session, spec.id)
    return tracker.waiting(spec, state,
                           storylines_repo.recent_observations(session, spec.id, since))
