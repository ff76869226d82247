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

from monitor.storylines.match import new_vectorizer, normalize

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
    """Chinese -> china, Russian -> russia: a demonym joins its country."""
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


def to_toml(suggestion: Suggestion, *, storyline_id: str, title: str,
            seed_paths: Sequence[str], groups: int = 2, alternatives: int = 6) -> str:
    """A storyline file to start from: the top groups as gates, the rest as comments."""
    chosen = suggestion.groups[:groups]
    lines = [
        f"# Suggested from {suggestion.seed_count} seed(s) against "
        f"{suggestion.background_count} background article(s). Edit before use: merge groups "
        "that name the same thing (a capital and its country), drop noise.",
        *(f"# note: {note}" for note in suggestion.notes),
        f"id = {_quote(storyline_id)}",
        f"title = {_quote(title)}",
        "seeds = [", *(f"    {_quote(p)}," for p in seed_paths), "]",
        "",
        "[match]",
        "groups = [",
        *(f"    [{', '.join(_quote(s.name) for s in g[:alternatives])}],"
          f"  # in {g[0].seeds}/{suggestion.seed_count} seeds" for g in chosen),
        "]",
    ]
    for group in suggestion.groups[groups:]:
        names = ", ".join(_quote(s.name) for s in group[:alternatives])
        lines.append(f"# other distinctive names: [{names}]")
    words = [w for w, _ in suggestion.keywords]
    lines += [f"# distinctive keywords: {', '.join(words)}", "exclude = []"]
    if chosen and words:
        place = "|".join(re.escape(s.name.lower()).replace("\\ ", r"\s+")
                         for s in chosen[-1][:alternatives])
        lines.append(f"focus = ['\\b({'|'.join(words[:6])})\\w*\\b[^.;]{{0,60}}\\b({place})']")
    lines += ["threshold = 0.45", "near_miss = 0.2", ""]
    return "\n".join(lines)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
