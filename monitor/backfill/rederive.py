"""Re-derivation for `monitor backfill --source db`: stored articles go through the match and
status stages again (dedup already happened: stories stay as they are), in replay order,
after the selected storylines' derived rows were reset (monitor.db.backfill explains how, and
how changes that were already alerted keep their alerts instead of alerting twice).

The stage functions are the pipeline's (Matcher, status.observe, tracker.decide); only the
source of articles differs. Articles are handled in batches, one transaction each, committed
with the backfill position: an interrupted run resumes after its last batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.db import alerts as alerts_repo
from monitor.db import backfill as backfill_repo
from monitor.db import matches as matches_repo
from monitor.db import storylines as storylines_repo
from monitor.db.backfill import CarriedAlerts, ReplayArticle
from monitor.db.engine import transaction
from monitor.pipeline import (
    BACKGROUND_ARTICLES,
    ArticleOutcome,
    RecordedChange,
    decide_change,
    match_article,
    waiting_reports,
)
from monitor.records import MatchResult, Observation, Report, StatusChange
from monitor.storylines import status
from monitor.storylines.match import Matcher
from monitor.storylines.spec import MatchSpec, StorylineSpec
from monitor.storylines.terms import normalize, term_body

log = structlog.get_logger(__name__)


class GroupGate:
    """A cheap test run before the matcher: an article that names no alternative of any
    group scores 0 (the matcher scales relevance by the share of groups found), so it can
    neither match nor be a near miss, and TF-IDF need not be computed. Most stored articles
    are off-topic: this is what makes re-deriving 50,000 of them take seconds.

    Exact, not a heuristic: the regex is the matcher's own terms (term_body), and the
    substring pre-check before it only skips texts lacking a word every match would contain
    (the longest word of each term), unless the text holds one of the few non-ASCII letters
    that case-insensitive matching folds onto ASCII ones."""

    FOLDS_TO_ASCII = ("\u017f", "\u212a", "\u0131", "\u0130")  # long s, Kelvin, dotless i, İ

    def __init__(self, spec: MatchSpec) -> None:
        terms = [term for group in spec.groups for term in group]
        # With threshold <= near_miss a score of 0 is a near miss: keep the matcher's say.
        usable = bool(terms) and spec.threshold - spec.near_miss > 0
        alternation = "|".join(term_body(term) for term in terms)
        self._pattern = (re.compile(f"(?<!\\w)(?:{alternation})(?!\\w)", re.IGNORECASE)
                         if usable else None)
        self._words = tuple({max(re.split(r"[\s\-]+", normalize(t).strip()), key=len).lower()
                             for t in terms})

    def could_match(self, title: str, text: str) -> bool:
        if self._pattern is None:
            return True
        whole = normalize(f"{title}\n{text}")
        lowered = whole.lower()
        if not any(word in lowered for word in self._words) and not any(
                char in whole for char in self.FOLDS_TO_ASCII):
            return False
        return self._pattern.search(whole) is not None

    @staticmethod
    def no_match(storyline_id: str) -> MatchResult:
        return MatchResult(storyline_id, False, 0.0,
                           {"matched": False, "reason": "no group mentioned", "score": 0.0})


class Rederiver:
    """The match and status stages over stored articles, for the selected storylines."""

    def __init__(self, settings: Settings, specs: Sequence[StorylineSpec],
                 sessions: sessionmaker[Session], *, notify: bool = False) -> None:
        self.settings = settings
        self.specs = {spec.id: spec for spec in specs}
        self.sessions = sessions
        self.notify = notify
        self.matchers: dict[str, Matcher] = {}
        self.gates: dict[str, GroupGate] = {}

    def load(self) -> None:
        """Fit the matchers as Pipeline.load does (no dedup index: stories are kept)."""
        with self.sessions() as session:
            background = matches_repo.background_texts(session, BACKGROUND_ARTICLES)
            for spec in self.specs.values():
                seeds = storylines_repo.seed_texts(session, spec.id)
                self.matchers[spec.id] = Matcher.build(spec, seeds, background)
                self.gates[spec.id] = GroupGate(spec.match)

    def rematch(self, articles: Sequence[ReplayArticle], carried: CarriedAlerts,
                commit: Callable[[Session], None]) -> list[ArticleOutcome]:
        """Match and observe a batch of stored articles again, each at its publication time,
        in one transaction that `commit` ends with (the backfill position). Carried alerts
        a re-derived change takes over are removed from `carried`."""
        with transaction(self.sessions) as session:
            outcomes = [self._rematch_one(session, article, carried) for article in articles]
            commit(session)
        return outcomes

    def _rematch_one(self, session: Session, article: ReplayArticle,
                     carried: CarriedAlerts) -> ArticleOutcome:
        now = article.published_at
        report = Report(article_id=article.article_id, story_id=article.story_id,
                        url=article.url, outlet=article.outlet, title=article.title,
                        published_at=article.published_at)
        matches: list[MatchResult] = []
        changes: list[RecordedChange] = []
        if article.duplicate_of is None:
            for spec in self.specs.values():
                if not self.gates[spec.id].could_match(article.title, article.text):
                    matches.append(GroupGate.no_match(spec.id))
                    continue
                result = match_article(session, spec, self.matchers[spec.id], article.title,
                                       article.text, article.published_at)
                matches_repo.save_match(session, article.article_id, article.story_id,
                                        result, now)
                matches.append(result)
                if result.matched:
                    changes.extend(self._observe(session, spec, article, report, carried))
        elif backfill_repo.is_new_outlet(session, article):
            for observation, original in storylines_repo.observations_for_story(
                    session, article.story_id):
                observed = self.specs.get(observation.storyline_id)
                if observed is not None:
                    changes.extend(self._decide(session, observed, observation, original, now,
                                                carried))
        return ArticleOutcome(
            url=article.url, published_at=article.published_at, stored=False,
            article_id=article.article_id, story_id=article.story_id,
            duplicate_of=article.duplicate_of, matches=tuple(matches), changes=tuple(changes))

    def _observe(self, session: Session, spec: StorylineSpec, article: ReplayArticle,
                 report: Report, carried: CarriedAlerts) -> list[RecordedChange]:
        observation = status.observe(spec, article.title, article.text, article.published_at)
        if observation is None:
            return []
        storylines_repo.add_observation(session, observation, report, article.published_at)
        return self._decide(session, spec, observation, report, article.published_at, carried)

    def _decide(self, session: Session, spec: StorylineSpec, observation: Observation,
                report: Report, now: datetime, carried: CarriedAlerts) -> list[RecordedChange]:
        change = decide_change(session, spec, observation, report, now)
        if change is None:
            return []
        change_id = storylines_repo.record_change(session, change)
        key = backfill_repo.change_key(spec.id, change.to_status, change.facts_after)
        taken = carried.pop(key, None)
        if taken:
            alert_ids = backfill_repo.restore_alerts(session, change_id, spec.id, taken)
        else:
            channel = spec.channel or self.settings.slack.channel
            alert_ids = alerts_repo.enqueue(session, change_id, spec.id, [channel], now,
                                            suppressed=not self.notify)
        log.info("status.rederived", storyline=spec.id, change_id=change_id,
                 from_status=change.from_status, to_status=change.to_status,
                 facts=change.facts_after, url=report.url, alert_carried=bool(taken))
        return [RecordedChange(change_id, change, tuple(alert_ids)),
                *self._waiting(session, spec, change, now, carried)]

    def _waiting(self, session: Session, spec: StorylineSpec, change: StatusChange,
                 now: datetime, carried: CarriedAlerts) -> list[RecordedChange]:
        """As the pipeline: the recent reports that waited for the state just reached."""
        for observation, report in waiting_reports(session, spec, change):
            recorded = self._decide(session, spec, observation, report, now, carried)
            if recorded:
                return recorded
        return []
