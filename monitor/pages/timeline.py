"""The storyline page's timeline strip (pure): status changes -> SVG geometry.

A horizontal strip of the statuses a storyline went through, one coloured segment per status
from the change that set it to the next, a marker at each change with the status above and
its date below. Reports cluster (a visit is "scheduled", "underway" and "concluded" within
three days after months of "proposed"), so the scale is dates with a floor: every gap between
two changes gets at least `min_gap` pixels and the rest of the width is shared in proportion to
the time between them. Labels that would overlap move to a second row. The template
(templates/_timeline.svg) only draws what `layout` computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

WIDTH = 960
MARGIN = 24
MIN_GAP = 120
TAIL_SHARE = 0.14
"""Part of the width kept after the last change: the current status's own segment."""
CHAR_WIDTH = 7.2
"""Approximate advance of one label character at the template's 12 px font."""
STRIP_Y, STRIP_HEIGHT = 52, 18
HEIGHT = 118

STATUS_COLOURS = {
    "proposed": "#8d99ae",
    "imminent": "#f4a261",
    "scheduled": "#2a9d8f",
    "underway": "#1d6fb8",
    "concluded": "#264653",
    "cancelled_or_postponed": "#c0392b",
}
OTHER_COLOURS = ("#7b5ea7", "#b5838d", "#6a994e", "#bc6c25", "#457b9d", "#9c6644")


@dataclass(frozen=True, slots=True)
class Point:
    """One status change as the strip needs it."""

    change_id: int
    status: str
    when: datetime
    label: str
    """The date as printed under the marker."""


@dataclass(frozen=True, slots=True)
class Segment:
    x: float
    width: float
    status: str
    colour: str


@dataclass(frozen=True, slots=True)
class Mark:
    change_id: int
    x: float
    status: str
    colour: str
    label_x: float
    row: int
    """0: labels next to the strip; 1: one row further out (to avoid an overlap)."""
    date_label: str
    when: datetime


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    strip_y: int
    strip_height: int
    segments: tuple[Segment, ...]
    marks: tuple[Mark, ...]


def status_label(status: str) -> str:
    return status.replace("_", " ")


def colours(statuses: Sequence[str]) -> dict[str, str]:
    """A colour per status: the known ones fixed, others from a palette in order of first
    appearance (so one storyline's colours never change between page loads)."""
    result: dict[str, str] = {}
    extra = 0
    for status in statuses:
        if status in result:
            continue
        if status in STATUS_COLOURS:
            result[status] = STATUS_COLOURS[status]
        else:
            result[status] = OTHER_COLOURS[extra % len(OTHER_COLOURS)]
            extra += 1
    return result


def positions(times: Sequence[datetime], start: float, span: float,
              min_gap: float = MIN_GAP) -> list[float]:
    """x of each time (sorted ascending) within [start, start + span]: each gap at least
    `min_gap` (or an equal share when the span is too short), the rest proportional."""
    if not times:
        return []
    gaps = [max((b - a).total_seconds(), 0.0) for a, b in pairwise(times)]
    if not gaps:
        return [start]
    floor = min(min_gap, span / len(gaps))
    spare = span - floor * len(gaps)
    total = sum(gaps)
    xs = [start]
    for gap in gaps:
        share = gap / total if total else 1 / len(gaps)
        xs.append(xs[-1] + floor + spare * share)
    return xs


def layout(points: Sequence[Point], width: int = WIDTH) -> Timeline:
    """The strip for `points` (in any order; drawn by date)."""
    ordered = sorted(points, key=lambda p: (p.when, p.change_id))
    palette = colours([p.status for p in ordered])
    inner = width - 2 * MARGIN
    tail = inner * TAIL_SHARE if len(ordered) > 1 else inner
    xs = positions([p.when for p in ordered], MARGIN, inner - tail)
    ends = [*xs[1:], float(width - MARGIN)]
    segments = tuple(Segment(x, end - x, p.status, palette[p.status])
                     for p, x, end in zip(ordered, xs, ends, strict=True))
    marks = _marks(ordered, xs, palette, width)
    return Timeline(width=width, height=HEIGHT, strip_y=STRIP_Y, strip_height=STRIP_HEIGHT,
                    segments=segments, marks=marks)


def _marks(ordered: Sequence[Point], xs: Sequence[float], palette: dict[str, str],
           width: int) -> tuple[Mark, ...]:
    last_right = [float("-inf"), float("-inf")]  # right edge of the last label in each row
    marks = []
    for point, x in zip(ordered, xs, strict=True):
        half = max(len(status_label(point.status)), len(point.label)) * CHAR_WIDTH / 2
        label_x = min(max(x, half + 2), width - half - 2)
        row = 0 if label_x - half > last_right[0] + 6 else 1
        if row == 1 and label_x - half <= last_right[1] + 6:
            row = 0  # both rows taken: overlap the nearer one rather than add a third row
        last_right[row] = label_x + half
        marks.append(Mark(change_id=point.change_id, x=x, status=point.status,
                          colour=palette[point.status], label_x=label_x, row=row,
                          date_label=point.label, when=point.when))
    return tuple(marks)
