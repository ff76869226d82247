"""Dedup stage (ArticleDraft -> StoryDecision): exact keys and near-duplicate stories.

Pure core, no I/O. The pipeline looks up exact keys (URL, content hash) through
monitor.db.articles, then calls `decide` with the in-memory `NearDuplicateIndex`; the index
is rebuilt at start from the signatures stored with the articles (`iter_signatures`) over
`settings.window_days` and pruned as that window moves.

What counts as a duplicate: the same normalized text (content hash), or word 5-shingle sets
whose MinHash estimate has Jaccard >= `jaccard_threshold` (wire copies with a new headline,
a byline, small edits) or containment >= `containment_threshold` (a copy cut short, or the
same text wrapped in page boilerplate). Texts under `min_words` only ever match exactly.

The index is our own band index rather than datasketch's MinHashLSH, which holds ~8.9 KB of
Python objects per article (~9 GB at 1M): band keys live in one sorted uint64 numpy array
(plus a small dict of recent additions, merged in batches), signatures in a uint32 matrix,
about 1.3 KB per article in all (bench/dedup_lookup.py measures it).
"""

from __future__ import annotations

import hashlib
import html
import re
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import xxhash
from datasketch import MinHash

from monitor.clock import ensure_utc
from monitor.config import DedupSettings
from monitor.records import StoryDecision

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
G = TypeVar("G", bound=np.generic)

_HEADER = struct.Struct("<BHI")  # format version, num_perm, shingle count
_VERSION = 1
_MERGE_MIN_KEYS = 1 << 16
_MIN_DIR_BITS = 8

_BLOCK_TAGS = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?h\d|/?tr|/?article|/?section)\b[^>]*>",
                         re.IGNORECASE)
_DROP_ELEMENTS = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,2000}>")
_WORD = re.compile(r"\w+")
_BOILERPLATE = re.compile(
    r"^\W*(?:"
    r"click here for (?:reprint|licensing) permissions?"
    r"|(?:©|\(c\)|copyright\b).{0,120}"
    r"|.{0,80}all rights reserved\.?"
    r"|(?:additional )?(?:reporting|writing|editing) by\b.{0,200}"
    r"|by [\w.'’-]+(?: [\w.'’-]+){0,4}(?:(?:,| and| of| for| in) [\w .'’-]{1,60})?"
    r"|(?:sign up|subscribe)\b.{0,120}"
    r"|advertisement|share this (?:article|story).{0,40}|read more\b.{0,200}"
    r"|related(?: stories| articles| coverage)?:?.{0,120}|follow us on\b.{0,80}"
    r"|(?:this (?:article|story) (?:was )?(?:first |originally )?(?:appeared|published)).{0,200}"
    r")\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Dedup keys of one article's text."""

    content_hash: str
    """sha256 hex of the normalized text (case, whitespace, punctuation, boilerplate gone)."""
    signature: bytes | None
    """MinHash signature with its shingle count (None under settings.min_words: exact only)."""
    words: int


def normalized_words(text: str) -> list[str]:
    """The words that identify a text: HTML and boilerplate lines removed, lower case,
    punctuation and whitespace dropped."""
    if "<" in text:
        text = _BLOCK_TAGS.sub("\n", _DROP_ELEMENTS.sub(" ", text))
        text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFKC", text).casefold()
    words: list[str] = []
    for line in text.splitlines():
        if line.strip() and not _BOILERPLATE.match(line.strip()):
            words.extend(_WORD.findall(line))
    return words


def fingerprint(text: str, settings: DedupSettings) -> Fingerprint:
    words = normalized_words(text)
    content_hash = hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
    if len(words) < settings.min_words:
        return Fingerprint(content_hash, None, len(words))
    k = settings.shingle_size
    shingles = {" ".join(words[i:i + k]).encode("utf-8")
                for i in range(max(1, len(words) - k + 1))}
    minhash = MinHash(num_perm=settings.num_perm, scheme="affine32",
                      hashfunc=xxhash.xxh32_intdigest,
                      permutations=_permutations(settings.num_perm))
    minhash.update_batch(shingles)
    return Fingerprint(content_hash, pack_signature(minhash.hashvalues, len(shingles)),
                       len(words))


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> npt.NDArray[np.uint32]:
    perms: npt.NDArray[np.uint32] = MinHash(num_perm=num_perm, scheme="affine32").permutations
    return perms


def pack_signature(values: U32, shingles: int) -> bytes:
    """Signature bytes as stored with the article: header (version, num_perm, shingle count)
    then the MinHash values as little-endian uint32."""
    return _HEADER.pack(_VERSION, len(values), shingles) + values.astype("<u4").tobytes()


def unpack_signature(signature: bytes) -> tuple[U32, int]:
    """(MinHash values, shingle count) from stored signature bytes."""
    version, num_perm, shingles = _HEADER.unpack_from(signature)
    if version != _VERSION or len(signature) != _HEADER.size + 4 * num_perm:
        raise ValueError(f"unknown signature format (version {version}, {len(signature)} bytes)")
    values = np.frombuffer(signature, dtype="<u4", offset=_HEADER.size).astype(np.uint32)
    return values, shingles


def lsh_shape(settings: DedupSettings) -> tuple[int, int]:
    """(bands, rows): rows per band whose candidate threshold (1/bands)^(1/rows) is nearest
    to settings.lsh_threshold."""
    shapes = [(settings.num_perm // r, r) for r in range(1, 9) if settings.num_perm // r >= 1]
    return min(shapes, key=lambda s: abs((1 / s[0]) ** (1 / s[1]) - settings.lsh_threshold))


def band_keys(values: U32, bands: int, rows: int) -> U64:
    """One uint64 key per band (rows of `values` shaped (n, num_perm) or (num_perm,))."""
    sig = np.atleast_2d(values)[:, :bands * rows].astype(np.uint64).reshape(-1, bands, rows)
    acc = np.zeros(sig.shape[:2], dtype=np.uint64) + np.arange(bands, dtype=np.uint64)
    for r in range(rows):
        acc = _mix(acc * np.uint64(0x9E3779B97F4A7C15) + sig[:, :, r])
    keys: U64 = acc.reshape(-1)
    return keys


def _mix(x: U64) -> U64:
    """splitmix64 finalizer: spreads every input bit over the key."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def estimate(query: U32, query_shingles: int, stored: U32,
             stored_shingles: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64],
                                                           npt.NDArray[np.float64]]:
    """(Jaccard, containment) of a query against stored signatures (rows of `stored`).

    Containment (shared shingles over the smaller set) follows from Jaccard and the set
    sizes: |A & B| = J (|A| + |B|) / (1 + J)."""
    jaccard = (stored == query).mean(axis=1)
    shared = jaccard * (stored_shingles + query_shingles) / (1.0 + jaccard)
    containment = np.minimum(1.0, shared / np.minimum(stored_shingles, query_shingles))
    return jaccard, containment


class NearDuplicateIndex:
    """Stored signatures within the window, found through LSH band keys and verified.

    Memory: per article one uint32 signature row, its ids/time/size, and `bands` keys
    (uint64 + int32 slot) in a sorted array; recent additions wait in a dict until merged."""

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self.bands, self.rows = lsh_shape(settings)
        self._n = 0
        self._sig = np.zeros((0, settings.num_perm), dtype=np.uint32)
        self._meta = np.zeros((0, 4), dtype=np.int64)  # article, story, published, shingles
        self._alive = np.zeros(0, dtype=bool)
        self._keys: U64 = np.zeros(0, dtype=np.uint64)
        self._shift = np.uint64(64 - _MIN_DIR_BITS)
        self._dir = np.zeros((1 << _MIN_DIR_BITS) + 1, dtype=np.int64)
        self._slots = np.zeros(0, dtype=np.int32)
        self._pending: dict[int, list[int]] = {}
        self._pending_keys = 0
        self._live = 0

    def __len__(self) -> int:
        return self._live

    @property
    def nbytes(self) -> int:
        """Bytes held in arrays (pending dict not counted: bounded by the merge size)."""
        return sum(a.nbytes for a in (self._sig, self._meta, self._alive, self._keys, self._dir,
                                      self._slots))

    def add(self, article_id: int, story_id: int, signature: bytes,
            published_at: datetime) -> None:
        self.add_many([(article_id, story_id, signature, published_at)])

    def add_many(self, entries: Iterable[tuple[int, int, bytes, datetime]]) -> None:
        """Add stored signatures in bulk (the rebuild at start streams them from the DB)."""
        iterator = iter(entries)
        while chunk := list(islice(iterator, 100_000)):
            self._add_chunk(chunk)

    def _add_chunk(self, entries: list[tuple[int, int, bytes, datetime]]) -> None:
        size = _HEADER.size + 4 * self.settings.num_perm
        entries = [e for e in entries if len(e[2]) == size]  # other num_perm: not comparable
        if not entries:
            return
        raw = np.frombuffer(b"".join(e[2] for e in entries), dtype=np.uint8).reshape(-1, size)
        for signature in (entries[0][2], entries[-1][2]):
            unpack_signature(signature)  # the format check, on a sample
        first = self._grow(len(entries))
        self._sig[first:self._n] = raw[:, _HEADER.size:].copy().view("<u4")
        self._meta[first:self._n, 0] = [e[0] for e in entries]
        self._meta[first:self._n, 1] = [e[1] for e in entries]
        self._meta[first:self._n, 2] = [int(ensure_utc(e[3]).timestamp()) for e in entries]
        self._meta[first:self._n, 3] = raw[:, 3:7].copy().view("<u4")[:, 0]
        self._alive[first:self._n] = True
        self._live += len(entries)
        keys = band_keys(self._sig[first:self._n], self.bands, self.rows)
        slots = np.repeat(np.arange(first, self._n, dtype=np.int32), self.bands)
        if len(entries) > 1000:
            self._merge(keys, slots)
            return
        for key, slot in zip(keys.tolist(), slots.tolist(), strict=True):
            self._pending.setdefault(key, []).append(slot)
        self._pending_keys += len(keys)
        if self._pending_keys > max(_MERGE_MIN_KEYS, len(self._keys) // 8):
            self._merge_pending()

    def _grow(self, count: int) -> int:
        first, needed = self._n, self._n + count
        if needed > len(self._sig):
            capacity = max(needed, int(len(self._sig) * 1.5), 1024)
            self._sig = _resized(self._sig, capacity)
            self._meta = _resized(self._meta, capacity)
            self._alive = _resized(self._alive, capacity)
        self._n = needed
        return first

    def _merge_pending(self) -> None:
        keys = np.fromiter((k for k, v in self._pending.items() for _ in v), dtype=np.uint64)
        slots = np.fromiter((s for v in self._pending.values() for s in v), dtype=np.int32)
        self._pending.clear()
        self._pending_keys = 0
        self._merge(keys, slots)

    def _merge(self, keys: U64, slots: npt.NDArray[np.int32]) -> None:
        # Sort only the new keys and insert them in one linear pass: no argsort of millions.
        order = np.argsort(keys)
        keys, slots = keys[order], slots[order]
        new_at = np.searchsorted(self._keys, keys, side="right") + np.arange(len(keys))
        old = np.ones(len(self._keys) + len(keys), dtype=bool)
        old[new_at] = False
        self._keys = _interleave(self._keys, keys, old, new_at)
        self._slots = _interleave(self._slots, slots, old, new_at)
        self._index_keys()

    def _index_keys(self) -> None:
        """A directory over the sorted keys by their top bits (about 4 keys per entry), so a
        lookup reads a few adjacent keys instead of binary-searching the whole array: at 1M
        articles that array is ~0.5 GB and each search step a cache miss."""
        bits = max(_MIN_DIR_BITS, int(np.log2(max(len(self._keys), 1))) - 2)
        self._shift = np.uint64(64 - bits)
        counts = np.bincount((self._keys >> self._shift).astype(np.intp), minlength=1 << bits)
        dtype = np.int32 if len(self._keys) < 2**31 else np.int64
        self._dir = np.concatenate([[0], np.cumsum(counts)]).astype(dtype)

    def _candidates(self, keys: U64) -> npt.NDArray[np.int64]:
        # Each key's directory entry bounds a handful of sorted keys: compare them all at once.
        found: list[npt.NDArray[np.int32]] = []
        if len(self._keys):
            bucket = (keys >> self._shift).astype(np.intp)
            lo, hi = self._dir[bucket], self._dir[bucket + 1]
            width = int((hi - lo).max())
            if width:
                at = lo[:, None] + np.arange(width)
                inside = at < hi[:, None]
                at = np.where(inside, at, 0)
                found.append(self._slots[at[inside & (self._keys[at] == keys[:, None])]])
        if self._pending:
            found.extend(np.asarray(self._pending[k], dtype=np.int32)
                         for k in keys.tolist() if k in self._pending)
        if not found:
            return np.zeros(0, dtype=np.int64)
        slots = np.unique(np.concatenate(found)).astype(np.int64)
        return slots[self._alive[slots]]

    def find(self, fp: Fingerprint) -> StoryDecision | None:
        """The best verified near-duplicate of `fp` (highest Jaccard, then containment, then
        the earliest article), or None."""
        if fp.signature is None or self._live == 0:
            return None
        values, shingles = unpack_signature(fp.signature)
        if len(values) != self.settings.num_perm:
            return None
        slots = self._candidates(band_keys(values, self.bands, self.rows))
        if len(slots) == 0:
            return None
        meta = self._meta[slots]
        jaccard, containment = estimate(values, shingles, self._sig[slots], meta[:, 3])
        s = self.settings
        same = (jaccard >= s.jaccard_threshold) | (
            (containment >= s.containment_threshold) & (jaccard >= s.lsh_threshold))
        if not same.any():
            return None
        best = np.lexsort((meta[:, 0], -containment, -jaccard))
        best = best[same[best]][0]
        return StoryDecision(duplicate_of=int(meta[best, 0]), story_id=int(meta[best, 1]),
                             reason="near_duplicate", jaccard=round(float(jaccard[best]), 4),
                             containment=round(float(containment[best]), 4))

    def prune(self, older_than: datetime) -> int:
        """Drop entries published before `older_than` and compact. Returns how many."""
        cutoff = int(ensure_utc(older_than).timestamp())
        old = self._alive[:self._n] & (self._meta[:self._n, 2] < cutoff)
        dropped = int(old.sum())
        if dropped == 0:
            return 0
        self._alive[:self._n] &= ~old
        self._live -= dropped
        self._compact()
        return dropped

    def _compact(self) -> None:
        self._merge_pending()
        keep = np.flatnonzero(self._alive[:self._n])
        remap = np.full(self._n, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        new_slots = remap[self._slots]
        live_keys = new_slots >= 0
        self._keys = self._keys[live_keys]
        self._slots = new_slots[live_keys].astype(np.int32)
        self._index_keys()
        self._sig, self._meta = self._sig[keep].copy(), self._meta[keep].copy()
        self._alive = np.ones(len(keep), dtype=bool)
        self._n = len(keep)


def _interleave(base: npt.NDArray[G], new: npt.NDArray[G], old: npt.NDArray[np.bool_],
                new_at: npt.NDArray[np.intp]) -> npt.NDArray[G]:
    merged = np.empty(len(old), dtype=base.dtype)
    merged[old] = base
    merged[new_at] = new
    return merged


def _resized(array: npt.NDArray[G], capacity: int) -> npt.NDArray[G]:
    grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[:len(array)] = array
    return grown


def decide(fp: Fingerprint, index: NearDuplicateIndex,
           exact: tuple[int, int] | None) -> StoryDecision:
    """A new story, or the story of the stored article this text duplicates.

    `exact` is (article_id, story_id) of a stored article with the same content hash. An
    empty text has nothing to compare and always starts a new story."""
    if fp.words == 0:
        return StoryDecision(duplicate_of=None, story_id=None, reason="new")
    if exact is not None:
        return StoryDecision(duplicate_of=exact[0], story_id=exact[1], reason="content_hash",
                             jaccard=1.0, containment=1.0)
    return index.find(fp) or StoryDecision(duplicate_of=None, story_id=None, reason="new")
