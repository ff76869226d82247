"""The parts a kind is made of (Cue, Role, StatusRule, Kind) and how a kind and a storyline's
roles become the StorylineSpec the reader runs on.

A pattern is a regular expression (case-insensitive, read per sentence) with slots:
- a role's slot, `{visitor}`, `{destination}`, ...: any alias the storyline gives that role;
- `{actor}` and `{place}`: what the kind declares as the event's subject and its place;
- `{elsewhere}`: a place the roles do not name ("arrived in Hanoi"), see ELSEWHERE;
- `{someone}`: a person who is none of the roles ("the foreign minister"), see SOMEONE.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from monitor.storylines.kinds import reporting
from monitor.storylines.kinds.cue import Cue
from monitor.storylines.spec import (
    CorroborationSpec,
    MatchSpec,
    StatusRulesSpec,
    StatusSpec,
    StorylineFile,
    StorylineSpec,
)
from monitor.storylines.terms import term_body

Roles = Mapping[str, Sequence[str]]
"""Role name -> aliases (a meeting's parties: `party_a`, `party_b`)."""

NEVER = r"(?!x)x"
"""A pattern that matches nothing (a role the storyline does not give)."""


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    description: str
    required: bool = True
    pairs: bool = False
    """A list of alias lists (the parties of a meeting) rather than one alias list."""


@dataclass(frozen=True, slots=True)
class StatusRule:
    id: str
    title: str
    description: str
    cues: tuple[Cue, ...]
    also: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    unless_in_clause: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    hedged_as: str | None = None
    doubted_as: str | None = None
    within_weeks: bool = False
    today_as: str | None = None
    setback: bool = False
    not_before_fact: str | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """Everything about how one kind of event is reported. `slots` turns a storyline's roles
    into the pattern of every slot the kind's patterns use ({actor}, {place}, role names)."""

    name: str
    description: str
    roles: tuple[Role, ...]
    statuses: tuple[StatusRule, ...]
    slots: Callable[[Roles], dict[str, str]]
    """The storyline's roles -> the regex of every slot the kind's patterns use."""
    focus: tuple[Cue, ...]
    elsewhere: tuple[Cue, ...] = ()
    transitions: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(reporting.SETBACK_TRANSITIONS))
    corroboration: CorroborationSpec = field(default_factory=lambda: CorroborationSpec(
        forward=1, skip=2, unanchored=2, backward=2, fact_change=2, window_days=3))
    negations: tuple[Cue, ...] = reporting.NEGATIONS
    history: tuple[Cue, ...] = reporting.HISTORY
    recalls: tuple[Cue, ...] = reporting.RECALLS
    hedges: tuple[Cue, ...] = reporting.HEDGES
    possibility: tuple[Cue, ...] = reporting.POSSIBILITY
    ignore: tuple[Cue, ...] = reporting.IGNORE
    groups: Callable[[Roles], list[list[str]]] = lambda roles: []
    """The storyline's roles -> the entity groups an article must mention (one of each)."""

    def role_problems(self, roles: Mapping[str, object]) -> list[str]:
        """`roles.NAME: problem` for each missing, unknown or malformed role."""
        problems = []
        known = {r.name for r in self.roles}
        for name in roles:
            if name not in known:
                problems.append(f"roles.{name}: unknown role for a {self.name} (known: "
                                f"{', '.join(sorted(known))})")
        for role in self.roles:
            value = roles.get(role.name)
            if value is None:
                if role.required:
                    problems.append(f"roles.{role.name}: missing ({role.description})")
                continue
            if role.pairs:
                ok = (isinstance(value, list) and len(value) == 2 and all(
                    isinstance(side, list) and side and all(
                        isinstance(a, str) and a.strip() for a in side) for side in value))
                expected = "two lists of names, [[\"A\", \"alias\"], [\"B\", \"alias\"]]"
            else:
                ok = isinstance(value, list) and bool(value) and all(
                    isinstance(a, str) and a.strip() for a in value)
                expected = "a non-empty list of names"
            if not ok:
                problems.append(f"roles.{role.name}: expected {expected} (got {value!r})")
        return problems

    def build(self, definition: StorylineFile) -> StorylineSpec:
        """The storyline's spec: the kind's knowledge with the storyline's names filled in,
        then the file's overrides."""
        roles = definition.role_aliases()
        slots = self.slots(roles)
        slots.setdefault("elsewhere", elsewhere_pattern(roles))
        slots.setdefault("someone", reporting.SOMEONE)

        def fill(patterns: Sequence[str]) -> tuple[str, ...]:
            return tuple(expand(p, slots) for p in patterns)

        extra = definition.cues
        statuses = tuple(
            StatusSpec(
                id=s.id, title=s.title, description=s.description,
                cues=fill([c.pattern for c in s.cues] + list(extra.get(s.id, ()))),
                cue_names=tuple(c.name for c in s.cues) + tuple(
                    f"storyline cue {i + 1}" for i in range(len(extra.get(s.id, ())))),
                also=fill(s.also), unless=fill(s.unless),
                unless_in_clause=fill(s.unless_in_clause), facts=s.facts, hedged_as=s.hedged_as,
                doubted_as=s.doubted_as, within_weeks=s.within_weeks,
                today_as=s.today_as,
                setback=s.setback, not_before_fact=s.not_before_fact)
            for s in self.statuses)
        groups = self.groups(roles)
        overrides = definition.match
        match = MatchSpec(
            groups=tuple(tuple(g) for g in groups),
            exclude=tuple(overrides.exclude),
            focus=fill([c.pattern for c in self.focus]),
            elsewhere=fill([c.pattern for c in self.elsewhere]),
            focus_weight=overrides.focus_weight, threshold=overrides.threshold,
            near_miss=overrides.near_miss, since=definition.since,
            days_after_end=overrides.days_after_end)
        rules = StatusRulesSpec(
            actor=(slots["actor"],), place=(slots["place"],), where=(slots["where"],),
            other_places=(slots["elsewhere"],), other_actors=(slots["someone"],),
            negations=fill([c.pattern for c in self.negations]),
            history=fill([c.pattern for c in self.history]),
            recalls=fill([c.pattern for c in self.recalls]),
            official=(reporting.OFFICIAL,),
            hedges=fill([c.pattern for c in self.hedges]),
            possibility=fill([c.pattern for c in self.possibility]),
            ignore=fill([c.pattern for c in self.ignore]))
        corroboration = self.corroboration.model_copy(
            update=definition.corroboration.model_dump(exclude_none=True))
        return StorylineSpec(
            id=definition.id, title=definition.title, kind=self.name,
            description=definition.description or self.description,
            channel=definition.channel, language=definition.language, seeds=definition.seeds,
            match=match, statuses=statuses, transitions=dict(self.transitions),
            corroboration=corroboration, status_rules=rules,
            roles={k: tuple(v) for k, v in roles.items()})


def expand(pattern: str, slots: Mapping[str, str]) -> str:
    """`pattern` with each {slot} replaced by its regex (unknown braces are left alone, so
    regex quantifiers such as {0,40} pass through)."""
    return re.sub(r"\{([a-z_]+)\}",
                  lambda m: f"(?:{slots[m.group(1)]})" if m.group(1) in slots else m.group(0),
                  pattern)


def role_pattern(aliases: Sequence[str]) -> str:
    """A regex finding any alias as whole words: spaces and hyphens interchangeable, so
    "Moon Jae-in" finds "Moon Jae In"; longest alias first."""
    bodies = []
    # Longest first (so "Xi Jinping" wins over "Xi"), then alphabetical: the same pattern in
    # every process (a storyline's hash names backfill runs).
    for alias in sorted({a.strip() for a in aliases if a.strip()}, key=lambda a: (-len(a), a)):
        bodies.append(term_body(alias))
    if not bodies:
        return NEVER
    return r"(?<![\w-])(?:" + "|".join(bodies) + r")(?![\w-])"


def short_names(aliases: Sequence[str]) -> list[str]:
    """The aliases plus the first and last word of each multi-word name ("Moon Jae-in" ->
    "Moon"; "Narendra Modi" -> "Narendra", "Modi"): how a person is named the second
    time, or beside another leader ("Xi and Lula"). Titles and short words are left out."""
    names = list(aliases)
    for alias in aliases:
        words = alias.split()
        if len(words) > 1:
            names += [w for w in (words[0], words[-1])
                      if len(w) >= 3 and w[0].isupper() and w.lower() not in _TITLE_WORDS]
    return names


_TITLE_WORDS = frozenset({"president", "prime", "minister", "leader", "secretary", "chancellor",
                          "premier", "king", "queen", "pope", "the", "mr", "mrs", "ms"})


def elsewhere_pattern(roles: Mapping[str, Sequence[str]]) -> str:
    """A place other than the event's: a capitalized name after "in", "to", "from", "at" or
    "for" that is no alias of the storyline's roles (the visitor's home is elsewhere too), no
    month, weekday or title ("arrived in Hanoi", "a trip to Beijing")."""
    known = [a for name, aliases in roles.items() if name != "visitor_home" for a in aliases]
    not_known = f"(?!{role_pattern(known)})" if known else ""
    return (rf"\b(?:in|to|from|at|for|visit|visits|visited|visiting)\s+(?:the\s+)?{not_known}"
            rf"{reporting.NOT_A_PLACE}(?-i:[A-Z][\w'’.-]+(?:\s[A-Z][\w'’-]+){{0,2}})")
