"""The timeline strip's geometry (pure): order, spacing of clustered changes, labels."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from monitor.pages.timeline import MARGIN, MIN_GAP, STATUS_COLOURS, WIDTH, Point, layout

T0 = datetime(2024, 1, 21, tzinfo=UTC)


def point(n: int, status: str, when: datetime) -> Point:
    return Point(change_id=n, status=status, when=when, label=f"{when:%d %b}")


def visit() -> list[Point]:
    """Months of "proposed", then three changes within three days."""
    return [point(1, "proposed", T0), point(2, "imminent", T0 + timedelta(days=143)),
            point(3, "scheduled", T0 + timedelta(days=148)),
            point(4, "underway", T0 + timedelta(days=149)),
            point(5, "concluded", T0 + timedelta(days=150))]


def test_changes_are_drawn_in_date_order_whatever_order_they_come_in() -> None:
    timeline = layout(list(reversed(visit())))
    assert [m.change_id for m in timeline.marks] == [1, 2, 3, 4, 5]
    assert [m.x for m in timeline.marks] == sorted(m.x for m in timeline.marks)


def test_changes_days_apart_still_get_room_and_longer_periods_get_more() -> None:
    xs = [m.x for m in layout(visit()).marks]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert min(gaps) >= MIN_GAP - 0.01
    assert gaps[0] > 2 * max(gaps[1:])  # 143 days against 1 to 5 days


def test_each_status_is_a_segment_until_the_next_change_and_the_last_runs_to_the_end() -> None:
    timeline = layout(visit())
    segments = timeline.segments
    assert [s.status for s in segments] == ["proposed", "imminent", "scheduled", "underway",
                                            "concluded"]
    for segment, mark in zip(segments, timeline.marks, strict=True):
        assert segment.x == mark.x and segment.colour == STATUS_COLOURS[mark.status]
    for left, right in itertools.pairwise(segments):
        assert abs(left.x + left.width - right.x) < 0.01
    assert abs(segments[-1].x + segments[-1].width - (WIDTH - MARGIN)) < 0.01


def test_a_single_change_fills_the_strip() -> None:
    timeline = layout([point(1, "proposed", T0)])
    assert len(timeline.segments) == 1
    assert timeline.segments[0].width == WIDTH - 2 * MARGIN


def test_labels_that_would_overlap_go_to_the_second_row() -> None:
    crowded = [point(n, "cancelled_or_postponed", T0 + timedelta(hours=n)) for n in range(1, 9)]
    marks = layout(crowded).marks
    assert {m.row for m in marks} == {0, 1}
    assert [m.row for m in marks[:2]] == [0, 1]


def test_a_status_outside_the_known_ones_gets_a_colour_of_its_own() -> None:
    timeline = layout([point(1, "talks_started", T0), point(2, "deal_signed", T0 + timedelta(1)),
                       point(3, "talks_started", T0 + timedelta(2))])
    colours = [s.colour for s in timeline.segments]
    assert colours[0] == colours[2] != colours[1]
    assert not set(colours) & set(STATUS_COLOURS.values())
