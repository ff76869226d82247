"""Benchmark of the status stage: milliseconds per article for status.observe, against a
baseline measured in the same run: the same sentence splitting with date extraction on every
sentence (what DESIGN.md avoids by running dateparser only on cue sentences).

    python bench/status_observe.py

Articles: the 82 paraphrased reports of tests/fixtures/storylines/visit_2024.jsonl, the
held-out corpus of tests/fixtures/storylines_heldout/heldout_2024.jsonl and the five seeds.
Each article is timed on its own (best of ROUNDS); the median and 95th percentile are printed.
"""

from __future__ import annotations

import json
import logging
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import structlog

from monitor.storylines.dates import find_dates
from monitor.storylines.kinds import read_storyline
from monitor.storylines.seeds import load_seeds
from monitor.storylines.status import observe, split_sentences

PROJECT = Path(__file__).resolve().parent.parent
CORPORA = [PROJECT / "tests" / "fixtures" / "storylines" / "visit_2024.jsonl",
           PROJECT / "tests" / "fixtures" / "storylines_heldout" / "heldout_2024.jsonl"]
ROUNDS = 5

Article = tuple[str, str, datetime]


def timings_ms(run: Callable[[str, str, datetime], object],
               articles: list[Article]) -> list[float]:
    """Per article, the best of ROUNDS runs, in milliseconds."""
    times = []
    for title, text, published in articles:
        best = float("inf")
        for _ in range(ROUNDS):
            start = time.perf_counter()
            run(title, text, published)
            best = min(best, time.perf_counter() - start)
        times.append(best * 1000)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    spec = read_storyline(PROJECT / "config" / "storylines" / "putin-pyongyang-visit.toml",
                          PROJECT)
    articles: list[Article] = []
    for corpus in CORPORA:
        if corpus.is_file():
            for line in corpus.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    raw = json.loads(line)
                    articles.append((raw["title"], raw["text"], datetime.fromisoformat(
                        raw["published"]).astimezone(UTC)))
    articles += [(s.title, s.text, s.published_at) for s in load_seeds(spec, PROJECT)]

    def baseline(title: str, text: str, published: datetime) -> None:
        for sentence in split_sentences(title, text):
            find_dates(sentence, published)

    observe(spec, *articles[0])  # warm up (dateparser loads its language data once)
    base = timings_ms(baseline, articles)
    full = timings_ms(lambda t, x, p: observe(spec, t, x, p), articles)
    statuses = sum(observe(spec, t, x, p) is not None for t, x, p in articles)
    print(f"articles: {len(articles)}, with a status: {statuses}")
    print(f"baseline (dates of every sentence): median {statistics.median(base):.2f} ms, "
          f"p95 {p95(base):.2f} ms")
    print(f"status.observe: median {statistics.median(full):.2f} ms, p95 {p95(full):.2f} ms "
          f"({statistics.median(full) / statistics.median(base):.2f}x baseline median)")


if __name__ == "__main__":
    main()
