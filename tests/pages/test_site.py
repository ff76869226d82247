"""The storyline pages over HTTP (real server on loopback, real databases): content from a
seeds backfill and from a 10,000-match storyline, pagination, escaping of hostile text,
and a number of queries that does not grow with the matches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitor.db.engine import create_engine, read_session_factory, session_factory, transaction
from monitor.pages import Site
from tests.backfill.conftest import FixedClock
from tests.pages.conftest import (
    AFTER_SEEDS,
    LARGE_NOW_AFTER,
    STORYLINE,
    Large,
    backfill_seeds,
    fetch,
    served,
)
from tests.pages.corpus import (
    HOSTILE_EVIDENCE,
    HOSTILE_OUTLET,
    HOSTILE_TITLE,
    HOSTILE_URL,
    LARGE_TITLE,
    fill_large_storyline,
)

PAGE = f"/storylines/{STORYLINE}"


def rows(body: str) -> list[str]:
    """The matched-stories table's rows, as text."""
    table = body[body.index('id="matches"'):]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


# ---- A database filled by `monitor backfill --source seeds`.


def test_index_lists_the_storyline_with_status_facts_last_change_and_recent_stories(
        seeds_url: str) -> None:
    page = fetch(seeds_url + "/")
    assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    doc = page.html()
    assert PAGE in doc.hrefs()
    row = doc.text[doc.text.index("Putin Pyongyang visit date"):]
    # status, key fact, time since the change (2024-06-17 seen on 2024-06-20), stories in the
    # last 7 days (only the 17 June seed), matches, changes
    assert row.startswith("Putin Pyongyang visit date putin-pyongyang-visit scheduled "
                          "visit date: Tue 18 Jun 2024 3 days ago 1 5 2")


def test_storyline_page_draws_the_seed_changes_on_the_timeline(seeds_url: str) -> None:
    page = fetch(seeds_url + PAGE)
    assert page.status == 200
    svg = page.body[page.body.index("<svg"):page.body.index("</svg>")]
    assert 'id="timeline"' in svg
    marks = re.findall(r'<a href="#change-(\d+)">', svg)
    assert len(marks) == 2
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts == ["proposed", "Sun 21 Jan 2024", "scheduled", "Mon 17 Jun 2024"]
    assert all(f'id="change-{n}"' in page.body for n in marks)  # each mark links to its card


def test_each_change_shows_its_evidence_article_outlets_and_alert_state(seeds_url: str) -> None:
    text = fetch(seeds_url + PAGE).html().text
    scheduled = text[text.index("proposed → scheduled"):text.index("reported Sun 21 Jan 2024")]
    assert "visit date: Tue 18 Jun 2024" in scheduled
    assert "Mr Putin is expected to arrive in the capital on Tuesday" in scheduled
    assert "Counted on 1 outlet: BBC-style outlet (unnamed)" in scheduled
    assert "Alert: suppressed #news-alerts" in scheduled  # a backfill without --notify
    assert "The Washington Times" in text[text.index("reported Sun 21 Jan 2024"):]


def test_matched_stories_are_listed_newest_first_with_outlets_score_and_stated_status(
        seeds_url: str) -> None:
    page = fetch(seeds_url + PAGE)
    listed = rows(page.body)[1:]  # after the header row
    assert [r.split(" ")[1:4] for r in listed] == [
        ["17", "Jun", "2024"], ["22", "Jan", "2024"], ["21", "Jan", "2024"],
        ["21", "Jan", "2024"], ["21", "Jan", "2024"]]
    assert listed[0].startswith("Mon 17 Jun 2024 Putin to visit North Korea for first time")
    assert listed[0].endswith("BBC-style outlet (unnamed) 1.000 scheduled visit date: "
                              "Tue 18 Jun 2024")
    assert all(r.endswith(" proposed") for r in listed[1:])
    assert "page 1 of 1" in page.html().text
    assert len([h for h in page.html().hrefs() if h.startswith("/stories/")]) == 5


def test_story_page_lists_its_articles_and_why_each_is_there(seeds_url: str) -> None:
    story = next(h for h in fetch(seeds_url + PAGE).html().hrefs() if h.startswith("/stories/"))
    page = fetch(seeds_url + story)
    assert page.status == 200
    text = page.html().text
    assert "1 article from 1 outlet" in text
    assert "BBC-style outlet (unnamed) Putin to visit North Korea for first time in 24 years " \
           "the original report" in text
    assert PAGE in page.html().hrefs()  # back to the storyline it matched


def test_unknown_pages_are_404_and_a_bad_page_number_is_400(seeds_url: str) -> None:
    assert fetch(seeds_url + "/storylines/no-such-storyline").status == 404
    assert "No storyline 'no-such-storyline'" in fetch(
        seeds_url + "/storylines/no-such-storyline").html().text
    assert fetch(seeds_url + "/stories/999999").status == 404
    assert fetch(seeds_url + "/stories/abc").status == 404
    assert fetch(seeds_url + "/admin").status == 404
    assert fetch(seeds_url + PAGE + "?page=0").status == 400
    assert fetch(seeds_url + PAGE + "?page=x").status == 400


def test_pages_allow_no_script_and_no_outside_resource_and_health_still_answers(
        seeds_url: str) -> None:
    policy = fetch(seeds_url + PAGE).headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script" not in policy
    assert fetch(seeds_url + "/healthz").status == 200


def test_every_page_renders_from_a_seeds_backfill(database_url: str, tmp_path: Path) -> None:
    backfill_seeds(tmp_path, database_url)
    engine = create_engine(database_url)
    try:
        with served(engine, AFTER_SEEDS) as base:
            storyline = fetch(base + PAGE)
            stories = [h for h in storyline.html().hrefs() if h.startswith("/stories/")]
            pages = [fetch(base + "/"), storyline, *(fetch(base + s) for s in stories)]
    finally:
        engine.dispose()
    assert [p.status for p in pages] == [200] * 7
    assert "Putin Pyongyang visit date" in pages[0].html().text
    assert "scheduled" in storyline.html().text


# ---- The synthetic storyline with 10,000 matches.


def test_a_10000_match_storyline_shows_the_newest_50_and_pages_through_all(large: Large) -> None:
    url = f"{large.base}/storylines/{large.storyline.storyline_id}"
    first, last = fetch(url), fetch(url + "?page=200")
    newest, oldest = rows(first.body)[1:], rows(last.body)[1:]
    assert len(newest) == 50 and len(oldest) == 50
    assert f"Report {large.storyline.newest_article_id} " in newest[0]
    assert "Report 100000 " in oldest[-1]
    assert "10000 matched articles, newest first; page 1 of 200" in first.html().text
    assert f"/storylines/{large.storyline.storyline_id}?page=2#matches" in first.html().hrefs()
    assert f"/storylines/{large.storyline.storyline_id}?page=199#matches" in last.html().hrefs()
    assert not any("page=201" in h for h in last.html().hrefs())


def test_hostile_article_text_shows_as_text_never_as_markup_or_a_link(large: Large) -> None:
    base, storyline = large.base, large.storyline
    pages = {"index": fetch(base + "/"),
             "storyline": fetch(f"{base}/storylines/{storyline.storyline_id}"),
             "matches": fetch(f"{base}/storylines/{storyline.storyline_id}?page=100"),
             "story": fetch(f"{base}/stories/{storyline.hostile_story_id}")}
    assert LARGE_TITLE in pages["index"].html().text
    for name in ("storyline", "matches", "story"):
        doc = pages[name].html()
        assert HOSTILE_OUTLET in doc.text, name
        assert not doc.tags("script") and not doc.tags("img") and not doc.tags("b"), name
        assert not any(h.lower().startswith("javascript") for h in doc.hrefs()), name
    assert HOSTILE_TITLE in pages["matches"].html().text
    assert HOSTILE_TITLE in pages["story"].html().text
    assert "&lt;script&gt;" in pages["matches"].body
    assert HOSTILE_EVIDENCE in pages["storyline"].html().text
    # the change's article link, printed as text
    assert HOSTILE_URL.format(storyline.hostile_story_id) in pages["storyline"].html().text


def test_each_change_shows_the_delivery_state_of_its_alert(large: Large) -> None:
    text = fetch(f"{large.base}/storylines/{large.storyline.storyline_id}").html().text
    states = re.findall(r"Alert: (\w+) #alerts", text)
    assert states == ["suppressed", "pending", "dead", "sent", "sent"]  # newest change first
    assert "dead #alerts (12 attempts) gave up after 12 attempts: timeout" in text


def test_index_counts_the_stories_matched_in_the_last_7_days(large: Large) -> None:
    storyline = large.storyline
    since = storyline.newest_at + LARGE_NOW_AFTER - timedelta(days=7)
    hours = (storyline.newest_at - since).total_seconds() / 3600
    expected = int(hours // 2) + 1  # one article every 2 hours up to the newest
    text = fetch(large.base + "/").html().text
    assert f"{LARGE_TITLE} {storyline.storyline_id} concluded" in text
    assert f" ago {expected} {storyline.matches} 5" in text


def test_a_folded_copy_shows_what_it_was_folded_into_and_why(large: Large) -> None:
    text = fetch(f"{large.base}/stories/100000").html().text
    assert "2 articles from 2 outlets" in text
    copy = text[text.index("Second Wire Report 100000"):]
    assert "a near copy (most of its word 5-shingles shared) of article 100000" in copy
    assert re.search(r"Outlet 26 Report 100000 [^)]*\) the original report", text)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_a_storyline_page_makes_the_same_few_queries_at_20_and_at_10000_matches(
        database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        small = fill_large_storyline(sessions, 20, storyline_id="small", first_id=500_000)
        large = fill_large_storyline(sessions, 10_000)
        site = Site(read_session_factory(engine), FixedClock(large.newest_at))
        counts = []
        for storyline_id in ("small", large.storyline_id):
            with statements(engine) as seen:
                page = site(f"/storylines/{storyline_id}", "page=1")
            assert page is not None and page.status == 200
            counts.append(len([s for s in seen if s.lstrip().upper().startswith("SELECT")]))
        assert small.matches == 20
    finally:
        engine.dispose()
    assert counts[0] == counts[1] <= 10


def test_a_page_answers_while_the_pipeline_holds_the_write_lock(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        storyline = fill_large_storyline(sessions, 20)
        site = Site(read_session_factory(engine), FixedClock(storyline.newest_at))
        with transaction(sessions) as writing:  # on SQLite: BEGIN IMMEDIATE, the write lock
            writing.execute(sa.text("UPDATE storylines SET title = 'renamed'"))
            page = site(f"/storylines/{storyline.storyline_id}", "")
    finally:
        engine.dispose()
    assert page is not None and page.status == 200
    body = page.body.decode()
    assert "Synthetic storyline" in body and "renamed" not in body  # committed state only


def test_links_stay_under_the_prefix_of_a_reverse_proxy(seeds_url: str) -> None:
    story = next(h for h in fetch(seeds_url + PAGE).html().hrefs() if h.startswith("/stories/"))
    for path in ("/", PAGE, story, "/storylines/missing"):
        proxied = f"http://127.0.0.1:8443/monitor{path}"  # the page as the proxy shows it
        links = [urljoin(proxied, a["href"]) for a in fetch(seeds_url + path).html().tags("a")]
        local = [link for link in links if link.startswith("http://127.0.0.1:8443/")]
        assert local, path
        assert all(link.startswith("http://127.0.0.1:8443/monitor/") for link in local), path
