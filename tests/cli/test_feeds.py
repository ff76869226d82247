"""`monitor feeds` as an operator uses it, against a local feed server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_foundation import monitor, project
from tests.fakes.feed_server import Route, fixture, running

__all__ = ["project"]  # the fixture, imported for pytest


@pytest.mark.slow
def test_add_check_list_show_remove(project: Path, database_url: str) -> None:
    env = {"MONITOR_DATABASE_URL": database_url, "MONITOR_ALLOW_PRIVATE_HOSTS": "127.0.0.1"}
    with running() as server:
        url = server.add("/feed.xml", Route(fixture("feeds", "heise.atom")))
        added = monitor(project, "feeds", "add", url, "--check", "--outlet", "heise", env=env)
        assert added.returncode == 0, added.stderr
        assert "check: heise developer neueste Meldungen: 15 item(s)" in added.stdout
    listed = monitor(project, "feeds", "list", "--format", "json", env=env)
    rows = json.loads(listed.stdout)
    assert [(r["url"], r["outlet"], r["title"], r["failures"]) for r in rows] == [
        (url, "heise", "heise developer neueste Meldungen", 0)]
    shown = monitor(project, "feeds", "show", str(rows[0]["id"]), "--format", "json", env=env)
    assert json.loads(shown.stdout)["feed"]["url"] == url
    removed = monitor(project, "feeds", "remove", url, env=env)
    assert removed.returncode == 0 and f"removed feed {rows[0]['id']}" in removed.stdout


@pytest.mark.slow
def test_add_check_refuses_internal_and_broken_feeds(project: Path, database_url: str) -> None:
    env = {"MONITOR_DATABASE_URL": database_url}
    with running() as server:
        url = server.add("/feed.xml", Route(fixture("feeds", "heise.atom")))
        refused = monitor(project, "feeds", "add", url, "--check", env=env)
        assert refused.returncode == 2 and "refused" in refused.stderr
        assert server.hits["/feed.xml"] == 0
        page = server.add("/page", Route(b"<html><body>hi</body></html>",
                                         content_type="text/html"))
        env["MONITOR_ALLOW_PRIVATE_HOSTS"] = "127.0.0.1"
        broken = monitor(project, "feeds", "add", page, "--check", env=env)
        assert broken.returncode == 2 and "not a feed" in broken.stderr
    assert json.loads(monitor(project, "feeds", "list", "--format", "json", env=env).stdout) == []
