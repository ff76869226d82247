from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError
from tests.conftest import PROJECT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the shipped config and seeds, to break on purpose."""
    shutil.copytree(PROJECT / "config", tmp_path / "config")
    shutil.copytree(PROJECT / "seeds", tmp_path / "seeds")
    return tmp_path


def test_shipped_config_is_valid(project: Path) -> None:
    config = load_config(project / "config", env={})
    assert [s.id for s in config.storylines] == ["putin-pyongyang-visit"]
    assert len(config.storylines[0].seeds) == 5
    assert len(config.feeds) >= 10
    assert config.settings.database_url.startswith("sqlite:///")


def test_every_problem_is_reported_with_file_and_key_path(project: Path) -> None:
    settings = project / "config" / "monitor.toml"
    text = settings.read_text().replace("[polling]\n", "[polling]\nintervall_seconds = 60\n")
    settings.write_text(text.replace("port = 9108", 'port = "ninety"'))
    (project / "seeds" / "003_24a45464d321b182.txt").unlink()
    with pytest.raises(ConfigError) as err:
        load_config(project / "config", env={})
    problems = err.value.problems
    assert f"{settings}: polling.intervall_seconds: unknown key" in problems
    assert any(p.startswith(f"{settings}: server.port: ") for p in problems)
    storyline = project / "config" / "storylines" / "putin-pyongyang-visit.toml"
    assert f"{storyline}: seeds.3: seed file seeds/003_24a45464d321b182.txt not found" in problems
    assert len(problems) == 3


def test_environment_overrides_files(project: Path) -> None:
    env = {"MONITOR_DATABASE_URL": "postgresql://u@h/db", "MONITOR_ALLOW_PRIVATE_HOSTS":
           "127.0.0.1, localhost", "MONITOR_SLACK_BASE_URL": "http://127.0.0.1:1/api/",
           "SLACK_BOT_TOKEN": "xoxb-secret"}
    settings = load_config(project / "config", env=env).settings
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.http.allow_private_hosts == ("127.0.0.1", "localhost")
    assert settings.slack.base_url == "http://127.0.0.1:1/api/"
    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get_secret_value() == "xoxb-secret"
    assert "xoxb-secret" not in repr(settings) and "xoxb-secret" not in str(settings.model_dump())


def test_secret_read_from_file_named_in_environment(project: Path, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("xoxb-from-file\n")
    env = {"SLACK_BOT_TOKEN_FILE": str(tmp_path / "token")}
    token = load_config(project / "config", env=env).settings.slack.bot_token
    assert token is not None and token.get_secret_value() == "xoxb-from-file"


def test_secret_in_config_file_is_refused(project: Path) -> None:
    settings = project / "config" / "monitor.toml"
    settings.write_text(settings.read_text().replace("[slack]\n", '[slack]\nbot_token = "x"\n'))
    with pytest.raises(ConfigError) as err:
        load_config(project / "config", env={})
    assert any("slack.bot_token: secrets are not read" in p for p in err.value.problems)


def test_invalid_toml_names_the_file(project: Path) -> None:
    (project / "config" / "feeds.toml").write_text("[[feeds]\nurl = ")
    with pytest.raises(ConfigError) as err:
        load_config(project / "config", env={})
    assert err.value.problems[0].startswith(f"{project / 'config' / 'feeds.toml'}: invalid TOML")


def test_server_public_url_is_optional_and_must_be_an_http_url(project: Path) -> None:
    settings = project / "config" / "monitor.toml"
    assert load_config(project / "config", env={}).settings.server.public_url is None
    shipped = settings.read_text()
    settings.write_text(shipped.replace("enabled = true\n", 'enabled = true\n'
                                        'public_url = "http://127.0.0.1:8080/monitor/"\n'))
    assert (load_config(project / "config", env={}).settings.server.public_url
            == "http://127.0.0.1:8080/monitor")
    settings.write_text(shipped.replace("enabled = true\n",
                                        'enabled = true\npublic_url = "127.0.0.1:8080"\n'))
    with pytest.raises(ConfigError) as err:
        load_config(project / "config", env={})
    assert any(p.startswith(f"{settings}: server.public_url: ") and "http://" in p
               for p in err.value.problems)


def test_the_short_storyline_form_of_the_issue_is_all_a_storyline_needs(project: Path) -> None:
    (project / "config" / "storylines" / "putin-pyongyang-visit.toml").write_text(
        'id = "putin-pyongyang-visit"\n'
        'title = "Putin Pyongyang visit date"\n'
        'kind = "visit"\n'
        'seeds = ["seeds/000_42c76e358b02e199.txt", "seeds/003_24a45464d321b182.txt"]\n'
        "[roles]\n"
        'visitor = ["Vladimir Putin", "Putin", "Russian President"]\n'
        'destination = ["North Korea", "Pyongyang", "DPRK"]\n'
        'host = ["Kim Jong Un"]\n'
        'visitor_home = ["Russia", "Moscow"]   # optional\n')
    spec = load_config(project / "config", env={}).storylines[0]
    assert spec.kind == "visit"
    assert spec.status_ids() == ["proposed", "imminent", "scheduled", "underway", "concluded",
                                 "cancelled_or_postponed"]
    assert spec.match.groups[0] == ("Vladimir Putin", "Putin", "Russian President")
    assert spec.match.since is not None and spec.match.since.isoformat() == "2024-01-20"


def test_the_shipped_storyline_is_short(project: Path) -> None:
    text = (PROJECT / "config" / "storylines" / "putin-pyongyang-visit.toml").read_text()
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) <= 15


def test_every_storyline_problem_is_reported_in_one_run(project: Path) -> None:
    storyline = project / "config" / "storylines" / "putin-pyongyang-visit.toml"
    text = storyline.read_text().replace('title = "Putin Pyongyang visit date"', "title = 12345")
    text = text.replace("seeds/004_93993bec6f485b29.txt", "seeds/missing.txt")
    text = text.replace("host = ", "hosts = ")
    storyline.write_text(text + '[cues]\nscheduled = ["(unclosed"]\n')
    meeting = project / "config" / "storylines" / "summit.toml"
    meeting.write_text('id = "summit"\ntitle = "Summit"\nkind = "summit"\nseeds = []\n'
                       "[roles]\nparties = []\n")
    with pytest.raises(ConfigError) as err:
        load_config(project / "config", env={})
    problems = err.value.problems
    assert f"{storyline}: title: Input should be a valid string (got 12345)" in problems
    assert f"{storyline}: seeds.4: seed file seeds/missing.txt not found" in problems
    assert any(p.startswith(f"{storyline}: roles.hosts: unknown role for a visit")
               for p in problems)
    assert any(p.startswith(f"{storyline}: cues.scheduled.0: invalid regular expression")
               for p in problems)
    assert any(p.startswith(f"{meeting}: kind: unknown kind 'summit'") for p in problems)
    assert len(problems) == 5, problems


def test_a_meeting_needs_two_parties(project: Path) -> None:
    meeting = project / "config" / "storylines" / "summit.toml"
    meeting.write_text('id = "summit"\ntitle = "Summit"\nkind = "meeting"\nseeds = []\n'
                       '[roles]\nparties = [["Joe Biden", "Biden"]]\n')
    with pytest.raises(ConfigError) as err:
        load_config(project / "config", env={})
    assert [p for p in err.value.problems if "summit.toml" in p] == [
        f"{meeting}: roles.parties: expected two lists of names, [[\"A\", \"alias\"], "
        f"[\"B\", \"alias\"]] (got [['Joe Biden', 'Biden']])"]
