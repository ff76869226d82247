"""The status state machine (monitor.storylines.tracker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.records import Observation, Report, StorylineState
from monitor.storylines.spec import CorroborationSpec
from monitor.storylines.tracker import closed_since, decide
from tests.storylines.replay import load_spec

SPEC = load_spec()
ID = SPEC.id
T0 = datetime(2024, 6, 17, 12, tzinfo=UTC)
DATE = {"visit_date": "2024-06-18", "visit_end": "2024-06-19"}


def state(status: str | None, facts: dict[str, str] | None = None) -> StorylineState:
    return StorylineState(ID, status, facts or {}, None if status is None else T0)


def obs(status: str, facts: dict[str, str] | None = None) -> Observation:
    return Observation(ID, status, facts or {}, f"evidence for {status}")


def report(n: int, outlet: str, hours: int = 0) -> Report:
    return Report(n, n, f"https://example.org/{n}", outlet, f"title {n}",
                  T0 + timedelta(hours=hours))


def test_first_observation_sets_the_status() -> None:
    change = decide(SPEC, state(None), obs("proposed"), report(1, "AP"), [], T0)
    assert change is not None
    assert (change.from_status, change.to_status, change.report.outlet) == (None, "proposed",
                                                                           "AP")


def test_forward_move_with_one_outlet_carries_facts_and_evidence() -> None:
    change = decide(SPEC, state("proposed"), obs("scheduled", DATE), report(1, "TASS"), [], T0)
    assert change is not None
    assert change.facts_before == {} and change.facts_after == DATE
    assert change.evidence == "evidence for scheduled"
    assert change.explanation["kind"] == "forward"


def test_passing_over_a_stage_waits_for_a_second_outlet() -> None:
    far = {"visit_date": "2024-09-13"}   # months ahead: one outlet is more likely a misreading
    assert decide(SPEC, state("proposed"), obs("scheduled", far), report(1, "AP"), [], T0) is None
    change = decide(SPEC, state("proposed"), obs("scheduled", far), report(2, "AP", hours=2),
                    [report(1, "Reuters")], T0)
    assert change is not None and change.to_status == "scheduled"
    assert change.explanation["needed"] == 2
    assert decide(SPEC, state("scheduled", DATE), obs("concluded"), report(1, "AP"), [],
                  T0) is None
    assert decide(SPEC, state("scheduled", DATE), obs("concluded"), report(2, "AP"),
                  [report(1, "Reuters")], T0) is not None


def test_a_date_days_away_may_be_announced_straight_from_proposed() -> None:
    change = decide(SPEC, state("proposed"), obs("scheduled", DATE), report(1, "AP"), [], T0)
    assert change is not None and change.to_status == "scheduled"


def test_an_arrival_before_any_known_date_needs_a_second_outlet() -> None:
    assert decide(SPEC, state("proposed"), obs("underway"), report(2, "AP"), [], T0) is None
    change = decide(SPEC, state("proposed"), obs("underway"), report(2, "AP", hours=1),
                    [report(1, "TASS")], T0)
    assert change is not None and change.to_status == "underway"
    assert change.report.outlet == "TASS"   # attributed to the first report


def test_history_never_moves_backwards() -> None:
    for current in ("scheduled", "underway", "concluded"):
        assert decide(SPEC, state(current, DATE), obs("proposed"), report(1, "AP"), [], T0) \
            is None
    assert decide(SPEC, state("concluded"), obs("underway"), report(1, "AP"), [], T0) is None


def test_same_status_same_date_is_no_change() -> None:
    assert decide(SPEC, state("scheduled", DATE), obs("scheduled", DATE), report(1, "AP"), [],
                  T0) is None
    within = {"visit_date": "2024-06-19"}   # the second day of the known range
    assert decide(SPEC, state("scheduled", DATE), obs("scheduled", within), report(1, "AP"),
                  [report(2, "Reuters")], T0) is None


def test_a_moved_date_needs_two_outlets_and_is_a_change() -> None:
    moved = {"visit_date": "2024-06-25"}
    assert decide(SPEC, state("scheduled", DATE), obs("scheduled", moved), report(1, "AP"), [],
                  T0) is None
    change = decide(SPEC, state("scheduled", DATE), obs("scheduled", moved), report(2, "AP", 1),
                    [report(1, "Reuters")], T0)
    assert change is not None
    assert change.explanation["kind"] == "fact_change"
    assert (change.facts_before, change.facts_after) == (DATE, moved)
    assert change.report.outlet == "Reuters"   # the first article that stated it


def test_cancellation_needs_two_distinct_outlets() -> None:
    current = state("scheduled", DATE)
    cancel = obs("cancelled_or_postponed")
    assert decide(SPEC, current, cancel, report(1, "AP"), [], T0) is None
    assert decide(SPEC, current, cancel, report(2, "AP", 1), [report(1, "AP")], T0) is None
    change = decide(SPEC, current, cancel, report(2, "Yonhap", 1), [report(1, "AP")], T0)
    assert change is not None and change.to_status == "cancelled_or_postponed"
    assert [r.outlet for r in (change.report, *change.corroborating)] == ["AP", "Yonhap"]


def test_a_trusted_outlet_suffices_alone() -> None:
    spec = SPEC.model_copy(update={"corroboration": CorroborationSpec(trusted=("Kremlin",))})
    change = decide(spec, state("scheduled", DATE), obs("cancelled_or_postponed"),
                    report(1, "Kremlin"), [], T0)
    assert change is not None and change.explanation["trusted"] == ["Kremlin"]


def test_setbacks_only_through_declared_transitions() -> None:
    assert decide(SPEC, state("concluded"), obs("cancelled_or_postponed"), report(1, "AP"),
                  [report(2, "Reuters")], T0) is None
    assert decide(SPEC, state(None), obs("cancelled_or_postponed"), report(1, "AP"),
                  [report(2, "Reuters")], T0) is None


def test_after_a_postponement_a_new_date_is_a_declared_move() -> None:
    postponed = state("cancelled_or_postponed", DATE)
    new_date = obs("scheduled", {"visit_date": "2024-07-01"})
    later = Report(1, 1, "https://example.org/1", "AP", "t", T0 + timedelta(days=10))
    change = decide(SPEC, postponed, new_date, later, [], T0)
    assert change is not None and change.facts_after == {"visit_date": "2024-07-01"}


def test_the_days_after_a_postponement_do_not_revive_the_plan() -> None:
    # "Blinken was supposed to be in Beijing next week": the reports of the same days recall
    # the plan that fell; only from resume_after_days on can the event come back.
    postponed = state("cancelled_or_postponed", DATE)
    next_day = Report(1, 1, "https://example.org/1", "AP", "t", T0 + timedelta(days=1))
    assert decide(SPEC, postponed, obs("imminent"), next_day, [], T0) is None


def test_reviving_after_a_setback_drops_the_dates_of_the_plan_that_fell() -> None:
    postponed = state("cancelled_or_postponed", DATE)
    later = Report(1, 1, "https://example.org/1", "AP", "t", T0 + timedelta(days=30))
    change = decide(SPEC, postponed, obs("proposed"), later, [], T0)
    assert change is not None and change.facts_after == {}


def test_forward_corroboration_is_configurable() -> None:
    spec = SPEC.model_copy(update={"corroboration": CorroborationSpec(forward=2)})
    assert decide(spec, state("proposed"), obs("imminent"), report(1, "AP"), [], T0) is None
    assert decide(spec, state("proposed"), obs("imminent"), report(1, "AP"),
                  [report(2, "Reuters")], T0) is not None


def test_an_arrival_reported_days_before_the_visit_date_is_ignored() -> None:
    early = Report(1, 1, "u", "AP", "t", datetime(2024, 6, 10, tzinfo=UTC))
    assert decide(SPEC, state("scheduled", DATE), obs("underway"), early, [], T0) is None
    on_time = Report(2, 2, "u", "AP", "t", datetime(2024, 6, 18, 18, tzinfo=UTC))
    change = decide(SPEC, state("scheduled", DATE), obs("underway"), on_time, [], T0)
    assert change is not None and change.facts_after == DATE


def test_a_relative_date_one_day_off_is_not_a_date_move() -> None:
    today = Observation(ID, "scheduled", {"visit_date": "2024-06-17"}, "arrives today",
                        {"date_kind": "relative"})
    support = [report(2, "KBS")]
    assert decide(SPEC, state("scheduled", DATE), today, report(1, "Yonhap"), support, T0) \
        is None
    stated = Observation(ID, "scheduled", {"visit_date": "2024-06-17"}, "on June 17",
                         {"date_kind": "absolute"})
    change = decide(SPEC, state("scheduled", DATE), stated, report(1, "Yonhap"), support, T0)
    assert change is not None and change.explanation["kind"] == "fact_change"


def test_reports_days_apart_do_not_corroborate_each_other() -> None:
    """An old sentence read the same way is not a second outlet confirming today's news."""
    months_before = Report(1, 1, "https://example.org/1", "TASS", "title 1",
                           T0 - timedelta(days=200))
    assert decide(SPEC, state("proposed"), obs("underway"), report(2, "AP"),
                  [months_before], T0) is None
    hours_before = report(1, "TASS", hours=-10)
    change = decide(SPEC, state("proposed"), obs("underway"), report(2, "AP"), [hours_before],
                    T0)
    assert change is not None and change.report.outlet == "TASS"


def test_a_story_first_heard_of_as_imminent_needs_no_second_outlet() -> None:
    change = decide(SPEC, state(None), obs("imminent"), report(1, "AP"), [], T0)
    assert change is not None and change.to_status == "imminent"
    far = {"visit_date": "2024-09-13"}
    assert decide(SPEC, state(None), obs("scheduled", far), report(1, "AP"), [], T0) is None


def test_an_arrival_read_from_one_outlet_is_corrected_when_two_still_give_a_date_to_come(
        ) -> None:
    arrived = StorylineState(ID, "underway", DATE, T0)
    later = T0 + timedelta(days=1, hours=2)
    still_coming = obs("scheduled", {"visit_date": "2024-06-20"})
    reports = [Report(n, n, f"https://example.org/{n}", outlet, "t", later)
               for n, outlet in ((5, "AP"), (6, "Reuters"))]
    change = decide(SPEC, arrived, still_coming, reports[1], [reports[0]], later,
                    standing=[report(1, "TASS")])
    assert change is not None and change.explanation["kind"] == "correction"
    assert (change.from_status, change.to_status) == ("underway", "scheduled")
    # Two outlets behind the arrival: it stands.
    assert decide(SPEC, arrived, still_coming, reports[1], [reports[0]], later,
                  standing=[report(1, "TASS"), report(2, "Yonhap")]) is None
    # The same day as the arrival: not yet a correction.
    same_day = Report(7, 7, "https://example.org/7", "AP", "t", T0 + timedelta(hours=3))
    assert decide(SPEC, arrived, still_coming, same_day, [reports[0]], later,
                  standing=[report(1, "TASS")]) is None


def test_a_government_announcement_may_pass_over_a_stage_on_one_outlet() -> None:
    far = {"visit_date": "2024-09-13"}
    announced = Observation(ID, "scheduled", far, "the ministry announced", {"official": True})
    change = decide(SPEC, state("proposed"), announced, report(1, "AP"), [], T0)
    assert change is not None and change.to_status == "scheduled"


def test_a_storyline_closes_two_weeks_after_its_event_began() -> None:
    underway = StorylineState(ID, "underway", DATE, T0)
    assert closed_since(SPEC, underway, T0 + timedelta(days=10)) is None
    assert closed_since(SPEC, underway, T0 + timedelta(days=300)) is not None
    assert closed_since(SPEC, state("scheduled", DATE), T0 + timedelta(days=300)) is None
