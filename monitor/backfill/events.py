"""The backfill's event stream (`--format jsonl`, one JSON object per line), built from the
pipeline's outcomes: `article` for every item replayed, `status_change` for each change it
caused, and `alert` for each alert row of that change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.db import alerts as alerts_repo
from monitor.pipeline import ArticleOutcome
from monitor.records import ArticleDraft, Report


def _iso(when: datetime) -> str:
    return when.isoformat()


def article_event(outcome: ArticleOutcome, draft: ArticleDraft | None) -> dict[str, Any]:
    """`stored` is false for an article that was already stored (nothing written) and for
    the `db` source's re-derivation (the article was stored before)."""
    return {
        "type": "article", "url": outcome.url, "published": _iso(outcome.published_at),
        "outlet": draft.outlet if draft else None, "stored": outcome.stored,
        "story_id": outcome.story_id, "duplicate_of": outcome.duplicate_of,
        "matches": [{"storyline": m.storyline_id, "score": m.score, "matched": m.matched}
                    for m in outcome.matches],
    }


def _report(report: Report) -> dict[str, Any]:
    return {"outlet": report.outlet, "url": report.url, "published": _iso(report.published_at)}


def change_events(session: Session, outcome: ArticleOutcome) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for recorded in outcome.changes:
        change = recorded.change
        events.append({
            "type": "status_change", "id": recorded.change_id,
            "storyline": change.storyline_id, "from": change.from_status,
            "to": change.to_status, "facts": dict(change.facts_after),
            "facts_before": dict(change.facts_before), "evidence": change.evidence,
            "url": change.report.url, "outlet": change.report.outlet,
            "published": _iso(change.report.published_at),
            "corroboration": [_report(r) for r in change.corroborating],
        })
        for alert_id in recorded.alert_ids:
            row = alerts_repo.get(session, alert_id)
            if row is None:
                continue
            events.append({
                "type": "alert", "id": row.id, "status_change": recorded.change_id,
                "storyline": row.storyline_id, "channel": row.channel, "state": row.state,
                "slack_ts": row.slack_ts,
            })
    return events
