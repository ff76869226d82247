"""The schema of a storyline definition (config/storylines/*.toml), validated by pydantic.

A storyline says what an article must be about (match), which statuses it moves through and
the cues that signal each (statuses), which moves are allowed (transitions) and how much
corroboration a change needs."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SEED_MANIFEST = "seeds.toml"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatchSpec(Spec):
    groups: tuple[tuple[str, ...], ...] = Field(
        description="Each group lists alternatives; an article must mention one of every group")
    exclude: tuple[str, ...] = Field((), description="An article mentioning any of these is out")
    focus: tuple[str, ...] = Field(
        (), description="Regular expressions (case-insensitive, per sentence) that show an "
        "article is about the event itself, not naming the entities in passing")
    elsewhere: tuple[str, ...] = Field(
        (), description="Regular expressions (case-insensitive) for a title or lead sentence "
        "about the same entities at another event (Kim's trip to Russia): naming every group "
        "there earns no focus")
    focus_weight: float = Field(
        0.5, ge=0, le=1, description="Share of the score from focus hits (the rest: similarity)")
    threshold: float = Field(0.15, ge=0, le=1, description="Relevance score needed to match")
    near_miss: float = Field(0.05, ge=0, le=1, description="Non-matches this close are kept")

    @field_validator("focus", "elsewhere")
    @classmethod
    def _check_focus(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns


def _check_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern.replace("{place}", "x").replace("{actor}", "x"))
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return patterns


class StatusSpec(Spec):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str = ""
    cues: tuple[str, ...] = Field(
        (), description="Regular expressions matched per sentence (case-insensitive); "
        "{place} and {actor} stand for the alternatives of [status_rules]")
    also: tuple[str, ...] = Field(
        (), description="If set, one of these must match the cue sentence too")
    unless: tuple[str, ...] = Field(
        (), description="A cue sentence matching any of these does not signal this status")
    facts: tuple[str, ...] = Field(
        (), description="Facts this status carries, e.g. visit_date; the first is the key "
        "fact, required in the cue sentence (a date of the event, not of another one)")
    hedged_as: str | None = Field(
        None, description="A cue sentence matching [status_rules].hedges signals this "
        "status instead (a date from sources is not an announced date)")
    setback: bool = Field(
        False, description="Reached only through a declared transition, with backward "
        "corroboration (cancelled, postponed)")
    not_before_fact: str | None = Field(
        None, description="Ignore this status in articles published over a day before the "
        "storyline's fact of this name (an arrival reported before the visit date)")

    @field_validator("cues", "also", "unless")
    @classmethod
    def _check_cues(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(patterns)


class StatusRulesSpec(Spec):
    """How status cues are read: whom and where the sentence must be about, what vetoes it."""

    actor: tuple[str, ...] = Field(
        (), description="Regexes naming the storyline's subject (Putin); a cue sentence must "
        "name one, or start with a pronoun after a sentence that did")
    place: tuple[str, ...] = Field(
        (), description="Regexes naming the event's place or host ({place} in cues); a cue "
        "sentence must name one")
    other_places: tuple[str, ...] = Field(
        (), description="Places of other events: a date nearer one of these than a {place} "
        "is not the event's date")
    other_actors: tuple[str, ...] = Field(
        (), description="People whose own trips are not the event (ministers, delegations): a cue "
        "whose nearest preceding person is one of them, not an {actor}, is not read")
    negations: tuple[str, ...] = Field(
        (), description="Denials and attributions: a sentence matching one signals nothing")
    history: tuple[str, ...] = Field(
        (), description="Recaps of other or past events: a sentence matching one signals "
        "nothing (years other than the article's are checked in code)")
    hedges: tuple[str, ...] = Field(
        (), description="Unofficial wording (sources, may, could) for statuses with hedged_as")
    ignore: tuple[str, ...] = Field(
        (), description="Phrases removed before the history check (\"first visit since 2000\")")

    @field_validator("actor", "place", "other_places", "other_actors", "negations", "history",
                     "hedges", "ignore")
    @classmethod
    def _check_rules(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(patterns)


class CorroborationSpec(Spec):
    forward: int = Field(1, ge=1, description="Distinct outlets needed for a forward move")
    backward: int = Field(2, ge=1, description="Distinct outlets needed to cancel/move back")
    fact_change: int = Field(
        2, ge=1, description="Distinct outlets needed to move a key fact (the date moves)")
    unanchored: int = Field(
        1, ge=1, description="Distinct outlets needed to reach a status with not_before_fact "
        "while that fact is unknown (an arrival before any announced date)")
    trusted: tuple[str, ...] = Field((), description="Outlets whose word alone suffices")
    window_days: float = Field(
        3, gt=0, description="Reports corroborate each other only when published at most "
        "this many days apart (the same news, not an old sentence read the same way)")


class SeedMeta(Spec):
    """One entry of seeds/seeds.toml: a seed article's metadata."""

    file: str
    outlet: str
    title: str
    published: date | datetime
    published_precision: Literal["exact", "day", "approximate"] = "day"
    language: str = "en"
    url: str | None = None
    note: str = ""


class StorylineSpec(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    channel: str | None = Field(None, description="Slack channel (default: [slack].channel)")
    language: str = "en"
    seeds: tuple[str, ...] = Field((), description="Seed article files, relative to the project")
    match: MatchSpec
    statuses: tuple[StatusSpec, ...]
    transitions: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="status -> statuses it may move to (besides forward)")
    corroboration: CorroborationSpec = CorroborationSpec()
    status_rules: StatusRulesSpec = StatusRulesSpec()

    @model_validator(mode="after")
    def _check_statuses(self) -> StorylineSpec:
        ids = [s.id for s in self.statuses]
        if len(set(ids)) != len(ids):
            raise ValueError(f"statuses: duplicate status ids in {ids}")
        for source, targets in self.transitions.items():
            for status in (source, *targets):
                if status not in ids:
                    raise ValueError(f"transitions: unknown status {status!r}")
        for status_spec in self.statuses:
            if status_spec.hedged_as is not None and status_spec.hedged_as not in ids:
                raise ValueError(f"statuses: {status_spec.id}: unknown hedged_as "
                                 f"{status_spec.hedged_as!r}")
        return self

    def status(self, status_id: str) -> StatusSpec:
        """The status of this id (KeyError if the storyline has none)."""
        for status_spec in self.statuses:
            if status_spec.id == status_id:
                return status_spec
        raise KeyError(status_id)

    def status_ids(self) -> list[str]:
        return [s.id for s in self.statuses]

    def file_problems(self, base_dir: Path) -> list[str]:
        """Problems with the files this storyline names (missing seeds, missing metadata)."""
        problems = []
        for i, seed in enumerate(self.seeds):
            path = base_dir / seed
            if not path.is_file():
                problems.append(f"seeds.{i}: seed file {seed} not found")
                continue
            try:
                meta = load_seed_meta(path)
            except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
                reason = str(exc).splitlines()[0]
                problems.append(f"seeds.{i}: {path.parent / SEED_MANIFEST} is invalid: {reason}")
                continue
            if meta is None:
                problems.append(f"seeds.{i}: {seed} has no entry in {path.parent / SEED_MANIFEST}")
        return problems


def load_seed_manifest(directory: Path) -> dict[str, SeedMeta]:
    """seeds.toml of `directory`: file name -> metadata."""
    manifest = directory / SEED_MANIFEST
    if not manifest.is_file():
        return {}
    with manifest.open("rb") as fh:
        raw = tomllib.load(fh)
    metas = [SeedMeta.model_validate(entry) for entry in raw.get("seed", [])]
    return {m.file: m for m in metas}


def load_seed_meta(path: Path) -> SeedMeta | None:
    return load_seed_manifest(path.parent).get(path.name)
