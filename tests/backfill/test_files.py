"""File sources: a directory of article files (HTML, text with front matter or sidecar) and
the parsing of JSONL lines."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.backfill import BackfillOptions, Replay, directory_source, replay_drafts
from monitor.backfill.files import draft_from_json_line, front_matter
from monitor.errors import InputError
from tests.backfill.conftest import FIXTURES, counts
from tests.conftest import PROJECT

PAGES = PROJECT / "tests" / "fixtures" / "pages"


@pytest.fixture
def article_dir(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    shutil.copytree(FIXTURES / "articles", root)
    page = root / "pages" / "aljazeera.html"
    page.parent.mkdir()
    page.write_bytes(gzip.decompress((PAGES / "aljazeera.html.gz").read_bytes()))
    (root / "pages" / "aljazeera.json").write_text(json.dumps({
        "url": "https://www.aljazeera.com/ajimpact/nasas-commercial-moon-shot-musk-bezos-"
               "firms-bid-191119041538885.html",
        "published": "2019-11-19"}))
    return root


def test_directory_source_reads_front_matter_sidecars_and_pages(article_dir: Path) -> None:
    source = directory_source(article_dir)

    by_url = {d.url: d for d in source.drafts}
    assert [(p.where, p.reason.split(":")[0]) for p in source.problems] == [
        ("undated-note.txt", "published")]
    kcna = by_url["https://kcnawatch.example.org/newstream/putin-invitation"]
    assert (kcna.outlet, kcna.published_at, kcna.text_source) == (
        "KCNA Watch", datetime(2024, 1, 19, 8, tzinfo=UTC), "import")
    assert kcna.text.startswith("Kim Jong Un renewed his invitation")
    tass = by_url["https://tass.example.org/politics/putin-visit-preparations"]
    assert (tass.outlet, tass.published_precision, tass.language) == ("TASS", "day", "en")
    yonhap = by_url["https://en.yna.example.org/view/putin-nk-weeks"]
    assert yonhap.published_at == datetime(2024, 6, 10, 0, 45, tzinfo=UTC)
    page = next(d for d in source.drafts if "aljazeera" in d.url)
    assert "moon" in page.text.lower() and len(page.text) > 1000
    assert page.title and "<" not in page.text
    assert [d.published_at for d in source.drafts] == sorted(d.published_at
                                                            for d in source.drafts)


def test_directory_replay_stores_each_article_once(replay: Replay, article_dir: Path) -> None:
    first = replay_drafts(replay, directory_source(article_dir), BackfillOptions())
    second = replay_drafts(replay, directory_source(article_dir), BackfillOptions())

    assert first.stored == 4 and len(first.problems) == 1
    assert second.already_stored == 4 and counts(replay.sessions)["articles"] == 4


def test_a_changed_file_is_a_new_source(article_dir: Path) -> None:
    before = directory_source(article_dir).digest
    (article_dir / "yonhap-dates.txt").write_text("Changed text.\n")

    assert directory_source(article_dir).digest != before


@pytest.mark.parametrize(("line", "problem"), [
    ("[1, 2]", "not a JSON object"),
    ('{"published": "2024-01-01", "text": "x"}', "url: missing or not a string"),
    ('{"url": "ftp://x.org/a", "published": "2024-01-01", "text": "x"}',
     "ftp://x.org/a: only http and https URLs are supported"),
    ('{"url": "https://x.org/a", "published": 20240101, "text": "x"}',
     "published: missing or not a string"),
    ('{"url": "https://x.org/a", "published": "2024-01-01", "text": "  "}',
     "text or html: missing (one of them is required)"),
    ('{"url": "https://x.org/a", "published": "2024-01-01", "html": "<html></html>"}',
     "html: the extractor found no article text in the page"),
])
def test_invalid_json_lines_say_what_is_wrong(line: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        draft_from_json_line(line)
    assert str(caught.value) == problem


def test_a_json_line_with_a_date_only_is_placed_at_noon_utc() -> None:
    draft = draft_from_json_line(
        '{"url": "https://www.Example.com/a?utm_source=x#top", "published": "2024-06-17", '
        '"text": "Body.", "title": "T"}')

    assert draft.url == "https://www.example.com/a"
    assert (draft.published_at, draft.published_precision) == (
        datetime(2024, 6, 17, 12, tzinfo=UTC), "day")
    assert draft.outlet == "example.com"


def test_front_matter_without_a_closing_fence_is_an_error() -> None:
    with pytest.raises(InputError, match="no closing ---"):
        front_matter("---\ntitle: x\nbody")
