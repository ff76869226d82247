"""Feed parsing on real-shaped files: RSS 2.0, Atom, RDF, encodings, bozo and non-feeds."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from monitor.errors import FeedParseError
from monitor.ingest.feeds import html_to_text, parse_feed
from tests.fakes.feed_server import fixture

URL = "https://example.org/feed"


def test_rss2_items_are_typed_with_utc_dates_and_plain_text() -> None:
    feed = parse_feed(fixture("feeds", "guardian-5.rss"), URL)
    assert feed.title == "The Guardian" and feed.problem is None and len(feed.items) == 5
    first = feed.items[0]
    assert first.guid == first.link == ("https://www.theguardian.com/us-news/2018/jan/31/"
                                        "donald-trump-state-of-the-union-address-unity-discord")
    assert first.published == datetime(2018, 1, 31, 7, 26, 5, tzinfo=UTC)
    assert first.author == "David Smith in Washington"
    assert first.summary.startswith("The president’s ‘new American moment’ speech")
    assert "<p>" not in first.summary and "Continue reading..." in first.summary


def test_atom_entries_have_id_content_and_updated() -> None:
    feed = parse_feed(fixture("feeds", "heise.atom"), URL)
    assert feed.title == "heise developer neueste Meldungen" and len(feed.items) == 15
    first = feed.items[0]
    assert first.guid == "http://heise.de/-3088438"
    assert first.updated == datetime(2016, 2, 1, 16, 54, 50, tzinfo=UTC)
    assert first.content and "<" not in first.content


def test_rdf_without_ids_falls_back_to_the_canonical_link() -> None:
    feed = parse_feed(fixture("feeds", "heise-rdf.xml"), URL)
    assert len(feed.items) == 60
    first = feed.items[0]
    assert first.title == "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen"
    assert first.guid == ("https://www.heise.de/newsticker/meldung/"
                          "OLED-TVs-Vorsichtsmassnahmen-gegen-Einbrennen-4205274.html")
    assert len({item.guid for item in feed.items}) == 60


def test_bom_wins_over_a_wrong_declared_charset() -> None:
    feed = parse_feed(fixture("feeds", "bbc-bom-wrong-charset.xml"), URL)
    assert feed.items[0].title == "Marcus Aurelius – Stoïc"


def test_truncated_feed_yields_complete_items_and_reports_the_problem() -> None:
    feed = parse_feed(fixture("feeds", "guardian-truncated.rss"), URL)
    assert feed.problem and "no element found" in feed.problem
    assert len(feed.items) >= 3 and feed.items[2].title


def test_html_page_is_not_a_feed() -> None:
    page = gzip.decompress(fixture("pages", "aljazeera.html.gz"))
    with pytest.raises(FeedParseError, match="not a feed"):
        parse_feed(page, URL)


def test_bytes_that_look_like_a_path_are_not_read_as_a_file() -> None:
    with pytest.raises(FeedParseError):
        parse_feed(b"/etc/passwd", URL)


def test_entry_without_id_or_link_gets_a_stable_digest_key() -> None:
    body = (b"<rss version='2.0'><channel><title>t</title><ttl>90</ttl>"
            b"<item><title>No key</title><description>Body</description></item>"
            b"<item><title>Rel</title><link>/a/1#x</link></item></channel></rss>")
    first, second = parse_feed(body, URL).items, parse_feed(body, URL).items
    assert first[0].guid.startswith("sha1:") and first[0].guid == second[0].guid
    assert first[1].link == "https://example.org/a/1#x"
    assert first[1].guid == "https://example.org/a/1"


def test_ttl_and_update_period_give_the_feed_lower_bound() -> None:
    ttl = b"<rss version='2.0'><channel><title>t</title><ttl>90</ttl></channel></rss>"
    assert parse_feed(ttl, URL).ttl_seconds == 5400
    sy = (b"<rss version='2.0' xmlns:sy='http://purl.org/rss/1.0/modules/syndication/'>"
          b"<channel><title>t</title><sy:updatePeriod>hourly</sy:updatePeriod>"
          b"<sy:updateFrequency>2</sy:updateFrequency></channel></rss>")
    assert parse_feed(sy, URL).ttl_seconds == 1800
    assert parse_feed(fixture("feeds", "bbc-rss2.xml"), URL).ttl_seconds is None


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    assert html_to_text("<p>One &amp; two</p><script>x()</script><p>Three  four</p>") == (
        "One & two\nThree four")
