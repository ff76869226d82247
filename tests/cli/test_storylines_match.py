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
    assert raw["id"] == "putin-visit" and raw["kind"] == "visit"
    assert raw["seeds"] == seeds
    assert raw["roles"]["visitor"][0] == "Putin"
    assert "North Korea" in raw["roles"]["destination"]


def test_new_writes_a_short_storyline_that_config_check_accepts(project: Path) -> None:  # noqa: F811
    out = monitor(project, "storylines", "new", "xi-moscow", "--kind", "visit",
                  "--visitor", "Xi Jinping, Xi", "--destination", "Russia",
                  "--destination", "Moscow", "--host", "Vladimir Putin,Putin",
                  "--seeds", SEED)
    assert out.returncode == 0, out.stderr
    written = tomllib.loads((project / "config" / "storylines" / "xi-moscow.toml").read_text())
    assert written["roles"] == {"visitor": ["Xi Jinping", "Xi"],
                                "destination": ["Russia", "Moscow"],
                                "host": ["Vladimir Putin", "Putin"]}
    assert monitor(project, "config", "check").returncode == 0


def test_new_writes_nothing_when_the_storyline_has_a_problem(project: Path) -> None:  # noqa: F811
    out = monitor(project, "storylines", "new", "summit", "--kind", "meeting",
                  "--party", "Joe Biden,Biden", "--seeds", "seeds/none.txt")
    assert out.returncode == 2
    assert "seeds.0: seed file seeds/none.txt not found" in out.stderr
    assert "roles.parties: expected two lists of names" in out.stderr
    assert not (project / "config" / "storylines" / "summit.toml").exists()


def test_explain_names_the_cue_family_and_the_roles_behind_the_reading(
        project: Path, database_url: str) -> None:  # noqa: F811
    out = monitor(project, "storylines", "explain", STORYLINE, "--file", SEED, "--published",
                  "2024-06-17", env={"MONITOR_DATABASE_URL": database_url})
    assert out.returncode == 0, out.stderr
    assert "status: scheduled visit_date=2024-06-18" in out.stdout
    assert "cue family: the trip on a date" in out.stdout
    assert "visitor 'Putin'" in out.stdout
