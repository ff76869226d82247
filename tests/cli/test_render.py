"""Tables at the terminal's width: a table when it fits, long text on its own lines when not."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from monitor.cli.render import Column, long_text, print_table
from tests.cli.test_foundation import monitor, project

__all__ = ["project"]

EVIDENCE = ("Mr Putin is expected to arrive in the capital on Tuesday to meet North Korean "
            "leader Kim Jong Un, the Kremlin said, in his first visit since 2000.")


@dataclass
class Change:
    published: str
    change: str
    outlet: str
    evidence: str


ROWS = [Change("2024-06-17 12:00", "proposed -> scheduled", "BBC-style outlet (unnamed)",
               EVIDENCE),
        Change("2024-06-19 01:00", "scheduled -> underway", "KCNA", "Putin arrived.")]
COLUMNS: list[Column] = [("published", lambda c: c.published), ("change", lambda c: c.change),
                         ("outlet", lambda c: c.outlet),
                         ("evidence", long_text(lambda c: c.evidence))]


def render(width: int, columns: list[Column] = COLUMNS) -> list[str]:
    out = io.StringIO()
    print_table("Timeline", ROWS, columns, out=Console(file=out, width=width))
    return out.getvalue().splitlines()


def test_a_table_that_fits_is_a_table() -> None:
    lines = render(250)
    assert lines[0].strip() == "Timeline" and "┃ published " in lines[2]
    assert any(EVIDENCE in line for line in lines)  # one row, one line
    assert all(len(line) <= 250 for line in lines)


def test_at_80_columns_long_text_goes_on_indented_lines_below_its_row() -> None:
    lines = render(80)
    assert lines == [
        "Timeline",
        "published         change                 outlet",
        "2024-06-17 12:00  proposed -> scheduled  BBC-style outlet (unnamed)",
        "    evidence: Mr Putin is expected to arrive in the capital on Tuesday to meet",
        "      North Korean leader Kim Jong Un, the Kremlin said, in his first visit",
        "      since 2000.",
        "2024-06-19 01:00  scheduled -> underway  KCNA",
        "    evidence: Putin arrived.",
    ]


def test_short_columns_that_do_not_fit_move_below_widest_first() -> None:
    lines = render(40)
    assert lines[1:5] == ["published         change",
                          "2024-06-17 12:00  proposed -> scheduled",
                          "    outlet: BBC-style outlet (unnamed)",
                          "    evidence: Mr Putin is expected to"]
    assert max(len(line) for line in lines) <= 40


def test_when_no_column_fits_each_row_is_a_list_of_fields() -> None:
    lines = render(12, [("change", lambda c: c.change), ("outlet", lambda c: c.outlet)])
    assert lines[1:8] == ["- change: proposed", "      ->", "      scheduled",
                          "  outlet: BBC-style", "      outlet", "      (unnamed)",
                          "- change: scheduled"]


@pytest.mark.slow
def test_storylines_show_and_the_backfill_timeline_at_80_columns(project: Path) -> None:
    """The evidence sentence reads as a sentence, not one word per line, and no line is
    wider than the terminal; --format json is the same records as before."""
    env = {"COLUMNS": "80"}
    backfill = monitor(project, "backfill", "--source", "seeds", env=env)
    assert backfill.returncode == 0, backfill.stderr
    shown = monitor(project, "storylines", "show", "putin-pyongyang-visit", env=env)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(monitor(project, "storylines", "show", "putin-pyongyang-visit",
                              "--format", "json", env=env).stdout)
    assert [c["to_status"] for c in data["timeline"]] == ["proposed", "scheduled"]
    for output in (backfill.stdout, shown.stdout[shown.stdout.index("Timeline"):]):
        timeline = output[output.rindex("Timeline"):]
        assert max(len(line) for line in timeline.splitlines()) <= 80
        for change in data["timeline"]:  # (a no-break space wraps like a space)
            assert " ".join(f"evidence: {change['evidence']}".split()) in " ".join(
                _unwrapped(timeline).split())
        # Lines of text, not a word per line: about one line per 60 characters of evidence.
        assert len(timeline.splitlines()) <= 4 + sum(3 + len(c["evidence"]) // 60
                                                     for c in data["timeline"])


def _unwrapped(text: str) -> str:
    """Continuation lines (indented six spaces) joined back to the line they continue."""
    return text.replace("\n      ", " ")


def test_rich_reads_the_width_from_columns() -> None:
    """The CLI tests above rely on it (no terminal in a subprocess)."""
    env = {**os.environ, "COLUMNS": "63"}
    code = "from monitor.cli.render import console; print(console.width)"
    width = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout
    assert width.strip() == "63"
