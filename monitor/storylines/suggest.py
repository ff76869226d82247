"""Storyline suggestions: from seed articles to a first [match] table (pure, no I/O).

Used by `monitor storylines suggest --seeds FILES`, before a storyline exists: the most
distinctive capitalized names of the seeds (against a background of other articles) become
entity groups, their spelling variants alternatives ("Xi", "Xi Jinping"), and the
most distinctive ordinary words become keywords and a first focus pattern. A starting point
for a human to edit, not a finished storyline.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from monitor.storylines.match import new_vectorizer
from monitor.storylines.terms import normalize

TITLE_WORDS = frozenset({
    "mr", "mrs", "ms", "dr", "president", "prime", "minister", "foreign", "comrade", "leader",
    "general", "secretary", "spokesman", "spokesperson", "king", "queen", "chairman", "sen",
    "senator", "gov", "governor", "rep", "deputy", "chancellor", "premier", "supreme"})
_NAME = re.compile(r"\b[A-Z][\w\-]*(?:'s)?(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w\-]*(?:'s)?)*")
_POSSESSIVE = re.compile(r"'s\b")


@dataclass(frozen=True, slots=True)
class NameStats:
    name: str
    seeds: int
    """Seeds mentioning the name."""
    count: int
    background: int
    """Background articles mentioning the name."""
    weight: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    groups: list[list[NameStats]]
    """Entity groups, most distinctive first; each lists spelling variants, most used first."""
    keywords: list[tuple[str, float]]
    """Distinctive ordinary words with their mean TF-IDF weight over the seeds."""
    seed_count: int
    background_count: int
    notes: list[str] = field(default_factory=list)


def suggest(seeds: Sequence[str], background: Sequence[str], *, max_groups: int = 6,
            max_keywords: int = 15) -> Suggestion:
    """Entity groups and keywords that set the seeds apart from the background."""
    seeds = [normalize(s) for s in seeds]
    background = [normalize(b) for b in background]
    stop_words = frozenset(new_vectorizer().get_stop_words() or ())
    stats = _name_stats(seeds, background, stop_words)
    groups = _group_names(stats)[:max_groups]
    name_words = {w.lower() for s in stats for w in _words(s.name)} | TITLE_WORDS
    keywords = _keywords(seeds, background, name_words, max_keywords)
    notes = [] if background else ["no background texts: distinctiveness is against the "
                                   "seeds only (pass --background or fill the database)"]
    return Suggestion(groups, keywords, len(seeds), len(background), notes)


def _words(name: str) -> list[str]:
    return re.split(r"[\s\-]+", name)


def extract_names(text: str, stop_words: frozenset[str]) -> list[str]:
    """Capitalized word sequences, split at titles ("Foreign Minister") and without
    possessives or stop words: "Chinese President Xi Jinping's" -> Chinese, Xi Jinping."""
    names = []
    for match in _NAME.finditer(text):
        part: list[str] = []
        for word in [*re.split(r"\s+", _POSSESSIVE.sub("", match.group())), ""]:
            lower = word.lower()
            if word and lower not in TITLE_WORDS and (part or lower not in stop_words):
                part.append(word)
                continue
            if part and len(part[0]) > 1:
                names.append(" ".join(part))
            part = []
    return names


def _name_stats(seeds: Sequence[str], background: Sequence[str],
                stop_words: frozenset[str]) -> list[NameStats]:
    per_seed = [Counter(extract_names(s, stop_words)) for s in seeds]
    totals: Counter[str] = sum(per_seed, Counter())
    doc_freq = Counter(name for counts in per_seed for name in counts)
    stats = []
    for name, seed_df in doc_freq.items():
        if seed_df < max(2, math.ceil(len(seeds) / 2)) and len(seeds) > 1:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        bg_df = sum(1 for text in background if pattern.search(text))
        idf = math.log((1 + len(background)) / (1 + bg_df)) + 1
        weight = seed_df / len(seeds) * idf * math.log1p(totals[name])
        stats.append(NameStats(name, seed_df, totals[name], bg_df, round(weight, 4)))
    return sorted(stats, key=lambda s: (-s.weight, s.name))


def _stem(word: str) -> str:
    """Indian -> india, Kenyan -> kenya: a demonym joins its country."""
    word = word.lower()
    return word[:-1] if word.endswith("an") and len(word) > 4 else word


def _group_names(stats: Sequence[NameStats]) -> list[list[NameStats]]:
    """A name joins the group of a more distinctive name whose words contain its words, or
    whose words its own contain (Xi / Xi Jinping, South Africa / South African)."""
    groups: list[tuple[set[str], list[NameStats]]] = []
    for stat in stats:
        words = {_stem(w) for w in _words(stat.name)}
        home = next((g for g in groups if words <= g[0] or g[0] <= words), None)
        if home is None:
            groups.append((words, [stat]))
        else:
            home[1].append(stat)
    return [sorted(members, key=lambda s: (-s.count, s.name)) for _, members in groups]


def _keywords(seeds: Sequence[str], background: Sequence[str], name_words: set[str],
              limit: int) -> list[tuple[str, float]]:
    vectorizer = new_vectorizer(ngram_max=1)
    vectorizer.fit([*seeds, *background])
    matrix = vectorizer.transform(seeds)
    mean = np.asarray(matrix.mean(axis=0)).ravel()
    present = np.asarray((matrix > 0).sum(axis=0)).ravel()
    terms = vectorizer.get_feature_names_out()
    order = np.argsort(-(mean * present))
    keywords = []
    for i in order:
        term = str(terms[i])
        if term in name_words or not term.isalpha() or len(term) < 3:
            continue
        keywords.append((term, round(float(mean[i]), 4)))
        if len(keywords) == limit:
            break
    return keywords


_TRAVEL = (r"(?:visit|visits|visiting|visited|travel\w*|trip|arriv\w*|fly|flies|flew|head\w*|"
           r"go|going|come|coming)")
_TO = r"(?:to|in|into|visit|visits|visiting|visited|arrived in|arrives in|toward|towards)"
_TITLE = (r"(?:president|prime minister|premier|chancellor|leader|secretary|minister|king|"
          r"queen|mr|mrs|ms|pope)")


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    """How a name group is used in the seeds: as where someone goes, as who goes, as a
    person at all (a title before it, "said" after it)."""

    names: list[str]
    place: int
    subject: int
    person: int
    origin: int = 0


def role_evidence(seeds: Sequence[str], groups: Sequence[Sequence[NameStats]],
                  ) -> list[RoleEvidence]:
    found = []
    text = "\n".join(normalize(s) for s in seeds)
    for group in groups:
        names = [s.name for s in group]
        alias = "(?:" + "|".join(re.escape(n) for n in names) + r")(?:'s)?(?!\w)"
        place = len(re.findall(rf"\b{_TO}\s+(?:the\s+)?{alias}", text, re.IGNORECASE))
        subject = len(re.findall(rf"(?<![\w-]){alias}[^.;]{{0,60}}?\b{_TRAVEL}\b", text))
        person = len(re.findall(rf"\b{_TITLE}\.?\s+(?:[A-Z]\w+\s+)?{alias}", text,
                                re.IGNORECASE)) + len(re.findall(
            rf"(?<![\w-]){alias},?\s+(?:said|says|told|added)\b", text))
        origin = len(re.findall(rf"\bfrom\s+(?:the\s+)?{alias}", text, re.IGNORECASE))
        found.append(RoleEvidence(names, place, subject, person, origin))
    return found


def suggest_roles(seeds: Sequence[str], suggestion: Suggestion,
                  kind: str = "visit") -> dict[str, list[str]]:
    """Roles for a storyline of `kind` from its seeds: for a visit, the person most often
    travelling (visitor), the place most often travelled to (destination), the next person
    (host); for a meeting, the two people most named (parties) and the first place."""
    evidence = role_evidence(seeds, suggestion.groups[:8])
    people = sorted((e for e in evidence if e.person > e.place),
                    key=lambda e: (-(e.subject + e.person), evidence.index(e)))
    places = sorted((e for e in evidence if e.place >= e.person and e.place > 0),
                    key=lambda e: (-e.place, evidence.index(e)))
    roles: dict[str, list[str]] = {}
    if kind == "meeting":
        if len(people) >= 2:
            roles["party_a"], roles["party_b"] = people[0].names, people[1].names
        if places:
            roles["place"] = places[0].names
        return roles
    visitor = max(people, key=lambda e: (e.subject, e.person), default=None)
    if visitor is not None:
        roles["visitor"] = visitor.names
    homes = [e for e in places if e.origin > e.place]
    bound = [e for e in places if e not in homes]
    if bound:  # other places are listed as comments: a capital to add, or another trip
        roles["destination"] = bound[0].names
    host = next((e for e in people if e is not visitor), None)
    if host is not None:
        roles["host"] = host.names
    if homes:
        roles["visitor_home"] = homes[0].names
    return roles


def to_toml(suggestion: Suggestion, roles: dict[str, list[str]], *, storyline_id: str,
            title: str, kind: str, seed_paths: Sequence[str]) -> str:
    """A storyline file in the short form to start from; other names as comments."""
    from monitor.storylines.authoring import storyline_toml

    used = {n for names in roles.values() for n in names}
    short: dict[str, list[str] | list[list[str]]] = {
        k: v for k, v in roles.items() if k not in ("party_a", "party_b")}
    if "party_a" in roles and "party_b" in roles:
        short = {"parties": [roles["party_a"], roles["party_b"]], **short}
    comments = [
        f"Suggested from {suggestion.seed_count} seed(s) against "
        f"{suggestion.background_count} background article(s): check the roles (who "
        "travels where, or who meets whom) and their aliases before use.",
        *(f"note: {note}" for note in suggestion.notes),
        *(f"other distinctive names: {', '.join(s.name for s in group)}"
          for group in suggestion.groups if not used & {s.name for s in group}),
        f"distinctive keywords: {', '.join(w for w, _ in suggestion.keywords)}",
    ]
    return storyline_toml(storyline_id, title, kind, seed_paths, short, comments=comments)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
