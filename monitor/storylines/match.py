"""Match stage: Story -> MatchResult. Is this article about the storyline?

Pure (no I/O). A storyline's [match] table (spec.MatchSpec) is applied in three parts:
- gates: every entity/keyword group must be mentioned (any alternative, case-insensitive,
  on word boundaries, "Moon Jae-in" = "Moon Jae In" = "Moon Jae-in's"), no exclusion may be;
- focus: regular expressions matched per sentence that show the article is about the event
  itself ("visit to Brasilia"), weighted by position (title and lead weigh most), so a
  story that names the entities only in passing scores lower; a title or lead sentence that
  names every group counts too, a little less;
- similarity: TF-IDF cosine to the closest seed, IDF fitted on the seeds plus a background
  of stored articles so that common words weigh little, scaled by how similar the seeds
  are to each other.
score = focus_weight * focus + (1 - focus_weight) * similarity; an article matches when the
gates hold and the score reaches the threshold. Every decision carries an explanation
(JSON-ready) that names the terms found, the exclusions hit, the focus sentences, the
closest seed, the shared terms, the score and the threshold.

scikit-learn is imported here only.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from monitor.records import MatchResult
from monitor.storylines.spec import MatchSpec, StorylineSpec
from monitor.storylines.terms import normalize, term_body

LEAD_SENTENCES = 3
"""Sentences after the title that count as the lead."""
LEAD_WEIGHT = 1.0
BODY_WEIGHT = 0.6
CO_MENTION_WEIGHT = 0.8
"""A title or lead sentence naming every group, without a focus pattern ("Xi, Lula sign
treaty"): about the entities together, likely but not surely about the event."""
CO_MENTION = "(every group named)"
EXTRA_HIT_BONUS = 0.1
DEFAULT_REFERENCE = 0.3
"""Seed-to-seed similarity assumed when there are fewer than two seeds."""
MIN_REFERENCE = 0.05
SHARED_TERMS = 8
MAX_FOCUS_HITS = 3
EVIDENCE_CHARS = 240

_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bMrs\.)(?<!\bU\.S\.)"
    r"[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


class _Alternatives:
    """Several patterns compiled into one alternation, so a text is scanned once; each
    match reports which source (term or pattern) it came from."""

    def __init__(self, sources: Sequence[str], bodies: Sequence[str], *,
                 word_bound: bool) -> None:
        self.sources = tuple(sources)
        wrap = "(?<!\\w)(?:{})(?!\\w)" if word_bound else "(?:{})"
        alternation = "|".join(f"(?P<a{i}>{wrap.format(b)})" for i, b in enumerate(bodies))
        self._pattern = re.compile(alternation, re.IGNORECASE) if bodies else None

    def count(self, text: str) -> dict[str, int]:
        """Source -> number of matches in `text` (sources that never match are left out)."""
        found: dict[str, int] = {}
        for match in self._pattern.finditer(text) if self._pattern else ():
            source = self.sources[int(str(match.lastgroup)[1:])]
            found[source] = found.get(source, 0) + 1
        return found

    def first(self, text: str) -> str | None:
        """The source of the first match in `text`, if any."""
        match = self._pattern.search(text) if self._pattern else None
        return self.sources[int(str(match.lastgroup)[1:])] if match else None


def split_sentences(text: str) -> list[str]:
    """Sentences of a (normalized) text: paragraphs split at sentence-final punctuation."""
    sentences: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if paragraph:
            sentences.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return sentences


class Matcher:
    """One storyline's relevance test, built once (IDF fitted) and applied per article."""

    def __init__(self, storyline_id: str, spec: MatchSpec, seed_keys: Sequence[str],
                 vectorizer: TfidfVectorizer, seed_matrix: Any, reference: float) -> None:
        self.storyline_id = storyline_id
        self.spec = spec
        self.seed_keys = tuple(seed_keys)
        self.reference = reference
        self._seed_columns = seed_matrix.tocsc() if seed_matrix is not None else None
        self._terms = vectorizer.get_feature_names_out() if seed_keys else np.array([])
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_ if seed_keys else {}
        self._idf = vectorizer.idf_ if seed_keys else np.array([])
        self._max_idf = float(self._idf.max()) if seed_keys else 0.0
        self._groups = [_Alternatives(group, [term_body(t) for t in group], word_bound=True)
                        for group in spec.groups]
        self._exclude = _Alternatives(spec.exclude, [term_body(t) for t in spec.exclude],
                                      word_bound=True)
        self._focus = _Alternatives(spec.focus, [normalize(p) for p in spec.focus],
                                    word_bound=False)
        self._elsewhere = _Alternatives(spec.elsewhere, [normalize(p) for p in spec.elsewhere],
                                        word_bound=False)

    @classmethod
    def build(cls, spec: StorylineSpec, seeds: Sequence[tuple[str, str]],
              background: Sequence[str]) -> Matcher:
        """Fit IDF on the seeds (key, text including title) plus background article texts."""
        vectorizer = new_vectorizer()
        seed_texts = [normalize(text) for _, text in seeds]
        seed_matrix = None
        reference = DEFAULT_REFERENCE
        if seed_texts:
            vectorizer.fit([*seed_texts, *(normalize(t) for t in background)])
            seed_matrix = vectorizer.transform(seed_texts)
            reference = _seed_reference(seed_matrix)
        return cls(spec.id, spec.match, [key for key, _ in seeds], vectorizer, seed_matrix,
                   reference)

    def match(self, title: str, text: str, published: datetime | None = None) -> MatchResult:
        """Relevance of one article (title and body or feed summary) to the storyline; an
        article published before the storyline's first day (`since`) is background."""
        if published is not None and self.spec.since is not None and (
                published.date() < self.spec.since):
            reason = (f"published {published.date()}, before the storyline starts "
                      f"({self.spec.since})")
            return MatchResult(self.storyline_id, False, 0.0,
                               {"matched": False, "reason": reason, "score": 0.0}, False)
        title, text = normalize(title), normalize(text)
        whole = f"{title}\n{text}"
        groups = [{"alternatives": list(g.sources), "found": g.count(whole)}
                  for g in self._groups]
        missing = [i for i, g in enumerate(groups) if not g["found"]]
        excluded = self._exclude.count(whole)
        focus = self._focus_score(title, text)
        similarity = self._similarity(whole)
        relevance = self._combine(focus["score"], similarity["scaled"])
        # A missing group caps the score by the share of groups found, so articles that
        # merely resemble the seeds are not all kept as near misses.
        score = relevance * (len(groups) - len(missing)) / len(groups) if groups else relevance
        matched = not missing and not excluded and score >= self.spec.threshold
        near_miss = not matched and score >= self.spec.threshold - self.spec.near_miss
        explanation = {
            "matched": matched,
            "reason": self._reason(missing, excluded, score),
            "score": round(score, 4),
            "relevance": round(relevance, 4),
            "threshold": self.spec.threshold,
            "near_miss": near_miss,
            "groups": groups,
            "missing_groups": missing,
            "excluded": excluded,
            "focus": focus,
            "similarity": similarity,
        }
        return MatchResult(self.storyline_id, matched, round(score, 4), explanation, near_miss)

    def closed(self, closed_at: datetime) -> MatchResult:
        """The result for a report that came after the storyline closed (its event is over)."""
        reason = f"the storyline closed on {closed_at.date()} (its event concluded)"
        return MatchResult(self.storyline_id, False, 0.0,
                           {"matched": False, "reason": reason, "score": 0.0}, False)

    def _focus_score(self, title: str, text: str) -> dict[str, Any]:
        if not self._focus.sources:
            return {"score": 0.0, "hits": [], "hit_count": 0, "elsewhere": []}
        places = [("title", title)] + [
            ("lead" if i < LEAD_SENTENCES else "body", s)
            for i, s in enumerate(split_sentences(text))]
        hits: list[dict[str, Any]] = []
        elsewhere: list[dict[str, Any]] = []
        for position, sentence in places:
            source, weight = self._focus_hit(position, sentence)
            if source == CO_MENTION and (other := self._elsewhere.first(sentence)):
                elsewhere.append({"position": position, "pattern": other,
                                  "sentence": sentence[:EVIDENCE_CHARS]})
            elif source is not None:
                hits.append({"position": position, "pattern": source, "weight": weight,
                             "sentence": sentence[:EVIDENCE_CHARS]})
        if not hits:
            return {"score": 0.0, "hits": [], "hit_count": 0,
                    "elsewhere": elsewhere[:MAX_FOCUS_HITS]}
        hits.sort(key=lambda h: -h["weight"])  # stable: in text order within a weight
        score = min(1.0, hits[0]["weight"] + EXTRA_HIT_BONUS * (len(hits) - 1))
        return {"score": round(score, 4), "hits": hits[:MAX_FOCUS_HITS], "hit_count": len(hits),
                "elsewhere": elsewhere[:MAX_FOCUS_HITS]}

    def _focus_hit(self, position: str, sentence: str) -> tuple[str | None, float]:
        """(pattern, weight) of a sentence's focus hit. Down in the body a hit counts only
        in a sentence that names the subject (the first group): not "Wang Yi flew to
        Brasilia". A title or lead sentence naming every group counts a little less
        (unless it matches `elsewhere`: "Lula arrives in China for talks with Xi")."""
        source = self._focus.first(sentence)
        if source is not None and self._groups and not self._groups[0].first(sentence):
            source = None
        if position != "body":
            if source is not None:
                return source, LEAD_WEIGHT
            if self._groups and all(g.first(sentence) for g in self._groups):
                return CO_MENTION, CO_MENTION_WEIGHT
            return None, 0.0
        if source is not None and (not self._groups or self._groups[0].first(sentence)):
            return source, BODY_WEIGHT
        return None, 0.0

    def _similarity(self, text: str) -> dict[str, Any]:
        if self._seed_columns is None:
            return {"closest_seed": None, "cosine": 0.0, "reference": self.reference,
                    "scaled": 0.0, "shared_terms": []}
        cols, values = self._vectorize(text)
        seeds = self._seed_columns[:, cols].toarray()  # seeds x the article's known terms
        cosines = seeds @ values
        best = int(np.argmax(cosines))
        cosine = float(cosines[best])
        shared = seeds[best] * values
        order = [i for i in np.argsort(shared)[::-1][:SHARED_TERMS] if shared[i] > 0]
        return {
            "closest_seed": self.seed_keys[best],
            "cosine": round(cosine, 4),
            "reference": round(self.reference, 4),
            "scaled": round(min(1.0, cosine / self.reference), 4),
            "shared_terms": [[str(self._terms[cols[i]]), round(float(shared[i]), 4)]
                             for i in order],
        }

    def _vectorize(self, text: str) -> tuple[list[int], Any]:
        """The article's TF-IDF weights (L2-normalized) on the terms the vocabulary knows.
        Unlike vectorizer.transform, words the vocabulary has never seen still count in the
        norm (as the rarest words): otherwise an article on another subject keeps only the
        seeds' words and looks like them, as happens while the background is still empty."""
        cols: list[int] = []
        weights: list[float] = []
        unseen = 0.0
        for term, count in Counter(self._analyze(text)).items():
            weight = 1.0 + math.log(count)  # sublinear tf, as the vectorizer
            col = self._vocabulary.get(term)
            if col is None:
                unseen += (weight * self._max_idf) ** 2
            else:
                cols.append(col)
                weights.append(weight * float(self._idf[col]))
        values = np.asarray(weights, dtype=np.float64)
        norm = math.sqrt(float(values @ values) + unseen)
        return cols, values / norm if norm else values

    def _combine(self, focus: float, similarity: float) -> float:
        if not self._focus.sources:
            return similarity
        if self._seed_columns is None:
            return focus
        weight = self.spec.focus_weight
        return weight * focus + (1 - weight) * similarity

    def _reason(self, missing: list[int], excluded: dict[str, int], score: float) -> str:
        if missing:
            names = "; ".join(f"group {i + 1} ({', '.join(self.spec.groups[i])})"
                              for i in missing)
            return f"missing {names}"
        if excluded:
            return f"excluded by {', '.join(excluded)}"
        if score < self.spec.threshold:
            return f"score {score:.3f} below threshold {self.spec.threshold}"
        return f"score {score:.3f} reaches threshold {self.spec.threshold}"


def new_vectorizer(ngram_max: int = 2) -> TfidfVectorizer:
    """The TF-IDF settings shared by matching and suggestions."""
    return TfidfVectorizer(stop_words="english", sublinear_tf=True, strip_accents="unicode",
                           ngram_range=(1, ngram_max), dtype=np.float64)


def _seed_reference(seed_matrix: Any) -> float:
    """Median over seeds of the cosine to their closest other seed: "as similar as a seed"."""
    if seed_matrix.shape[0] < 2:
        return DEFAULT_REFERENCE
    sims = (seed_matrix @ seed_matrix.T).toarray()
    np.fill_diagonal(sims, -1.0)
    return max(MIN_REFERENCE, float(statistics.median(sims.max(axis=1))))
