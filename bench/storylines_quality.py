"""Quality of the storyline reader on real reports: the dev storylines of
../shared/data/storylines-dev, each replayed through `monitor backfill --format jsonl` and
scored the way its README says (the way the work is judged).

    python bench/storylines_quality.py [--dev-dir DIR] [--keep DIR] [--verbose]

For each storyline folder: a scratch project gets the folder's storyline.toml as its only
storyline, its two seed excerpts as seed files, and every excerpt as a JSONL line; then
`monitor backfill --source articles.jsonl --format jsonl` replays them and the events are
scored:
- transitions: a change to the next expected status within a day of its first report is a
  hit (a stage whose first report came within a day of the next stage's may be passed
  over); any other change is false (early, wrong or repeated). Lag is measured from the
  publication day of the article whose processing made the change;
- date: the first `scheduled` change carries one of expected.json's dates;
- relevance: an excerpt counts as matched when the storyline matched it or a story it was
  folded into; precision, recall and F1 over excerpts, `not_about_visit` as negatives;
- dedup: pairs folded together, and how many of them share a `dup_group`.
The excerpts are third-party text: they are read from ../shared and never copied into the
repository (the scratch project lives in a temporary directory).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.ingest.urls import canonicalize

PROJECT = Path(__file__).resolve().parent.parent
DEV_DIR = PROJECT.parent / "shared" / "data" / "storylines-dev"
MONITOR = Path(sys.executable).parent / "monitor"
FACTS = ("visit_date", "meeting_date")


@dataclass
class Score:
    storyline: str
    expected: int
    hits: int
    false_changes: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    date_right: bool = False
    first_date: str | None = None
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    dedup_pairs: int = 0
    dedup_same_group: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def perfect(self) -> bool:
        return (self.hits == self.expected and not self.false_changes and self.date_right
                and self.f1 >= 0.95)


def outlet_of(url: str) -> str:
    host = urlsplit(url).hostname or "unknown"
    return host.removeprefix("www.")


def write_project(folder: Path, root: Path) -> Path:
    """A scratch project for one dev storyline; returns the JSONL file to replay."""
    articles = [json.loads(line) for line in
                (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line]
    expected = json.loads((folder / "expected.json").read_text())
    (root / "config" / "storylines").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "config" / "monitor.toml").write_text(
        'data_dir = "data"\n[server]\nenabled = false\n[extract]\nworkers = 0\n')
    shutil.copy(folder / "storyline.toml", root / "config" / "storylines" / "storyline.toml")
    by_id = {a["id"]: a for a in articles}
    manifest = []
    for seed_id in expected["seed_ids"]:
        seed = by_id[seed_id]
        (root / "seeds" / f"{seed_id}.txt").write_text(seed["text"], encoding="utf-8")
        manifest.append(
            f'[[seed]]\nfile = "{seed_id}.txt"\noutlet = {json.dumps(outlet_of(seed["url"]))}\n'
            f'title = {json.dumps(seed["title"] or seed["text"].splitlines()[0][:150])}\n'
            f'published = {seed["published"]}\nurl = {json.dumps(seed["url"])}\n')
    (root / "seeds" / "seeds.toml").write_text("\n".join(manifest), encoding="utf-8")
    jsonl = root / "articles.jsonl"
    with jsonl.open("w", encoding="utf-8") as out:
        for a in articles:
            out.write(json.dumps({"url": a["url"], "title": a["title"], "text": a["text"],
                                  "published": a["published"], "outlet": outlet_of(a["url"]),
                                  "language": a.get("language") or "en"}) + "\n")
    return jsonl


def replay(root: Path, jsonl: Path) -> list[dict[str, Any]]:
    """The backfill's events (monitor backfill --format jsonl) in the scratch project."""
    env = {**os.environ, "MONITOR_CONFIG_DIR": str(root / "config"), "MONITOR_LOG_LEVEL": "error"}
    env.pop("MONITOR_DATABASE_URL", None)
    done = subprocess.run([str(MONITOR), "backfill", "--source", str(jsonl), "--format", "jsonl"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"backfill failed in {root} ({done.returncode}):\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def score(folder: Path, events: list[dict[str, Any]]) -> Score:
    articles = [json.loads(line) for line in
                (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line]
    expected = json.loads((folder / "expected.json").read_text())
    transitions = expected["transitions"]
    changes = []
    current_day: date | None = None
    article_events = []
    for event in events:
        if event["type"] == "article":
            current_day = _day(event["published"])
            article_events.append(event)
        elif event["type"] == "status_change" and current_day is not None:
            changes.append({**event, "detected_day": current_day.isoformat()})
    result = Score(folder.name, expected=len(transitions), hits=0, changes=changes)
    _score_transitions(result, transitions, changes)
    first_scheduled = next((c for c in changes if c["to"] == "scheduled"), None)
    if first_scheduled is not None:
        result.first_date = next((first_scheduled["facts"].get(f) for f in FACTS
                                  if first_scheduled["facts"].get(f)), None)
    result.date_right = result.first_date in expected["dates"]
    _score_relevance(result, articles, article_events)
    return result


def _score_transitions(result: Score, transitions: list[dict[str, Any]],
                       changes: list[dict[str, Any]]) -> None:
    position = 0
    for change in changes:
        day = _day(change["detected_day"])
        hit = None
        for j in range(position, len(transitions)):
            want = transitions[j]
            lag = (day - _day(want["first_reported"])).days
            if want["status"] == change["to"] and abs(lag) <= 1:
                hit = j
                break
            nxt = transitions[j + 1] if j + 1 < len(transitions) else None
            if nxt is None or abs((_day(nxt["first_reported"])
                                   - _day(want["first_reported"])).days) > 1:
                break  # this stage may not be passed over
        label = f"{change['to']} on {change['detected_day']} ({change['outlet']})"
        if hit is None:
            result.false_changes.append(label)
            continue
        result.hits += hit - position + 1
        position = hit + 1
    result.missed = [f"{t['status']} from {t['first_reported']}" for t in transitions[position:]]


def _score_relevance(result: Score, articles: list[dict[str, Any]],
                     events: list[dict[str, Any]]) -> None:
    matched_story = set()
    story_of: dict[str, int | None] = {}
    for event in events:
        story_of[event["url"]] = event["story_id"]
        if any(m["matched"] for m in event["matches"]):
            matched_story.add(event["story_id"])
    tp = fp = fn = 0
    for a in articles:
        relevant = a["expected_status"] != "not_about_visit"
        matched = story_of.get(canonicalize(a["url"])) in matched_story
        tp += relevant and matched
        fp += matched and not relevant
        fn += relevant and not matched
        if matched != relevant:
            result.mismatched.append(f"{a['id']} {'FP' if matched else 'FN'} "
                                     f"{a['expected_status']}: {a['title'][:70]}")
    result.precision = tp / (tp + fp) if tp + fp else 0.0
    result.recall = tp / (tp + fn) if tp + fn else 0.0
    total = result.precision + result.recall
    result.f1 = 2 * result.precision * result.recall / total if total else 0.0
    by_story: dict[int | None, list[dict[str, Any]]] = {}
    for a in articles:
        by_story.setdefault(story_of.get(canonicalize(a["url"])), []).append(a)
    for members in by_story.values():
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                result.dedup_pairs += 1
                result.dedup_same_group += bool(first["dup_group"]) and (
                    first["dup_group"] == second["dup_group"])


def run(dev_dir: Path, keep: Path | None = None) -> list[Score]:
    scores = []
    for folder in sorted(p for p in dev_dir.iterdir() if (p / "storyline.toml").is_file()):
        root = Path(tempfile.mkdtemp(prefix=f"quality-{folder.name}-", dir=keep))
        try:
            events = replay(root, write_project(folder, root))
            scores.append(score(folder, events))
        finally:
            if keep is None:
                shutil.rmtree(root, ignore_errors=True)
    return scores


def report(scores: list[Score], verbose: bool) -> str:
    lines = [f"{'storyline':24} {'hits':>6} {'false':>5} {'date':>5} {'P':>5} {'R':>5} "
             f"{'F1':>5} {'dedup':>9}"]
    for s in scores:
        lines.append(f"{s.storyline:24} {s.hits:>3}/{s.expected:<2} {len(s.false_changes):>5} "
                     f"{'yes' if s.date_right else 'no':>5} {s.precision:5.2f} {s.recall:5.2f} "
                     f"{s.f1:5.2f} {s.dedup_same_group:>3}/{s.dedup_pairs:<3} ")
    hits = sum(s.hits for s in scores)
    expected = sum(s.expected for s in scores)
    false = sum(len(s.false_changes) for s in scores)
    lines.append(f"{'all':24} {hits:>3}/{expected:<2} {false:>5}"
                 f" {sum(s.date_right for s in scores):>3}/{len(scores)}"
                 f"   perfect storylines: {sum(s.perfect for s in scores)}/{len(scores)}")
    if verbose:
        for s in scores:
            lines.append(f"\n== {s.storyline}: first scheduled date {s.first_date}")
            lines += [f"  change {c['from']} -> {c['to']} detected {c['detected_day']} "
                      f"({c['outlet']}) {c['facts']}\n      {c['evidence'][:200]}"
                      for c in s.changes]
            lines += [f"  FALSE {f}" for f in s.false_changes]
            lines += [f"  MISSED {m}" for m in s.missed]
            lines += [f"  {m}" for m in s.mismatched]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev-dir", type=Path, default=DEV_DIR)
    parser.add_argument("--keep", type=Path, help="keep the scratch projects under this folder")
    parser.add_argument("--verbose", action="store_true", help="every change and every miss")
    args = parser.parse_args()
    if not args.dev_dir.is_dir():
        raise SystemExit(f"{args.dev_dir}: not found (the dev storylines live in ../shared)")
    print(report(run(args.dev_dir, args.keep), args.verbose))


if __name__ == "__main__":
    main()
