"""The service behind `monitor storylines explain` and `suggest`: read an article from a file
or a URL (through monitor.ingest, under the same HTTP rules as the daemon) and explain how
a storyline's matcher decides on it, storing nothing; or suggest a [match] table from seeds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from monitor.config import HttpSettings
from monitor.db import matches as matches_repo
from monitor.db import storylines as storylines_repo
from monitor.errors import InputError
from monitor.ingest.extract import extract_fields
from monitor.ingest.fetch import HTML_TYPES, PAGE_ACCEPT, Fetcher
from monitor.records import MatchResult
from monitor.storylines import status
from monitor.storylines.match import Matcher
from monitor.storylines.spec import StorylineSpec, load_seed_meta

BACKGROUND_ARTICLES = 2000
"""Stored articles used as the IDF background (as many as the pipeline uses)."""
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MAX_TITLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class ArticleText:
    source: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Reading:
    """What the status reader takes from the article: the status, its facts, the cue family
    and the roles named in the evidence sentence, and the sentences it set aside."""

    status: str
    facts: dict[str, str]
    evidence: str
    explanation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Explanation:
    storyline_id: str
    source: str
    title: str
    words: int
    matched: bool
    near_miss: bool
    score: float
    explanation: dict[str, Any]
    reading: Reading | None = None
    published: str | None = None


def read_article(path: Path) -> ArticleText:
    """An article from a file: HTML is extracted; plain text takes its title from the seed
    manifest beside it, or from a short first line followed by a blank line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    if path.suffix.lower() in HTML_SUFFIXES:
        return _from_html(raw, path.resolve().as_uri(), str(path))
    text = raw.decode("utf-8", errors="replace")
    meta = load_seed_meta(path)
    if meta is not None:
        return ArticleText(str(path), meta.title, text)
    first, sep, rest = text.lstrip().partition("\n")
    if sep and rest.startswith(("\n", "\r\n")) and len(first.strip()) <= MAX_TITLE_CHARS:
        return ArticleText(str(path), first.strip(), rest.strip())
    return ArticleText(str(path), "", text)


def fetch_article(url: str, settings: HttpSettings) -> ArticleText:
    """An article page fetched under the daemon's HTTP rules, its text extracted."""
    return asyncio.run(_fetch(url, settings))


async def _fetch(url: str, settings: HttpSettings) -> ArticleText:
    async with Fetcher(settings) as fetcher:
        result = await fetcher.get(url, accept=PAGE_ACCEPT, content_types=(*HTML_TYPES,
                                                                           "text/plain"))
    if result.skipped:
        raise InputError(f"{url}: not an article page ({result.skipped})")
    if (result.content_type or "").startswith("text/plain"):
        return ArticleText(result.url, "", result.body.decode("utf-8", errors="replace"))
    return _from_html(result.body, result.url, result.url)


def _from_html(html: bytes, url: str, source: str) -> ArticleText:
    fields = extract_fields(html, url)
    if not fields or not fields.get("text"):
        raise InputError(f"{source}: no article text found in the page")
    return ArticleText(source, fields.get("title") or "", fields["text"] or "")


def build_matcher(session: Session, spec: StorylineSpec) -> Matcher:
    """The matcher the pipeline would use: the stored seeds and background."""
    seeds = storylines_repo.seed_texts(session, spec.id)
    background = matches_repo.background_texts(session, BACKGROUND_ARTICLES)
    return Matcher.build(spec, seeds, background)


def explain(matcher: Matcher, article: ArticleText, spec: StorylineSpec | None = None,
            published: datetime | None = None) -> Explanation:
    """The match decision and, given the spec and a publication time, the status reading
    (which the pipeline makes only for a matched article)."""
    result: MatchResult = matcher.match(article.title, article.text, published)
    reading = None
    if spec is not None and published is not None:
        observed = status.observe(spec, article.title, article.text, published)
        if observed is not None:
            reading = Reading(observed.status, observed.facts, observed.evidence,
                              observed.explanation)
    return Explanation(
        storyline_id=result.storyline_id, source=article.source, title=article.title,
        words=len(article.text.split()), matched=result.matched, near_miss=result.near_miss,
        score=result.score, explanation=result.explanation, reading=reading,
        published=published.isoformat() if published else None)
