"""Rendering for the CLI: a rich table for people, JSON for machines, from the same records."""

from __future__ import annotations

import dataclasses
import json
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


Column = tuple[str, Callable[[Any], Any]]
INDENT = "    "


class LongText:
    """A column getter whose values are free text (evidence, titles, URLs, errors). When the
    whole table does not fit the terminal, such values go on their own indented lines under
    their row instead of into a column a few characters wide."""

    def __init__(self, get: Callable[[Any], Any]) -> None:
        self.get = get

    def __call__(self, row: Any) -> Any:
        return self.get(row)


def long_text(get: Callable[[Any], Any]) -> LongText:
    return LongText(get)


def print_table(title: str, rows: Iterable[Any], columns: Sequence[Column], *,
                out: Console | None = None) -> None:
    """Rows as a table when it fits the terminal's width; otherwise the columns that fit as
    aligned text, with each long-text value (and each column that did not fit) on indented
    `name: value` lines below its row; when not even one column fits, one such line per
    column."""
    out = out or console
    names = [name for name, _ in columns]
    cells = [["" if (v := get(row)) is None else str(v) for _, get in columns] for row in rows]
    widths = [max([cell_len(name), *(_widest(row[i]) for row in cells)])
              for i, name in enumerate(names)]
    if sum(widths) + 3 * len(widths) + 1 <= out.width:  # rich's borders and padding
        table = Table(title=title, title_justify="left")
        for name in names:
            table.add_column(name, overflow="fold")
        for row in cells:
            table.add_row(*row)
        out.print(table)
        return
    # Long text goes below its row, then the widest short columns, until the rest fits.
    inline = [i for i, (_, get) in enumerate(columns) if not isinstance(get, LongText)]
    while inline and sum(widths[i] + 2 for i in inline) - 2 > out.width:
        inline.remove(max(reversed(inline), key=lambda i: widths[i]))
    lines = [title]
    if inline:
        lines.append(_aligned([names[i] for i in inline], [widths[i] for i in inline]))
        for row in cells:
            lines.append(_aligned([row[i] for i in inline], [widths[i] for i in inline]))
            lines.extend(_field(names[i], row[i], out.width) for i in range(len(names))
                         if i not in inline and row[i])
    else:
        for row in cells:
            lines.extend(_field(name, value, out.width, indent="  " if n else "- ")
                         for n, (name, value) in enumerate(zip(names, row, strict=True))
                         if value or not n)
    out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def _widest(value: str) -> int:
    return max((cell_len(line) for line in value.splitlines()), default=0)


def _aligned(values: Sequence[str], widths: Sequence[int]) -> str:
    padded = [value + " " * (width - cell_len(value)) for value, width in zip(
        values, widths, strict=True)]
    return "  ".join(padded).rstrip()


def _field(name: str, value: str, width: int, indent: str = INDENT) -> str:
    """`name: value` after `indent`, wrapped at `width` with continuation lines indented
    further (a URL or another word longer than a line is kept whole)."""
    return textwrap.fill(" ".join(value.split()), width=width,
                         initial_indent=f"{indent}{name}: ", subsequent_indent=INDENT + "  ",
                         break_long_words=False, break_on_hyphens=False)


def emit(fmt: OutputFormat, value: Any, title: str, rows: Iterable[Any],
         columns: Sequence[Column]) -> None:
    if fmt is OutputFormat.json:
        print_json(value)
    else:
        print_table(title, rows, columns)


class ItemProgress:
    """A progress bar (items, rate, ETA) on stderr when it is a terminal; silent otherwise."""

    def __init__(self, description: str) -> None:
        self._bar: Progress | None = None
        self._task: Any = None
        self._description = description

    def start(self, total: int, done: int) -> None:
        if not err_console.is_terminal:
            return
        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TaskProgressColumn(), TextColumn("[progress.data.speed]{task.fields[rate]}"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, transient=False)
        self._bar.start()
        self._task = self._bar.add_task(self._description, total=total, completed=done,
                                        rate="")

    def advance(self, items: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, items)
            speed = self._bar.tasks[0].speed
            self._bar.update(self._task, rate=f"{speed:,.0f}/s" if speed else "")

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
