"""How a storyline's names are written as patterns: one spelling of quotes and dashes, and
words that may be joined by spaces, hyphens or nothing. Used by the matcher's entity groups
and by the kinds' role slots (light: no scikit-learn here)."""

from __future__ import annotations

import re

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                         "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u00a0": " "})
_TERM_SEPARATOR = r"[\s\-]*"


def normalize(text: str) -> str:
    """Typographic quotes and dashes to ASCII, so patterns and terms see one spelling."""
    return text.translate(_QUOTES)


def term_body(term: str) -> str:
    """The regular expression of a name (case-insensitive, bounded by whole words where
    used): words may be joined by spaces, hyphens or nothing, so "Moon Jae-in" finds
    "Moon Jae In" and "Moon Jae-In's" (a possessive is not a word)."""
    words = re.split(r"[\s\-]+", normalize(term).strip())
    return _TERM_SEPARATOR.join(re.escape(w) for w in words if w)
