"""The storyline page in a real browser: headless Chromium (Debian's package; .ci/run
installs it) opens /storylines/putin-pyongyang-visit from a seeds backfill, takes a
screenshot, and the timeline's SVG must be in the laid-out DOM and painted on screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.pages.timeline import STATUS_COLOURS
from tests.pages.browser import chromium, dump_dom, png_colours, screenshot
from tests.pages.conftest import STORYLINE

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="chromium is not installed (Debian package `chromium`; .ci/run installs it)")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_chromium_shows_the_timeline_svg_of_the_seed_storyline(seeds_url: str,
                                                                tmp_path: Path) -> None:
    url = f"{seeds_url}/storylines/{STORYLINE}"

    dom = dump_dom(url)
    svg = re.search(r'<svg id="timeline".*?</svg>', dom, re.S)
    assert svg is not None, "no timeline SVG in the DOM"
    assert len(re.findall(r'<rect class="segment"', svg[0])) == 2

    width, height, colours = png_colours(screenshot(url, tmp_path / "storyline.png"))
    assert (width, height) == (1200, 900)
    # The strip is painted: a band of each status's colour, wider than the 18 px strip is
    # high (the proposed band spans most of the page width, the scheduled one is shorter).
    proposed, scheduled = (colours[_rgb(STATUS_COLOURS[s])] for s in ("proposed", "scheduled"))
    assert proposed > 500 * 18 and scheduled > 100 * 18, (proposed, scheduled)
