"""`monitor storylines explain` and `suggest` as an operator runs them (a real process).
The service behind them is tested in-process in tests/storylines/test_explain.py."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.test_foundation import monitor, project  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow  # a `monitor` process per call

STORYLINE = "putin-pyongyang-visit"
SEED = "seeds/003_24a45464d321b182.txt"


def test_explain_a_seed_file_shows_the_match_and_stores_nothing(
        project: Path, database_url: str) -> None:  # noqa: F811
    env = {"MONITOR_DATABASE_URL": database_url}
    table = monitor(project, "storylines", "explain", STORYLINE, "--file", SEED, env=env)
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("MATCH putin-pyongyang-visit: score")
    assert "Putin to visit North Korea for first time in 24 years" in table.stdout
    assert "closest seed 003_24a45464d321b182" in table.stdout
    as_json = monitor(project, "storylines", "explain", STORYLINE, "--file", SEED,
                      "--format", "json", env=env)
    result = json.loads(as_json.stdout)
    assert result["matched"] is True
    assert result["explanation"]["groups"][0]["found"]["Putin"] >= 1
    with sa.create_engine(database_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM storyline_matches")).scalar() == 0


def test_explain_without_input_or_with_unknown_storyline_exits_2(project: Path) -> None:  # noqa: F811
    neither = monitor(project, "storylines", "explain", STORYLINE)
    assert neither.returncode == 2 and "exactly one of --url or --file" in neither.stderr
    unknown = monitor(project, "storylines", "explain", "nope", "--file", SEED,
                      env={"MONITOR_DATA_DIR": str(project / "data")})
    assert unknown.returncode == 2 and "no storyline 'nope'" in unknown.stderr


def test_suggest_prints_a_storyline_snippet_from_seed_files(
        project: Path, database_url: str) -> None:  # noqa: F811
    seeds = sorted(str(p.relative_to(project)) for p in (project / "seeds").glob("0*.txt"))
    out = monitor(project, "storylines", "suggest", "--seeds", *seeds, "--id", "putin-visit",
                  env={"MONITOR_DATABASE_URL": database_url})
    assert out.returncode == 0, out.stderr
    raw = tomllib.loads(out.stdout)
    assert raw["id"] == "putin-visit"
    assert raw["seeds"] == seeds
    assert raw["match"]["groups"][0][0] == "Putin"
    assert ["North Korea", "North Korean"] in raw["match"]["groups"]
