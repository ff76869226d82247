"""The exception hierarchy. Messages are written for the operator who reads them."""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error monitor raises on purpose."""


class ConfigError(MonitorError):
    """Configuration is invalid. `problems` holds one `FILE: key.path: what is wrong` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class DatabaseError(MonitorError):
    """The database cannot be opened, reached or migrated."""


class FetchError(MonitorError):
    """An HTTP fetch failed (network, status, size cap, refused address...)."""

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


class FeedParseError(MonitorError):
    """A fetched body is not a feed that yields any entries."""


class InputError(MonitorError):
    """A backfill source or a user-supplied file is unreadable or malformed."""


class NotifyError(MonitorError):
    """Delivering an alert failed. `permanent` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False,
                 retry_after: float | None = None) -> None:
        self.permanent = permanent
        self.retry_after = retry_after
        super().__init__(message)
