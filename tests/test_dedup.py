"""Dedup's pure core on real article text: wire copies with the edits outlets make are one
story, different reports about the same event are not, and short items only match exactly."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from monitor.config import DedupSettings
from monitor.dedup import (
    Fingerprint,
    NearDuplicateIndex,
    decide,
    fingerprint,
    normalized_words,
    pack_signature,
)
from tests.conftest import PROJECT, article_bodies, shared_data

SETTINGS = DedupSettings()
T0 = datetime(2024, 6, 1, tzinfo=UTC)
SEEDS = sorted((PROJECT / "seeds").glob("*.txt"))


def long_enough(bodies: list[str]) -> list[str]:
    """Bodies with paragraphs to drop and reorder."""
    return [b for b in bodies if len(b.split()) >= 300 and b.count("\n") >= 8]


@cache
def pages() -> list[str]:
    """Real article bodies (ground truth of the article-extraction benchmark, the copy in
    tests/fixtures), long enough to have paragraphs to drop and reorder."""
    return long_enough(list(article_bodies()))


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def new_headline(text: str) -> str:
    return "Exclusive: officials weigh next steps as talks drag on\n\n" + text


def last_third_dropped(text: str) -> str:
    paras = paragraphs(text)
    return "\n\n".join(paras[: max(3, len(paras) * 2 // 3)])


def cut_to_half(text: str) -> str:
    words = text.split()
    return " ".join(words[: len(words) // 2])


def reordered(text: str) -> str:
    paras = paragraphs(text)
    random.Random(7).shuffle(paras)
    return "\n\n".join(paras)


def byline_added(text: str) -> str:
    return ("By Jane Q. Reporter, Associated Press\n\n" + text
            + "\n\nReporting by John Smith; Editing by Alex Richardson\n"
              "Click here for reprint permission.")


def in_page_boilerplate(text: str) -> str:
    body = "".join(f"<p>{p.replace('&', '&amp;')}</p>\n" for p in paragraphs(text))
    return ("<html><head><style>p { margin: 0 }</style><script>var ads = 1;</script></head>"
            "<body><nav>Home | World | Business | Sport | Subscribe</nav><article>\n"
            f"{body}</article><aside>Related stories: markets rally as rates hold</aside>"
            "<footer>Copyright 2024 Example Media Group. All rights reserved.<br>"
            "Sign up for our morning newsletter</footer></body></html>")


def words_edited(text: str) -> str:
    words = text.split()
    for i in range(0, len(words), 25):
        words[i] = "reportedly"
    return " ".join(words)


EDITS: dict[str, Callable[[str], str]] = {
    "new_headline": new_headline, "last_third_dropped": last_third_dropped,
    "cut_to_half": cut_to_half, "reordered": reordered, "byline_added": byline_added,
    "in_page_boilerplate": in_page_boilerplate, "words_edited": words_edited,
}


def index_of(texts: list[str], settings: DedupSettings = SETTINGS) -> NearDuplicateIndex:
    index = NearDuplicateIndex(settings)
    for article_id, text in enumerate(texts, start=1):
        fp = fingerprint(text, settings)
        assert fp.signature is not None
        index.add(article_id, 1000 + article_id, fp.signature, T0)
    return index


def corpus() -> list[str]:
    return [p.read_text() for p in SEEDS] + pages()


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_wire_copy_with_edits_joins_its_original_story(edit: str) -> None:
    texts = corpus()
    index = index_of(texts)
    for article_id, original in enumerate(texts[:12], start=1):
        decision = index.find(fingerprint(EDITS[edit](original), SETTINGS))
        assert decision is not None, f"{edit} of article {article_id} not found"
        assert (decision.duplicate_of, decision.story_id) == (article_id, 1000 + article_id)
        assert decision.reason == "near_duplicate"
        assert max(decision.jaccard, decision.containment) >= 0.5


def test_case_spacing_punctuation_byline_and_reprint_line_leave_the_hash_unchanged() -> None:
    text = (PROJECT / "seeds" / "001_a53cc77adfc6cab9.txt").read_text()
    assert normalized_words("By Jane Doe\n\nPutin's visit — “soon”, KCNA said!") == [
        "putin", "s", "visit", "soon", "kcna", "said"]
    plain = "\n\n".join(paragraphs(text))
    assert (fingerprint(byline_added("  " + plain.upper() + "  "), SETTINGS).content_hash
            == fingerprint(text, SETTINGS).content_hash)
    assert (fingerprint(text + " Moscow", SETTINGS).content_hash
            != fingerprint(text, SETTINGS).content_hash)


def test_five_seeds_are_five_stories() -> None:
    """Same event, five outlets' own reporting: related, not duplicates."""
    index = NearDuplicateIndex(SETTINGS)
    for article_id, path in enumerate(SEEDS, start=1):
        fp = fingerprint(path.read_text(), SETTINGS)
        assert decide(fp, index, exact=None).reason == "new", path.name
        assert fp.signature is not None
        index.add(article_id, article_id, fp.signature, T0)
    assert len(index) == 5


def test_unrelated_real_articles_never_match() -> None:
    texts = pages()
    half = len(texts) // 2
    index = index_of(texts[:half])
    assert all(index.find(fingerprint(t, SETTINGS)) is None for t in texts[half:])


def test_unrelated_real_articles_of_the_whole_benchmark_never_match() -> None:
    """The same on all 181 pages of the benchmark, when its corpus is beside the project."""
    truth = json.loads(shared_data("article-pages/ground-truth.json").read_text())
    texts = long_enough([truth[key]["articleBody"] for key in sorted(truth)])
    index = index_of(texts[:60])
    assert all(index.find(fingerprint(t, SETTINGS)) is None for t in texts[60:])


def test_a_two_line_item_matches_only_exactly() -> None:
    long_text = (PROJECT / "seeds" / "003_24a45464d321b182.txt").read_text()
    index = index_of([long_text])
    two_lines = " ".join(long_text.split()[40:70])
    fp = fingerprint(two_lines, SETTINGS)
    assert fp.signature is None and 0 < fp.words < SETTINGS.min_words
    assert decide(fp, index, exact=None).reason == "new"
    assert decide(fp, index, exact=(9, 19)).reason == "content_hash"


def test_an_empty_text_starts_a_new_story_even_with_an_equal_hash() -> None:
    fp = fingerprint("<p>Advertisement</p>", SETTINGS)
    assert fp.words == 0
    decision = decide(fp, NearDuplicateIndex(SETTINGS), exact=(1, 1))
    assert (decision.reason, decision.duplicate_of) == ("new", None)


def test_a_short_extract_of_a_long_article_is_not_claimed_by_it() -> None:
    """Containment alone cannot be trusted when the MinHash Jaccard is tiny."""
    long_text = " ".join(pages()[0].split() * 3) + " " + " ".join(pages()[1].split())
    index = index_of([long_text])
    extract = " ".join(pages()[1].split()[:60])
    assert index.find(fingerprint(extract, SETTINGS)) is None


def test_prune_drops_old_entries_and_bounds_the_index() -> None:
    texts = corpus()[:10]
    index = NearDuplicateIndex(SETTINGS)
    for article_id, text in enumerate(texts, start=1):
        sig = fingerprint(text, SETTINGS).signature
        assert sig is not None
        index.add(article_id, article_id, sig, T0 + timedelta(days=article_id))
    assert index.prune(T0 + timedelta(days=6)) == 5
    assert len(index) == 5
    assert index.find(fingerprint(texts[2], SETTINGS)) is None
    found = index.find(fingerprint(texts[7], SETTINGS))
    assert found is not None and found.duplicate_of == 8
    assert index.prune(T0 + timedelta(days=6)) == 0


def synthetic_signature(rng: np.random.Generator) -> bytes:
    values = rng.integers(0, 2**32, SETTINGS.num_perm, dtype=np.uint64).astype(np.uint32)
    return pack_signature(values, 400)


def test_lookups_agree_before_and_after_merging_recent_additions() -> None:
    """Adds go to a pending dict and are merged into the sorted arrays in batches."""
    rng = np.random.default_rng(3)
    sigs = [synthetic_signature(rng) for _ in range(2500)]
    one_by_one, bulk = NearDuplicateIndex(SETTINGS), NearDuplicateIndex(SETTINGS)
    for article_id, sig in enumerate(sigs, start=1):
        one_by_one.add(article_id, article_id, sig, T0)
    bulk.add_many((i, i, sig, T0) for i, sig in enumerate(sigs, start=1))
    for article_id in (1, 1500, 2500):
        fp = Fingerprint("x", sigs[article_id - 1], 400)
        assert one_by_one.find(fp) == bulk.find(fp)
        assert one_by_one.find(fp) is not None
    assert len(one_by_one) == len(bulk) == 2500


def test_best_match_is_the_most_similar_then_the_earliest() -> None:
    text = (PROJECT / "seeds" / "000_42c76e358b02e199.txt").read_text()
    index = index_of([cut_to_half(text), text, text])
    found = index.find(fingerprint(text, SETTINGS))
    assert found is not None and (found.duplicate_of, found.jaccard) == (2, 1.0)


def test_signature_carries_its_shingle_count() -> None:
    fp = fingerprint(Path(SEEDS[0]).read_text(), SETTINGS)
    assert fp.signature is not None
    assert len(fp.signature) == 7 + 4 * SETTINGS.num_perm
    assert int.from_bytes(fp.signature[3:7], "little") == fp.words - 4


def test_signatures_from_another_num_perm_are_ignored_not_compared() -> None:
    """After num_perm changes, stored signatures of the old size cannot be compared."""
    text = SEEDS[0].read_text()
    old = fingerprint(text, DedupSettings(num_perm=64))
    assert old.signature is not None
    index = NearDuplicateIndex(SETTINGS)
    index.add(1, 1, old.signature, T0)
    assert len(index) == 0
    assert index.find(fingerprint(text, SETTINGS)) is None
