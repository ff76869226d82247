"""The explain service: articles read from files and fetched pages, decisions explained."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import HttpSettings
from monitor.db import storylines as storylines_repo
from monitor.db.engine import transaction
from monitor.errors import FetchError, InputError
from monitor.storylines import explain
from monitor.storylines.seeds import load_seeds
from tests.conftest import PROJECT
from tests.fakes.feed_server import Route, running
from tests.fakes.monitor_process import article_page
from tests.storylines import match_cases as cases
from tests.storylines.test_match import NOW, load_spec

SEED = PROJECT / "seeds" / "003_24a45464d321b182.txt"
LOCAL = HttpSettings(allow_private_hosts=("127.0.0.1",))


def test_seed_file_takes_its_title_from_the_manifest() -> None:
    article = explain.read_article(SEED)
    assert article.title == "Putin to visit North Korea for first time in 24 years"
    assert article.text.startswith("Putin to visit North Korea")


def test_text_file_title_is_a_short_first_line_before_a_blank_line(tmp_path: Path) -> None:
    titled = tmp_path / "a.txt"
    titled.write_text("Putin lands in Pyongyang\n\nThe Russian leader arrived overnight.")
    plain = tmp_path / "b.txt"
    plain.write_text("The Russian leader arrived overnight.\nKim met him.")
    assert explain.read_article(titled).title == "Putin lands in Pyongyang"
    assert explain.read_article(titled).text == "The Russian leader arrived overnight."
    assert explain.read_article(plain).title == ""


def test_html_file_is_extracted_and_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    _, title, text = cases.ON_TOPIC[2]
    page = tmp_path / "page.html"
    page.write_bytes(article_page(title, text))
    article = explain.read_article(page)
    assert article.title == title
    assert "landed in Pyongyang" in article.text
    with pytest.raises(InputError, match="cannot read"):
        explain.read_article(tmp_path / "nope.txt")


def test_page_is_fetched_by_url_under_the_http_rules() -> None:
    _, title, text = cases.ON_TOPIC[2]
    with running() as server:
        url = server.add("/arrives", Route(body=article_page(title, text),
                                           content_type="text/html; charset=utf-8"))
        feed = server.add("/feed.jpg", Route(body=b"\xff\xd8", content_type="image/jpeg"))
        article = explain.fetch_article(url, LOCAL)
        with pytest.raises(InputError, match="not an article page"):
            explain.fetch_article(feed, LOCAL)
        with pytest.raises(FetchError, match="internal address"):
            explain.fetch_article(url, HttpSettings())
    assert article.source == url and article.title == title


def test_explain_uses_the_stored_seeds_and_says_why(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    spec = load_spec()
    with transaction(sessions) as session:
        storylines_repo.sync_storylines(session, [spec], load_seeds(spec, PROJECT), NOW)
    with sessions() as session:
        matcher = explain.build_matcher(session, spec)
    assert len(matcher.seed_keys) == 5
    seed = explain.explain(matcher, explain.read_article(SEED))
    assert seed.matched and seed.explanation["similarity"]["closest_seed"] == SEED.stem
    off = tmp_path / "off.txt"
    off.write_text(cases.MISSING_GROUP[1][2])
    result = explain.explain(matcher, explain.read_article(off))
    assert not result.matched
    assert result.explanation["reason"].startswith("missing group 1 (Vladimir Putin, Putin")
