"""Benchmark of the match stage: milliseconds per article for Matcher.match against a
baseline measured in the same run (the bare TF-IDF transform + cosine to the seeds that
DESIGN.md measured at 1.4 ms), and the cost of building a matcher.

    python bench/match.py

Articles: the 82 paraphrased reports of tests/fixtures/storylines/visit_2024.jsonl (120-300
words) and the five seeds (300-640 words); background: the 181 real article bodies of
../shared/data/article-pages (as stored articles would be).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from monitor.storylines.kinds import read_storyline
from monitor.storylines.match import Matcher, new_vectorizer
from monitor.storylines.seeds import load_seeds

PROJECT = Path(__file__).resolve().parent.parent
FIXTURE = PROJECT / "tests" / "fixtures" / "storylines" / "visit_2024.jsonl"
PAGES = PROJECT.parent / "shared" / "data" / "article-pages" / "ground-truth.json"
ROUNDS = 5


def per_article_ms(run: object, articles: list[tuple[str, str]]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for title, text in articles:
            run(title, text)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best / len(articles) * 1000


def main() -> None:
    spec = read_storyline(PROJECT / "config" / "storylines" / "putin-pyongyang-visit.toml",
                          PROJECT)
    seeds = [(s.key, f"{s.title}\n\n{s.text}") for s in load_seeds(spec, PROJECT)]
    background = [p["articleBody"] for p in json.loads(PAGES.read_text()).values()]
    reports = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
    articles = [(r["title"], r["text"]) for r in reports] + [
        (t.partition("\n\n")[0], t.partition("\n\n")[2]) for _, t in seeds]

    start = time.perf_counter()
    matcher = Matcher.build(spec, seeds, background)
    build_s = time.perf_counter() - start

    vectorizer = new_vectorizer().fit([t for _, t in seeds] + background)
    seed_matrix = vectorizer.transform([t for _, t in seeds])

    def baseline(title: str, text: str) -> None:
        (seed_matrix @ vectorizer.transform([f"{title}\n{text}"]).T).toarray()

    base = per_article_ms(baseline, articles)
    full = per_article_ms(matcher.match, articles)
    matched = sum(matcher.match(t, x).matched for t, x in articles)
    print(f"articles: {len(articles)}, background: {len(background)}, seeds: {len(seeds)}")
    print(f"build matcher: {build_s * 1000:.0f} ms")
    print(f"baseline (TF-IDF transform + cosine): {base:.2f} ms/article")
    print(f"Matcher.match (gates, focus, similarity, explanation): {full:.2f} ms/article "
          f"({full / base:.2f}x baseline)")
    print(f"matched: {matched}/{len(articles)}")


if __name__ == "__main__":
    main()
