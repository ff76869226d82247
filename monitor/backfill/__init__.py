"""Backfill: replay history through the live pipeline (DESIGN.md "One pipeline, two drivers").

The daemon and backfill drive the same stages; backfill only swaps the source of items and the
clock. Sources: `seeds`, `db` (stored articles, re-derived after a storyline changed), `feeds`
(the configured feeds' current items), a JSONL file, a directory of article files, archived
feed XML files. `resolve_source` names them; `replay_drafts` / `replay_database` run them.
"""

from __future__ import annotations

from pathlib import Path

from monitor.backfill.driver import (
    BackfillOptions,
    BackfillSummary,
    Event,
    NoProgress,
    Progress,
    Replay,
    replay_database,
    replay_drafts,
    source_key,
)
from monitor.backfill.dryrun import throwaway_copy
from monitor.backfill.feeds import FEED_SUFFIXES, archive_source, live_feeds_source
from monitor.backfill.files import HTML_SUFFIXES, TEXT_SUFFIXES, directory_source, jsonl_source
from monitor.backfill.sources import InputProblem, LoadedSource, seeds_source
from monitor.errors import InputError

__all__ = [
    "BackfillOptions", "BackfillSummary", "Event", "InputProblem", "LoadedSource", "NoProgress",
    "Progress", "Replay", "archive_source", "directory_source", "jsonl_source",
    "live_feeds_source", "replay_database", "replay_drafts", "resolve_source", "seeds_source",
    "source_key", "throwaway_copy",
]

KINDS = ("seeds", "db", "feeds", "jsonl", "dir", "feed-archive")


def resolve_source(spec: str) -> tuple[str, Path | None]:
    """`seeds`, `db`, `feeds`, `KIND:PATH` (jsonl, dir, feed-archive) or a PATH whose kind is
    guessed: a .jsonl file, a feed file, a directory of feed files (feed-archive) or of
    article files (dir). Raises InputError."""
    if spec in ("seeds", "db", "feeds"):
        return spec, None
    kind, sep, rest = spec.partition(":")
    if sep and kind in KINDS:
        path = Path(rest)
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        return kind, path
    path = Path(spec)
    if not path.exists():
        raise InputError(f"--source {spec}: not seeds, db, feeds, or an existing file or "
                         f"directory")
    if path.is_file():
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return "jsonl", path
        if path.suffix.lower() in FEED_SUFFIXES:
            return "feed-archive", path
        raise InputError(f"{path}: unknown file type (use jsonl:PATH or feed-archive:PATH)")
    suffixes = {p.suffix.lower() for p in path.rglob("*") if p.is_file()}
    if suffixes & {*HTML_SUFFIXES, *TEXT_SUFFIXES}:
        return "dir", path
    if suffixes & set(FEED_SUFFIXES):
        return "feed-archive", path
    raise InputError(f"{path}: no article files (.html, .txt, .md) or feed files (.xml, .rss, "
                     f".atom) found")
