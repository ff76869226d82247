"""Storyline knowledge lives in config/ and seeds/: the package names no storyline's people
or places, so a kind serves every storyline of its kind."""

from __future__ import annotations

import re

from monitor.config import load_config
from tests.conftest import PROJECT


def test_the_package_names_none_of_the_shipped_storyline_s_roles() -> None:
    config = load_config(PROJECT / "config", env={})
    words = {w.lower() for spec in config.storylines for aliases in spec.roles.values()
             for alias in aliases for w in re.findall(r"[A-Za-z]{4,}", alias)}
    words -= {"president", "leader", "chief", "prime", "minister", "republic", "people",
              "democratic", "russian", "north", "korea's"}
    found = []
    for path in (PROJECT / "monitor").rglob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        found += [f"{path.relative_to(PROJECT)}: {w}" for w in sorted(words)
                  if re.search(rf"\b{w}\b", text)]
    assert found == []
