"""The schema of a storyline: the file a user writes (StorylineFile, config/storylines/*.toml)
and the spec the reader runs on (StorylineSpec), validated by pydantic.

A storyline file is short: id, title, kind, seeds and the roles of its event, plus optional
overrides. Its kind (monitor.storylines.kinds) turns it into a StorylineSpec: what an article
must be about (match), which statuses it moves through and the cues that signal each
(statuses), which moves are allowed (transitions) and how much corroboration a change
needs."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

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
        "about the same entities at another event (the host's own trip the other way): naming "
        "every group there earns no focus")
    focus_weight: float = Field(
        0.5, ge=0, le=1, description="Share of the score from focus hits (the rest: similarity)")
    threshold: float = Field(0.15, ge=0, le=1, description="Relevance score needed to match")
    near_miss: float = Field(0.05, ge=0, le=1, description="Non-matches this close are kept")
    since: date | None = Field(
        None, description="Articles published before this day are not about the storyline "
        "(default: the day before its earliest dated seed)")
    days_after_end: float = Field(
        14, ge=0, description="Once the event has begun (under way, concluded), reports "
        "published up to this many days later are still matched (wrap-ups, reactions); later "
        "ones are another story (the next trip, a phone call)")

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
    cue_names: tuple[str, ...] = Field(
        (), description="The name of each cue's family, in the order of `cues`")
    also: tuple[str, ...] = Field(
        (), description="If set, one of these must match the cue sentence too")
    today_as: str | None = Field(
        None, description="A reading dated the day of publication, in present tense without "
        "future wording, signals this status instead (\"Lula meets Xi, Wednesday, Nov. 15\" "
        "on Wednesday: the meeting is under way)")
    unless_in_clause: tuple[str, ...] = Field(
        (), description="Like `unless`, but only in the cue's own clause, up to the cue: "
        "\"is expected to arrive\" is no arrival, \"arrived, where he will meet\" is")
    within_weeks: bool = Field(
        False, description="With `also`: a month, or part of one, that starts within six weeks "
        "counts as a timeframe too (\"in September\" on 4 September)")
    unless: tuple[str, ...] = Field(
        (), description="A cue sentence matching any of these does not signal this status")
    facts: tuple[str, ...] = Field(
        (), description="Facts this status carries, e.g. visit_date; the first is the key "
        "fact, required in the cue sentence (a date of the event, not of another one)")
    hedged_as: str | None = Field(
        None, description="A cue sentence matching [status_rules].hedges signals this "
        "status instead (a date from sources is not an announced date)")
    doubted_as: str | None = Field(
        None, description="A cue sentence matching [status_rules].possibility signals this "
        "status instead (a trip that could happen within days is only proposed)")
    setback: bool = Field(
        False, description="Reached only through a declared transition, with backward "
        "corroboration (cancelled, postponed)")
    not_before_fact: str | None = Field(
        None, description="Ignore this status in articles published over a day before the "
        "storyline's fact of this name (an arrival reported before the visit date)")

    @field_validator("cues", "also", "unless", "unless_in_clause")
    @classmethod
    def _check_cues(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(patterns)


class StatusRulesSpec(Spec):
    """How status cues are read: whom and where the sentence must be about, what vetoes it."""

    actor: tuple[str, ...] = Field(
        (), description="Regexes naming the storyline's subject (the visitor); a cue sentence must "
        "name one, or start with a pronoun after a sentence that did")
    place: tuple[str, ...] = Field(
        (), description="Regexes naming the event's place or host ({place} in cues); a cue "
        "sentence must name one")
    where: tuple[str, ...] = Field(
        (), description="Regexes naming only the event's location (default: `place`): a "
        "clause that names another place and not one of these is about elsewhere")
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
    official: tuple[str, ...] = Field(
        (), description="An announcement by a government body: its date may pass over a stage "
        "on one outlet's word")
    recalls: tuple[str, ...] = Field(
        (), description="A plan recalled as one that fell (\"was supposed to\"): no forward "
        "status, though it may carry the news of a setback")
    hedges: tuple[str, ...] = Field(
        (), description="Unofficial wording (sources, may, could) for statuses with hedged_as")
    possibility: tuple[str, ...] = Field(
        (), description="Wording of a mere possibility (could, possible) for statuses with "
        "doubted_as")
    ignore: tuple[str, ...] = Field(
        (), description="Phrases removed before the history check (\"first visit since 2000\")")

    @field_validator("actor", "place", "where", "other_places", "other_actors", "negations",
                     "history", "recalls", "official", "hedges", "possibility", "ignore")
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
    skip: int = Field(
        2, ge=1, description="Distinct outlets needed for a forward move that passes over a "
        "stage (proposed straight to scheduled)")
    trusted: tuple[str, ...] = Field((), description="Outlets whose word alone suffices")
    window_days: float = Field(
        3, gt=0, description="Reports corroborate each other only when published at most "
        "this many days apart (the same news, not an old sentence read the same way)")
    resume_after_days: float = Field(
        3, ge=0, description="After a cancellation or postponement, only reports published "
        "this many days later can revive the event (the next days' reports recall the plan)")


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
    kind: str = ""
    roles: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Role -> aliases, as the storyline file gives them")
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
            for target in (status_spec.hedged_as, status_spec.doubted_as, status_spec.today_as):
                if target is not None and target not in ids:
                    raise ValueError(f"statuses: {status_spec.id}: unknown status {target!r}")
        return self

    def cue_name(self, status_id: str, pattern: str) -> str:
        """The family name of one of a status's cues (the pattern itself when unnamed)."""
        status_spec = self.status(status_id)
        for cue, name in zip(status_spec.cues, status_spec.cue_names, strict=False):
            if cue == pattern:
                return name
        return pattern

    def status(self, status_id: str) -> StatusSpec:
        """The status of this id (KeyError if the storyline has none)."""
        for status_spec in self.statuses:
            if status_spec.id == status_id:
                return status_spec
        raise KeyError(status_id)

    def status_ids(self) -> list[str]:
        return [s.id for s in self.statuses]


def seed_problems(seeds: Any, base_dir: Path) -> list[str]:
    """`seeds.N: problem` for each seed file that is missing or whose metadata is invalid (a
    seed without an entry in seeds.toml is fine: its metadata is read from the file)."""
    if not isinstance(seeds, list | tuple):
        return []
    problems = []
    for i, seed in enumerate(seeds):
        if not isinstance(seed, str):
            continue
        path = base_dir / seed
        if not path.is_file():
            problems.append(f"seeds.{i}: seed file {seed} not found")
            continue
        try:
            load_seed_meta(path)
        except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
            reason = str(exc).splitlines()[0]
            problems.append(f"seeds.{i}: {path.parent / SEED_MANIFEST} is invalid: {reason}")
    return problems


class MatchOverrides(Spec):
    """[match] of a storyline file: how strict relevance is."""

    threshold: float = Field(0.5, ge=0, le=1, description="Relevance score needed to match")
    near_miss: float = Field(0.25, ge=0, le=1, description="Non-matches this close are kept")
    focus_weight: float = Field(
        0.5, ge=0, le=1, description="Share of the score from sentences about the event itself "
        "(the rest: similarity to the seeds)")
    exclude: tuple[str, ...] = Field(
        (), description="Words or names that put an article out (\"anniversary\")")
    days_after_end: float = Field(
        14, ge=0, description="Days after the event began during which reports are still "
        "matched")


class CorroborationOverrides(Spec):
    """[corroboration] of a storyline file: any field of CorroborationSpec, each optional."""

    forward: int | None = Field(None, ge=1)
    backward: int | None = Field(None, ge=1)
    fact_change: int | None = Field(None, ge=1)
    unanchored: int | None = Field(None, ge=1)
    skip: int | None = Field(None, ge=1)
    trusted: tuple[str, ...] | None = None
    window_days: float | None = Field(None, gt=0)
    resume_after_days: float | None = Field(None, ge=0)


class StorylineFile(Spec):
    """A storyline as its file gives it (config/storylines/*.toml): everything but id, title,
    kind, seeds and roles is optional, with the kind's defaults."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    kind: str = Field(description="visit or meeting (monitor.storylines.kinds)")
    seeds: tuple[str, ...] = Field(description="Seed article files, relative to the project")
    roles: dict[str, Any] = Field(description="The event's roles and their aliases")
    description: str = ""
    channel: str | None = Field(None, description="Slack channel (default: [slack].channel)")
    language: str = "en"
    match: MatchOverrides = MatchOverrides()
    since: date | None = Field(
        None, description="The storyline's first day: older reports are background, neither "
        "matched nor read (default: the day before its earliest seed with a known date)")
    cues: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="status -> extra cue patterns (regular expressions, "
        "case-insensitive, per sentence; the kind's slots such as {visitor} may be used)")
    corroboration: CorroborationOverrides = CorroborationOverrides()

    @model_validator(mode="after")
    def _check_kind(self) -> StorylineFile:
        problems = definition_problems(self.kind, self.roles, self.cues)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def role_aliases(self) -> dict[str, list[str]]:
        """Role -> aliases; a meeting's `parties` become `party_a` and `party_b`."""
        aliases: dict[str, list[str]] = {}
        for name, value in self.roles.items():
            if name == "parties":
                aliases["party_a"], aliases["party_b"] = list(value[0]), list(value[1])
            else:
                aliases[name] = list(value)
        return aliases


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


def definition_problems(kind_name: Any, roles: Any, cues: Any) -> list[str]:
    """`key.path: problem` for a storyline file's kind, roles and extra cues (checked together
    because the kind decides which roles and statuses exist). Tolerates any input types."""
    from monitor.storylines.kinds import KINDS

    kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        return [f"kind: unknown kind {kind_name!r} (known: {', '.join(KINDS)})"]
    problems = kind.role_problems(roles) if isinstance(roles, dict) else []
    status_ids = [s.id for s in kind.statuses]
    for status_id, patterns in (cues.items() if isinstance(cues, dict) else ()):
        if status_id not in status_ids:
            problems.append(f"cues.{status_id}: unknown status (known: {', '.join(status_ids)})")
            continue
        for i, pattern in enumerate(patterns if isinstance(patterns, list | tuple) else ()):
            try:
                re.compile(re.sub(r"\{[a-z_]+\}", "x", str(pattern)))
            except re.error as exc:
                problems.append(f"cues.{status_id}.{i}: invalid regular expression "
                                f"{pattern!r}: {exc}")
    return problems


def with_seed_start(spec: StorylineSpec, base_dir: Path) -> StorylineSpec:
    """The spec with its first day (`match.since`) set, unless the file sets one: the day
    before its earliest seed whose publication day seeds.toml gives. A storyline is about
    what happens from its seeds on; older reports that share its words are background
    (an earlier meeting of the same people, the trip of a year before)."""
    if spec.match.since is not None:
        return spec
    days: list[date] = []
    for seed in spec.seeds:
        try:
            meta = load_seed_meta(base_dir / seed)
        except (OSError, tomllib.TOMLDecodeError, ValidationError):
            continue
        if meta is not None and meta.published_precision != "approximate":
            published = meta.published
            days.append(published.date() if isinstance(published, datetime) else published)
    return starting_before(spec, days)


def starting_before(spec: StorylineSpec, seed_days: Sequence[date]) -> StorylineSpec:
    """The spec whose first day is the day before the earliest of its seeds' days (unchanged
    when the file sets `since`, or no seed day is known)."""
    if spec.match.since is not None or not seed_days:
        return spec
    since = min(seed_days) - timedelta(days=1)
    return spec.model_copy(update={"match": spec.match.model_copy(update={"since": since})})
