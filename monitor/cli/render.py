"""Rendering for the CLI: a rich table for people, JSON for machines, from the same records."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

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


def print_table(title: str, rows: Iterable[Any], columns: Sequence[Column]) -> None:
    table = Table(title=title, title_justify="left")
    for name, _ in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("" if (v := get(row)) is None else str(v) for _, get in columns))
    console.print(table)


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
