"""`monitor feeds` as an operator uses it, against a local feed server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_foundation import monitor, project
from tests.conftest import FIXTURES
from tests.fakes.feed_server import Route, fixture, running
from tests.ingest.test_poller import serve_news

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


@pytest.mark.slow
def test_refresh_now_polls_the_named_feed_and_prints_its_outcome(project: Path,
                                                                 database_url: str) -> None:
    env = {"MONITOR_DATABASE_URL": database_url, "MONITOR_ALLOW_PRIVATE_HOSTS": "127.0.0.1"}
    with running() as server:
        news = serve_news(server, etag='"v1"')
        other = server.add("/other.xml", Route(fixture("feeds", "heise.atom")))
        for url in (news, other):
            assert monitor(project, "feeds", "add", url, env=env).returncode == 0
        first = monitor(project, "feeds", "refresh", "1", "--now", "--format", "json", env=env)
        assert first.returncode == 0, first.stderr
        [outcome] = json.loads(first.stdout)
        assert (outcome["feed_id"], outcome["status"], outcome["new_items"],
                outcome["articles"]) == (1, "ok", 5, 5)
        again = monitor(project, "feeds", "refresh", news, "--now", env=env)
        assert again.returncode == 0, again.stderr
        assert "not_modified" in again.stdout
        assert server.hits["/news.rss"] == 2 and server.hits["/other.xml"] == 0
        assert server.requests["/news.rss"][1].get("if-none-match") == '"v1"'
        server.routes["/news.rss"] = Route(b"down", status=503)
        failed = monitor(project, "feeds", "refresh", "1", "--now", env=env)
        assert failed.returncode == 1 and "failed:503" in failed.stdout


@pytest.mark.slow
def test_refresh_makes_feeds_due_now(project: Path, database_url: str) -> None:
    env = {"MONITOR_DATABASE_URL": database_url, "MONITOR_ALLOW_PRIVATE_HOSTS": "127.0.0.1"}
    with running() as server:
        for path in ("/a.xml", "/b.xml"):
            url = server.add(path, Route(b"down", status=503))
            assert monitor(project, "feeds", "add", url, env=env).returncode == 0
        assert monitor(project, "feeds", "refresh", "--all", "--now", env=env).returncode == 1
    backed_off = json.loads(monitor(project, "feeds", "list", "--format", "json", env=env).stdout)
    assert all(f["next_poll_at"] > f["last_polled_at"] for f in backed_off)
    assert monitor(project, "feeds", "refresh", "--all", env=env).returncode == 0
    due = json.loads(monitor(project, "feeds", "list", "--format", "json", env=env).stdout)
    assert [b["last_polled_at"] < d["next_poll_at"] < b["next_poll_at"] for d, b in
            zip(due, backed_off, strict=True)] == [True, True]
    missing = monitor(project, "feeds", "refresh", "2", "7", "nope", env=env)
    assert missing.returncode == 2 and "no feed 7, nope" in missing.stderr


@pytest.mark.slow
def test_import_and_export_opml(project: Path, database_url: str, tmp_path: Path) -> None:
    env = {"MONITOR_DATABASE_URL": database_url}
    nested = FIXTURES / "opml" / "hier-2-nested.xml"
    imported = monitor(project, "feeds", "import", str(nested), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "added 1 feed(s), skipped 0" in imported.stdout
    again = monitor(project, "feeds", "import", str(nested), "--format", "json", env=env)
    assert json.loads(again.stdout)["skipped"] == [
        {"url": "http://domain/feed", "reason": "already added"}]
    cut = tmp_path / "cut.opml"
    cut.write_bytes((FIXTURES / "opml" / "end-element-missing.xml").read_bytes())
    refused = monitor(project, "feeds", "import", str(cut), env=env)
    assert refused.returncode == 2 and "nothing imported" in refused.stderr

    exported = monitor(project, "feeds", "export", env=env)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version')
    assert ('<outline text="grouping1/grouping2" title="grouping1/grouping2">\n      '
            '<outline type="rss" text="feedname" title="feedname" '
            'xmlUrl="http://domain/feed" />') in exported.stdout
    listed = json.loads(monitor(project, "feeds", "list", "--format", "json", env=env).stdout)
    assert [(f["url"], f["category"]) for f in listed] == [
        ("http://domain/feed", "grouping1/grouping2")]
