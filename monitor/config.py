"""Settings and storyline definitions, validated once at start (pydantic).

Layout of the config directory (MONITOR_CONFIG_DIR, default ./config):
    monitor.toml            settings (this module's Settings)
    feeds.toml              the default feed list ([[feeds]] url = ..., outlet = ...)
    storylines/*.toml       one storyline each (monitor.storylines.spec.StorylineSpec)

Environment variables override files: MONITOR_DATABASE_URL, MONITOR_DATA_DIR,
MONITOR_SLACK_BASE_URL, MONITOR_SLACK_CHANNEL, MONITOR_ALLOW_PRIVATE_HOSTS,
MONITOR_HTTP_PORT, MONITOR_HTTP_HOST, MONITOR_LOG_FORMAT, MONITOR_LOG_LEVEL, MONITOR_WORKER_ID.
Secrets come only from the environment (or a file it names) and never from TOML:
SLACK_BOT_TOKEN / SLACK_BOT_TOKEN_FILE, SLACK_WEBHOOK_URL / SLACK_WEBHOOK_URL_FILE.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from monitor.errors import ConfigError
from monitor.storylines.kinds import load_storyline
from monitor.storylines.spec import (
    StorylineSpec,
    definition_problems,
    seed_problems,
    with_seed_start,
)

DEFAULT_CONFIG_DIR = Path("config")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Section):
    url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite file monitor.db in the data directory")
    pool_size: int = Field(5, ge=1, description="Connections per process (PostgreSQL)")


class PollingSettings(Section):
    interval_seconds: int = Field(900, ge=1, description="Default time between polls of a feed")
    max_interval_seconds: int = Field(86400, ge=60, description="Upper bound after backoff/TTL")
    backoff_base_seconds: int = Field(60, ge=1, description="First retry delay after a failure")
    jitter: float = Field(0.1, ge=0, le=1, description="Random spread added to every delay")
    tick_seconds: int = Field(30, ge=1, description="How often the daemon looks for due feeds")
    batch_size: int = Field(50, ge=1, description="Feeds claimed per database round trip")
    lease_seconds: int = Field(300, ge=1, description="A claimed feed returns to the pool after")


class HttpSettings(Section):
    user_agent: str = Field(
        "monitor/0.1 (news-monitoring alert daemon; +https://github.com/monitor-news/monitor)",
        description="User-Agent sent with every request")
    connect_timeout: float = Field(10.0, gt=0, description="Seconds to establish a connection")
    read_timeout: float = Field(20.0, gt=0, description="Seconds between bytes received")
    total_timeout: float = Field(60.0, gt=0, description="Seconds for a whole response")
    max_response_bytes: int = Field(10_000_000, ge=1024, description="Responses past this abort")
    max_redirects: int = Field(5, ge=0, description="Redirects followed per request")
    max_connections: int = Field(100, ge=1, description="Concurrent requests in total")
    max_per_host: int = Field(4, ge=1, description="Concurrent requests per host")
    allow_private_hosts: tuple[str, ...] = Field(
        (), description="Hosts allowed even if they resolve to private/loopback addresses")


class ExtractSettings(Section):
    workers: int = Field(2, ge=0, description="Extraction processes (0: in the calling thread)")
    min_text_chars: int = Field(400, ge=0, description="Shorter page text falls back to the feed")
    max_html_bytes: int = Field(5_000_000, ge=1024, description="Larger pages are not parsed")


class DedupSettings(Section):
    window_days: int = Field(30, ge=1, description="Days of signatures kept in the index")
    shingle_size: int = Field(5, ge=1, description="Words per shingle")
    num_perm: int = Field(128, ge=16, description="MinHash permutations")
    jaccard_threshold: float = Field(0.5, gt=0, le=1, description="Same story at or above")
    containment_threshold: float = Field(0.8, gt=0, le=1, description="Same story at or above")
    min_words: int = Field(40, ge=1, description="Shorter texts only match exactly")
    lsh_threshold: float = Field(
        0.15, gt=0, lt=1, description="LSH candidate Jaccard (lower finds shorter copies); "
        "also the least Jaccard a containment match needs")


class SlackSettings(Section):
    channel: str = Field("#news-alerts", description="Default channel for alerts")
    base_url: str | None = Field(None, description="Slack Web API root (tests, proxies)")
    timeout_seconds: float = Field(15.0, gt=0, description="Per-request timeout")
    bot_token: SecretStr | None = Field(None, exclude=True, description="From SLACK_BOT_TOKEN")
    webhook_url: SecretStr | None = Field(None, exclude=True, description="From SLACK_WEBHOOK_URL")


class AlertSettings(Section):
    max_attempts: int = Field(
        12, ge=1, description="Attempts before an alert is dead (12 with the default backoff: "
        "~5 h of Slack outage)")
    backoff_base_seconds: int = Field(30, ge=1, description="First retry delay")
    backoff_max_seconds: int = Field(3600, ge=1, description="Longest retry delay")
    lease_seconds: int = Field(120, ge=10, description="A claimed alert returns to the pool after")
    dispatch_seconds: int = Field(10, ge=1, description="How often the daemon dispatches")


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="Address of /healthz, /readyz, /metrics")
    port: int = Field(9108, ge=0, le=65535, description="Port (0: pick a free one)")
    enabled: bool = Field(True, description="Serve the health/metrics endpoint")
    public_url: str | None = Field(
        None, description="Where people reach the storyline pages (behind your proxy); "
        "when set, alerts link to /storylines/ID there")

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError("must be an http:// or https:// URL, e.g. https://monitor.example.org")
        return value.rstrip("/")


class RetentionSettings(Section):
    article_text_days: int | None = Field(
        None, ge=1, description="Prune article text older than this (None: keep)")


class LoggingSettings(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "console", "json"] = Field(
        "auto", description="auto: console on a terminal, JSON otherwise")


class DaemonSettings(Section):
    worker_id: str | None = Field(None, description="Process id for leases (default host:pid)")
    grace_seconds: float = Field(20.0, ge=0, description="Time to finish work on SIGTERM")


class Settings(Section):
    data_dir: Path = Field(Path("data"), description="Where the SQLite file and state live")
    database: DatabaseSettings = DatabaseSettings()
    polling: PollingSettings = PollingSettings()
    http: HttpSettings = HttpSettings()
    extract: ExtractSettings = ExtractSettings()
    dedup: DedupSettings = DedupSettings()
    slack: SlackSettings = SlackSettings()
    alerts: AlertSettings = AlertSettings()
    server: ServerSettings = ServerSettings()
    retention: RetentionSettings = RetentionSettings()
    logging: LoggingSettings = LoggingSettings()
    daemon: DaemonSettings = DaemonSettings()

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'monitor.db').resolve()}"


class FeedSpec(Section):
    url: str
    outlet: str | None = None
    title: str | None = None
    interval_seconds: int | None = Field(None, ge=60)


class FeedList(Section):
    feeds: tuple[FeedSpec, ...] = ()


@dataclass(frozen=True)
class AppConfig:
    """Everything loaded from the config directory and the environment."""

    config_dir: Path
    settings: Settings
    feeds: tuple[FeedSpec, ...]
    storylines: tuple[StorylineSpec, ...]

    def storyline(self, storyline_id: str) -> StorylineSpec | None:
        return next((s for s in self.storylines if s.id == storyline_id), None)


# Environment variable -> (section, key) of Settings.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "MONITOR_DATABASE_URL": ("database", "url"),
    "MONITOR_DATA_DIR": ("data_dir",),
    "MONITOR_SLACK_BASE_URL": ("slack", "base_url"),
    "MONITOR_SLACK_CHANNEL": ("slack", "channel"),
    "MONITOR_ALLOW_PRIVATE_HOSTS": ("http", "allow_private_hosts"),
    "MONITOR_HTTP_PORT": ("server", "port"),
    "MONITOR_HTTP_HOST": ("server", "host"),
    "MONITOR_LOG_FORMAT": ("logging", "format"),
    "MONITOR_LOG_LEVEL": ("logging", "level"),
    "MONITOR_WORKER_ID": ("daemon", "worker_id"),
}
SECRETS: dict[str, tuple[str, str]] = {
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_WEBHOOK_URL": ("slack", "webhook_url"),
}


def config_dir_from_env(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("MONITOR_CONFIG_DIR") or DEFAULT_CONFIG_DIR)


def load_config(config_dir: Path | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    """Load and validate everything; raise ConfigError listing every problem found."""
    env = os.environ if env is None else env
    config_dir = config_dir or config_dir_from_env(env)
    problems: list[str] = []
    if not config_dir.is_dir():
        raise ConfigError([f"{config_dir}: config directory not found (set MONITOR_CONFIG_DIR)"])
    settings_path = config_dir / "monitor.toml"
    raw = _read_toml(settings_path, problems) if settings_path.exists() else {}
    settings = _settings(settings_path, raw, env, problems)
    feeds = _feeds(config_dir / "feeds.toml", problems)
    storylines = _storylines(config_dir, problems)
    if problems or settings is None:
        raise ConfigError(problems)
    return AppConfig(config_dir, settings, feeds, storylines)


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror}")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: invalid TOML: {exc}")
    return {}


def _settings(path: Path, raw: dict[str, Any], env: Mapping[str, str],
              problems: list[str]) -> Settings | None:
    slack = raw.get("slack")
    for key, variable in (("bot_token", "SLACK_BOT_TOKEN"), ("webhook_url", "SLACK_WEBHOOK_URL")):
        if isinstance(slack, dict) and key in slack:
            problems.append(f"{path}: slack.{key}: secrets are not read from files in the "
                            f"config directory; set {variable} or {variable}_FILE")
    data = _apply_env(raw, env, problems)
    if problems:
        return None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems.extend(format_validation(path, exc))
        return None
    if not settings.data_dir.is_absolute():
        # Relative data directories are relative to the working directory, like the CLI's paths.
        settings = settings.model_copy(update={"data_dir": Path.cwd() / settings.data_dir})
    return settings


def _apply_env(raw: dict[str, Any], env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for name, path in ENV_OVERRIDES.items():
        value: Any = env.get(name)
        if value is None or value == "":
            continue
        if name == "MONITOR_ALLOW_PRIVATE_HOSTS":
            value = [h.strip() for h in value.split(",") if h.strip()]
        _set_path(data, path, value)
    for name, path in SECRETS.items():
        secret = _secret(env, name, problems)
        if secret is not None:
            _set_path(data, path, secret)
    return data


def _secret(env: Mapping[str, str], name: str, problems: list[str]) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (never echoed)."""
    if env.get(name):
        return env[name].strip()
    file_name = env.get(f"{name}_FILE")
    if not file_name:
        return None
    try:
        return Path(file_name).read_text(encoding="utf-8").strip()
    except OSError as exc:
        problems.append(f"{file_name}: {name}_FILE: cannot read: {exc.strerror}")
        return None


def _set_path(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = data
    for key in path[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            child = {}
            target[key] = child
        target = child
    target[path[-1]] = value


def _feeds(path: Path, problems: list[str]) -> tuple[FeedSpec, ...]:
    if not path.exists():
        return ()
    raw = _read_toml(path, problems)
    try:
        return FeedList.model_validate(raw).feeds
    except ValidationError as exc:
        problems.extend(format_validation(path, exc))
        return ()


def _storylines(config_dir: Path, problems: list[str]) -> tuple[StorylineSpec, ...]:
    specs: list[StorylineSpec] = []
    for path in sorted((config_dir / "storylines").glob("*.toml")):
        raw = _read_toml(path, problems)
        if not raw:
            continue
        spec, found = storyline_from_file(path, raw, config_dir.parent)
        problems.extend(found)
        if spec is not None:
            specs.append(spec)
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            problems.append(f"{config_dir / 'storylines'}: id: duplicate storyline id {spec.id!r}")
        seen.add(spec.id)
    return tuple(specs)


def storyline_from_file(path: Path, raw: dict[str, Any],
                        project_dir: Path) -> tuple[StorylineSpec | None, list[str]]:
    """The spec of one storyline file's contents (None when invalid), and one
    `FILE: key.path: what is wrong` line per problem: its seeds, its fields, and the checks
    across fields (kind, roles, cues)."""
    problems = [f"{path}: {p}" for p in seed_problems(raw.get("seeds"), project_dir)]
    try:
        return with_seed_start(load_storyline(raw), project_dir), problems
    except ValidationError as exc:
        problems.extend(format_validation(path, exc))
        if all(error["loc"] for error in exc.errors()):
            # Field errors stop pydantic before the checks across fields: run them too.
            problems.extend(f"{path}: {p}" for p in definition_problems(
                raw.get("kind"), raw.get("roles"), raw.get("cues")))
        return None, problems


def format_validation(path: Path, exc: ValidationError) -> list[str]:
    """One `FILE: key.path: what is wrong` line per pydantic error."""
    lines: list[str] = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        message = err["msg"]
        if err["type"] == "value_error" and not err["loc"]:
            # A check across fields (storyline roles, cues) names its own key paths.
            lines.extend(f"{path}: {problem}" for problem in
                         message.removeprefix("Value error, ").split("; "))
            continue
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif "input" in err and err["type"] not in ("missing",) and not _is_secret(err["loc"]):
            message = f"{message} (got {err['input']!r})"
        lines.append(f"{path}: {loc}: {message}")
    return lines


def _is_secret(loc: tuple[Any, ...]) -> bool:
    return any(str(part) in ("bot_token", "webhook_url") for part in loc)
