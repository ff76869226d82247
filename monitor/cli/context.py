"""State shared by the CLI's command groups: the config directory and the app context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.app import App, open_app
from monitor.errors import MonitorError

_config_dir: Path | None = None


class NotYetAvailable(MonitorError):
    def __init__(self, command: str) -> None:
        super().__init__(f"{command}: not yet available in this version of monitor")


def set_config_dir(path: Path | None) -> None:
    global _config_dir
    _config_dir = path


def config_dir() -> Path | None:
    return _config_dir


@contextmanager
def app_context() -> Iterator[App]:
    """Validate config and open the database, as every command does before its work."""
    with open_app(_config_dir) as app:
        yield app
