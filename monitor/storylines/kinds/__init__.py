"""Storyline kinds: how one kind of event is reported, written once, filled in by roles.

A storyline file names a kind (`visit`, `meeting`) and the roles of its event (who travels
where; who meets whom). The kind holds everything else: the statuses in their order, the
named cue families that signal each, the hedges, denials and recaps that void a sentence,
which facts a status carries, the allowed setbacks and the corroboration defaults. Patterns
are written with role slots ({visitor}, {destination}, ...) that the storyline's aliases
fill in, the way Duckling composes typed slots: no name of a person or a place is written
here.

    StorylineFile (config/storylines/*.toml) --Kind.build--> StorylineSpec (what the
    matcher, status reader and tracker run on)

Adding a kind: write a module beside visit.py with a `KIND = Kind(...)`, register it in
KINDS below, and give it its tests (tests/storylines/kinds/). README "Storyline kinds".
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from monitor.storylines.kinds.base import Kind, Role, StatusRule, role_pattern
from monitor.storylines.kinds.cue import Cue
from monitor.storylines.kinds.meeting import KIND as MEETING
from monitor.storylines.kinds.visit import KIND as VISIT
from monitor.storylines.spec import StorylineFile, StorylineSpec, with_seed_start

KINDS: dict[str, Kind] = {kind.name: kind for kind in (VISIT, MEETING)}


def load_storyline(raw: dict[str, Any]) -> StorylineSpec:
    """The spec of a storyline file's contents (pydantic.ValidationError when invalid)."""
    definition = StorylineFile.model_validate(raw)
    return KINDS[definition.kind].build(definition)


def read_storyline(path: Path, project_dir: Path) -> StorylineSpec:
    """The spec of one storyline file, its first day taken from its seeds under
    `project_dir` (pydantic.ValidationError or tomllib.TOMLDecodeError when invalid)."""
    with path.open("rb") as fh:
        return with_seed_start(load_storyline(tomllib.load(fh)), project_dir)

__all__ = ["KINDS", "Cue", "Kind", "Role", "StatusRule", "load_storyline", "read_storyline",
           "role_pattern"]
