"""Seed articles: the example texts a storyline is seeded with (seeds/*.txt + seeds.toml).

Seeds are loaded into storyline_seeds on every start (the matcher's reference texts) and
replayed as articles by `monitor backfill --source seeds`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from monitor.errors import ConfigError
from monitor.records import ArticleDraft, DatePrecision
from monitor.storylines.spec import SeedMeta, StorylineSpec, load_seed_meta, starting_before


@dataclass(frozen=True, slots=True)
class Seed:
    storyline_id: str
    key: str
    url: str
    outlet: str
    title: str
    published_at: datetime
    published_precision: DatePrecision
    language: str
    text: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def draft(self) -> ArticleDraft:
        return ArticleDraft(
            url=self.url, outlet=self.outlet, title=self.title, text=self.text,
            published_at=self.published_at, text_source="seed",
            published_precision=self.published_precision, language=self.language)


def load_seeds(spec: StorylineSpec, base_dir: Path) -> list[Seed]:
    """The storyline's seeds in publication order. Raises ConfigError for a missing file."""
    seeds = []
    for i, name in enumerate(spec.seeds):
        path = base_dir / name
        if not path.is_file():
            raise ConfigError([f"storyline {spec.id}: seeds.{i}: seed file {name} not found"])
        meta = load_seed_meta(path) or _meta_from_text(path)
        published = meta.published
        if not isinstance(published, datetime):
            published = seed_published(published)
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        seeds.append(Seed(
            storyline_id=spec.id, key=path.stem,
            url=meta.url or f"urn:monitor:seed:{path.stem}", outlet=meta.outlet,
            title=meta.title, published_at=published.astimezone(UTC),
            published_precision=meta.published_precision, language=meta.language,
            text=path.read_text(encoding="utf-8")))
    return sorted(seeds, key=lambda s: (s.published_at, s.key))


def _meta_from_text(path: Path) -> SeedMeta:
    """Metadata of a seed without an entry in seeds.toml: its first line as the title, the
    file's modification day as an approximate publication day."""
    text = path.read_text(encoding="utf-8")
    title = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    day = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
    return SeedMeta(file=path.name, outlet=f"seed {path.stem}", title=title[:200],
                    published=day, published_precision="approximate")


def text_key(text: str) -> str:
    """A seed's text as a key that ignores layout: the same excerpt from a file or a feed."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def dated_by_replay(spec: StorylineSpec, seed_texts: Sequence[str],
                    drafts: Sequence[ArticleDraft]) -> StorylineSpec:
    """The spec with its first day taken from the replayed items, when its seeds carry no
    date of their own (no entry in seeds.toml) but are among the items: a storyline starts
    the day before its earliest seed."""
    if spec.match.since is not None or not seed_texts:
        return spec
    keys = {text_key(t) for t in seed_texts}
    return starting_before(spec, [d.published_at.date() for d in drafts
                                  if text_key(d.text) in keys])


def seed_published(day: date) -> datetime:
    """Seeds known to the day are placed at noon UTC, mid-day in every timezone involved."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)
