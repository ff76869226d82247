"""Benchmark: `monitor backfill --source db` over stored articles (text already extracted).

Generates N synthetic stored articles into a temporary SQLite database (mostly off-topic
local news, ~2% on-topic: the visit corpus of tests/fixtures/storylines with fresh URLs and
dates), then re-derives the putin-pyongyang-visit storyline over all of them, each size in a
fresh process so peak memory (ru_maxrss) is that replay's own. Baselines measured in the same
run: streaming the rows only (the floor), and the matcher on every article without the group
gate (what re-derivation would cost ungated), on a sample.

    python bench/backfill_db.py [--sizes 10000 50000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

TOPICS = ["city council", "school board", "water utility", "football club", "tech startup",
          "hospital trust", "port authority", "film festival", "rail operator", "museum",
          "central bank", "farmers union", "weather service", "tennis federation"]
VERBS = ["approved", "delayed", "announced", "criticised", "reviewed", "expanded", "cut",
         "defended", "postponed", "celebrated", "questioned", "unveiled"]
THINGS = ["a budget", "new timetables", "a merger", "the stadium plan", "ticket prices",
          "a hiring freeze", "flood defences", "its annual report", "a pilot scheme",
          "opening hours", "a lawsuit", "solar panels", "the parking rules", "interest rates",
          "a sponsorship", "the harvest forecast", "a heat warning", "the season opener"]
ON_TOPIC_SHARE = 0.02
START = datetime(2024, 1, 1, tzinfo=UTC)


def _settings_and_specs() -> tuple[object, list[object]]:
    from monitor.config import load_config
    config = load_config(PROJECT / "config", env={"MONITOR_DATA_DIR": tempfile.gettempdir()})
    return config.settings, list(config.storylines)


def generate(url: str, count: int, on_topic: float) -> None:
    """Synthetic stored articles, one story each, inserted in bulk."""
    import sqlalchemy as sa

    from monitor.db import models as m
    from monitor.db import storylines as storylines_repo
    from monitor.db.engine import create_engine, session_factory, transaction, upgrade
    from monitor.storylines.seeds import load_seeds

    _, specs = _settings_and_specs()
    engine = create_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    seeds = [s for spec in specs for s in load_seeds(spec, PROJECT)]  # type: ignore[arg-type]
    with transaction(sessions) as session:
        storylines_repo.sync_storylines(session, specs, seeds, START)  # type: ignore[arg-type]
    corpus = [json.loads(line) for line in (PROJECT / "tests" / "fixtures" / "storylines" /
                                            "visit_2024.jsonl").read_text().splitlines()
              if line.strip()]
    rng = random.Random(42)
    step = timedelta(days=180) / count
    for start in range(0, count, 5000):
        stories, articles = [], []
        for n in range(start, min(count, start + 5000)):
            published = START + step * n
            if rng.random() < on_topic:
                source = rng.choice(corpus)
                title, text, outlet = source["title"], source["text"], source["outlet"]
            else:
                title = f"{rng.choice(TOPICS).title()} {rng.choice(VERBS)} {rng.choice(THINGS)}"
                text = " ".join(
                    f"The {rng.choice(TOPICS)} {rng.choice(VERBS)} {rng.choice(THINGS)} on "
                    f"day {rng.randint(1, 28)}, {rng.randint(2, 900)} residents said." for _ in
                    range(rng.randint(10, 30)))
                outlet = f"Local {n % 40}"
            stories.append({"id": n + 1, "first_seen_at": published, "last_seen_at": published,
                            "article_count": 1, "outlets": [outlet]})
            articles.append({
                "id": n + 1, "url": f"https://news{n % 40}.example.com/{n}", "outlet": outlet,
                "title": title, "text": text, "published_at": published,
                "published_precision": "exact", "text_source": "page",
                "content_hash": hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
                "story_id": n + 1, "dedup_reason": "new", "ingested_at": published})
        with engine.begin() as conn:
            conn.execute(sa.insert(m.Story), stories)
            conn.execute(sa.insert(m.Article), articles)
    engine.dispose()


def measure(url: str) -> dict[str, float]:
    """Re-derive every stored article once; rate and this process's peak memory."""
    from monitor.backfill import BackfillOptions, Replay, replay_database
    from monitor.clock import SystemClock
    from monitor.db.engine import create_engine, session_factory

    settings, specs = _settings_and_specs()
    engine = create_engine(url)
    sessions = session_factory(engine)
    replay = Replay(settings, specs, sessions, SystemClock())  # type: ignore[arg-type]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    summary = replay_database(replay, BackfillOptions())
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    return {"articles": summary.processed, "seconds": elapsed,
            "rate": summary.processed / elapsed, "changes": summary.changes,
            "rss_before_mb": rss_before, "peak_rss_mb": rss_after}


def baselines(url: str, sample: int) -> dict[str, float]:
    """Streaming rows only, and the ungated matcher on `sample` articles."""
    from monitor.backfill.rederive import Rederiver
    from monitor.db import backfill as backfill_repo
    from monitor.db.engine import create_engine, session_factory

    settings, specs = _settings_and_specs()
    engine = create_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    rows = sum(1 for _ in backfill_repo.iter_articles(sessions, None, None))
    read_rate = rows / (time.perf_counter() - started)
    rederiver = Rederiver(settings, specs, sessions)  # type: ignore[arg-type]
    rederiver.load()
    articles = list(backfill_repo.iter_articles(sessions, None, None))[:sample]
    started = time.perf_counter()
    for article in articles:
        for matcher in rederiver.matchers.values():
            matcher.match(article.title, article.text)
    ungated = len(articles) / (time.perf_counter() - started)
    started = time.perf_counter()
    for article in articles:
        for storyline_id, gate in rederiver.gates.items():
            if gate.could_match(article.title, article.text):
                rederiver.matchers[storyline_id].match(article.title, article.text)
    gated = len(articles) / (time.perf_counter() - started)
    engine.dispose()
    return {"read_rate": read_rate, "ungated_match_rate": ungated, "gated_match_rate": gated}


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--on-topic", type=float, default=ON_TOPIC_SHARE,
                        help="share of on-topic (visit corpus) articles")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import logging

        import structlog
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
        action, url, share = args.child
        if action.startswith("generate"):
            generate(url, int(action.split("=")[1]), float(share))
            print(json.dumps({}))
        elif action == "measure":
            print(json.dumps(measure(url)))
        else:
            print(json.dumps(baselines(url, 2000)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            url = f"sqlite:///{Path(tmp) / f'bench-{size}.db'}"
            share = str(args.on_topic)
            _child("--child", f"generate={size}", url, share)
            results[size] = _child("--child", "measure", url, share)
            if size == args.sizes[0]:
                base = _child("--child", "baselines", url, share)
    print(f"{args.on_topic:.1%} of articles on-topic")
    print(f"baseline: streaming rows only {base['read_rate']:,.0f} articles/s; matcher on "
          f"every article {base['ungated_match_rate']:,.0f}/s, with the group gate "
          f"{base['gated_match_rate']:,.0f}/s "
          f"({base['gated_match_rate'] / base['ungated_match_rate']:.1f}x)")
    for size, r in results.items():
        print(f"{size:>7,} stored articles: {r['rate']:,.0f} articles/s "
              f"({r['seconds']:.1f} s, {r['changes']:.0f} status changes), peak RSS "
              f"{r['peak_rss_mb']:.0f} MB (after load {r['rss_before_mb']:.0f} MB, replay adds "
              f"{r['peak_rss_mb'] - r['rss_before_mb']:.0f} MB); "
              f"{r['rate'] / base['ungated_match_rate']:.1f}x the ungated matcher")
    sizes = list(results)
    if len(sizes) > 1:
        a, b = results[sizes[0]], results[sizes[-1]]
        print(f"peak RSS {sizes[-1]:,} / {sizes[0]:,}: {b['peak_rss_mb'] / a['peak_rss_mb']:.2f}x "
              f"for {sizes[-1] / sizes[0]:.0f}x the articles; rate ratio "
              f"{b['rate'] / a['rate']:.2f}")


if __name__ == "__main__":
    main()
