"""New storyline files: the short form (id, title, kind, seeds, roles) written from the
command line (`monitor storylines new`) and from suggestions (`storylines suggest`), checked
the way `config check` checks them before anything is written. Pure text in and out, but for
`create_storyline`, which writes the file."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from monitor.config import storyline_from_file
from monitor.errors import ConfigError
from monitor.storylines.kinds import KINDS

Roles = Mapping[str, Sequence[str] | Sequence[Sequence[str]]]


def storyline_toml(storyline_id: str, title: str, kind: str, seeds: Sequence[str],
                   roles: Roles, *, channel: str | None = None,
                   comments: Sequence[str] = ()) -> str:
    """The storyline in the short form, roles in the kind's order."""
    lines = [f"# {line}" for line in comments]
    lines += [f"id = {_quote(storyline_id)}", f"title = {_quote(title)}",
              f"kind = {_quote(kind)}", f"seeds = [{', '.join(_quote(s) for s in seeds)}]"]
    if channel:
        lines.append(f"channel = {_quote(channel)}")
    lines.append("[roles]")
    order = [r.name for r in KINDS[kind].roles] if kind in KINDS else list(roles)
    for name in sorted(roles, key=lambda n: order.index(n) if n in order else len(order)):
        lines.append(f"{name} = {_value(roles[name])}")
    return "\n".join(lines) + "\n"


def create_storyline(config_dir: Path, text: str, storyline_id: str, *,
                     force: bool = False) -> Path:
    """Write config/storylines/ID.toml after checking it (ConfigError, nothing written)."""
    path = config_dir / "storylines" / f"{storyline_id}.toml"
    try:
        problems = storyline_from_file(path, tomllib.loads(text), config_dir.parent)[1]
    except tomllib.TOMLDecodeError as exc:
        problems = [f"{path}: invalid TOML: {exc}"]
    if path.exists() and not force:
        problems.append(f"{path}: exists (pass --force to replace it)")
    if problems:
        raise ConfigError(problems)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def split_aliases(values: Sequence[str]) -> list[str]:
    """Aliases from repeated options or comma-separated ones ("Xi Jinping, Xi")."""
    return [a.strip() for value in values for a in value.split(",") if a.strip()]


def _value(value: Sequence[str] | Sequence[Sequence[str]]) -> str:
    if value and not isinstance(value[0], str):
        return "[" + ", ".join(_value(v) for v in value) + "]"  # type: ignore[arg-type]
    return "[" + ", ".join(_quote(str(v)) for v in value) + "]"


def _quote(value: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", value) + '"'
