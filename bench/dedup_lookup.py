"""Near-duplicate lookup cost at 10k, 100k and 1M stored signatures.

    python bench/dedup_lookup.py [--sizes 10000,100000,1000000] [--queries 300]

The index holds synthetic MinHash signatures (random values: what unrelated texts look
like to MinHash) for size, plus the real texts of the seeds and the article-extraction
benchmark (../shared/data/article-pages) for quality. Queries are edited copies of those
real texts (new headline, byline, half cut, words changed), which must find their original,
and unrelated real texts, which must find nothing. Baseline, measured in the same run: a
vectorised brute-force scan of every stored signature (numpy, no LSH) at 10k and 100k.
Prints a table: lookup ms per article, ratio to brute force, recall, memory per signature.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import DedupSettings  # noqa: E402
from monitor.dedup import (  # noqa: E402
    Fingerprint,
    NearDuplicateIndex,
    fingerprint,
    pack_signature,
    unpack_signature,
)

DATA = ROOT.parent / "shared" / "data" / "article-pages" / "ground-truth.json"
T0 = datetime(2024, 6, 1, tzinfo=UTC)
SYNTHETIC_ID0 = 10_000_000
BRUTE_FORCE_MAX = 100_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def real_texts() -> list[str]:
    truth = json.loads(DATA.read_text())
    pages = [truth[k]["articleBody"] for k in sorted(truth)]
    seeds = [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return [t for t in seeds + pages if len(t.split()) >= 150]


def edited(text: str, rng: random.Random) -> str:
    words = text.split()
    kind = rng.choice(["headline", "byline", "half", "words"])
    if kind == "headline":
        return "Officials weigh next steps as talks drag on\n" + text
    if kind == "byline":
        return "By Jane Q. Reporter, Associated Press\n" + text + "\nEditing by Alex Smith"
    if kind == "half":
        return " ".join(words[: len(words) // 2])
    return " ".join("reportedly" if i % 20 == 0 else w for i, w in enumerate(words))


def synthetic(rng: np.random.Generator, count: int, num_perm: int) -> np.ndarray:
    return rng.integers(0, 2**32, (count, num_perm), dtype=np.uint64).astype(np.uint32)


def packed(values: np.ndarray, shingles: np.ndarray) -> list[bytes]:
    """pack_signature for many rows at once (the stored format, built with numpy)."""
    header = np.frombuffer(pack_signature(values[0], 0), dtype=np.uint8)[:7]
    raw = np.empty((len(values), 7 + 4 * values.shape[1]), dtype=np.uint8)
    raw[:, :7] = header
    raw[:, 3:7] = shingles.astype("<u4").view(np.uint8).reshape(-1, 4)
    raw[:, 7:] = values.astype("<u4").view(np.uint8).reshape(len(values), -1)
    assert raw[0].tobytes() == pack_signature(values[0], int(shingles[0]))
    return [row.tobytes() for row in raw]


def fill(index: NearDuplicateIndex, matrix: list[np.ndarray], rng: np.random.Generator,
         count: int, next_id: int) -> int:
    """Add `count` synthetic signatures in chunks, as the rebuild at start would."""
    num_perm = index.settings.num_perm
    while count > 0:
        n = min(count, 100_000)
        values = synthetic(rng, n, num_perm)
        signatures = packed(values, rng.integers(100, 1500, n))
        index.add_many((next_id + i, next_id + i, signatures[i], T0) for i in range(n))
        if len(index) <= BRUTE_FORCE_MAX:  # the baseline's copy, only as far as it runs
            matrix.append(values)
        next_id += n
        count -= n
    return next_id


def brute_force(stored: np.ndarray, fp: Fingerprint, threshold: float) -> int | None:
    assert fp.signature is not None
    values, _ = unpack_signature(fp.signature)
    jaccard = (stored == values).mean(axis=1)
    best = int(np.argmax(jaccard))
    return best if jaccard[best] >= threshold else None


def best_ms(lookup: Callable[[Fingerprint], object], queries: list[Fingerprint],
            repeat: int) -> float:
    """Mean ms per lookup, each query's time the best of `repeat` runs (the machine is
    shared: the minimum is the least disturbed measurement)."""
    best = [float("inf")] * len(queries)
    for _ in range(repeat):
        for i, fp in enumerate(queries):
            start = time.perf_counter()
            lookup(fp)
            best[i] = min(best[i], time.perf_counter() - start)
    return sum(best) / len(best) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    settings = DedupSettings()
    rng, prng = np.random.default_rng(1), random.Random(1)
    texts = real_texts()
    stored_texts, unrelated = texts[: len(texts) * 2 // 3], texts[len(texts) * 2 // 3:]
    start = time.perf_counter()
    stored_fps = [fingerprint(t, settings) for t in stored_texts]
    fp_ms = (time.perf_counter() - start) / len(stored_texts) * 1000
    dup_queries = [fingerprint(edited(t, prng), settings) for t in stored_texts]
    other_queries = [fingerprint(t, settings) for t in unrelated]
    mixed = (dup_queries + other_queries) * (args.queries // len(texts) + 1)
    mixed = mixed[: args.queries]
    bands, rows = NearDuplicateIndex(settings).bands, NearDuplicateIndex(settings).rows
    print(f"settings: num_perm={settings.num_perm} shingles={settings.shingle_size}-word "
          f"bands={bands}x{rows} lsh_threshold={settings.lsh_threshold} "
          f"jaccard>={settings.jaccard_threshold} containment>={settings.containment_threshold}")
    print(f"fingerprint (normalize + MinHash): {fp_ms:.3f} ms/article over "
          f"{len(stored_texts)} real texts")
    rss0 = rss_mb()
    index = NearDuplicateIndex(settings)
    for i, fp in enumerate(stored_fps, start=1):
        assert fp.signature is not None
        index.add(i, i, fp.signature, T0)
    matrix: list[np.ndarray] = [np.stack([unpack_signature(fp.signature)[0]
                                          for fp in stored_fps if fp.signature])]
    next_id = SYNTHETIC_ID0
    baseline_ms: float | None = None
    print(f"\n{'stored':>9} {'lookup ms':>10} {'x 10k':>6} {'brute ms':>9} {'speedup':>8} "
          f"{'recall':>7} {'false':>6} {'B/sig idx':>10} {'B/sig RSS':>10} {'fill s':>7}")
    for size in sizes:
        t = time.perf_counter()
        next_id = fill(index, matrix, rng, size - len(index), next_id)
        fill_s = time.perf_counter() - t
        lookup_ms = best_ms(index.find, mixed, repeat=5)
        baseline_ms = baseline_ms or lookup_ms
        brute = speedup = "-"
        if size <= BRUTE_FORCE_MAX:
            stored = np.concatenate(matrix)
            sample = mixed[:100]
            brute_ms = best_ms(partial(brute_force, stored, threshold=settings.jaccard_threshold),
                               sample, repeat=2)
            brute = f"{brute_ms:9.3f}"
            speedup = f"{brute_ms / best_ms(index.find, sample, repeat=2):7.1f}x"
        found = [index.find(fp) for fp in dup_queries]
        recall = sum(d is not None and d.duplicate_of == i
                     for i, d in enumerate(found, start=1)) / len(dup_queries)
        false = sum(index.find(fp) is not None for fp in other_queries)
        rss_per = (rss_mb() - rss0) * 1024 * 1024 / len(index)
        print(f"{len(index):>9} {lookup_ms:>10.3f} {lookup_ms / baseline_ms:>6.2f} {brute:>9} "
              f"{speedup:>8} {recall:>7.3f} {false:>6} {index.nbytes / len(index):>10.0f} "
              f"{rss_per:>10.0f} {fill_s:>7.1f}")
    print("\nx 10k: lookup time relative to the first size (target at 1M: <= 2.0 and < 2 ms).")
    print("B/sig idx: index array bytes per stored signature; B/sig RSS: process growth per "
          "signature (up to 100k it includes the brute-force baseline's copy of them).")


if __name__ == "__main__":
    main()
