"""A named pattern: the unit every kind and the shared reporting rules are written in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cue:
    """`name` says what the pattern reads; `pattern` is a regex with slots ({visitor},
    {place}, ...); `example` is the shape of real wording it was written for."""

    name: str
    pattern: str
    example: str = ""
