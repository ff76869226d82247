"""Makes docs/storyline-page.png, the README's picture of a storyline page: the seeds and
the 82 paraphrased 2024 reports of tests/fixtures/storylines/visit_2024.jsonl replayed by
`monitor backfill` into a fresh SQLite database, served on loopback, photographed by
headless Chromium (Debian's package) the way tests/pages/test_browser.py does.

    python docs/screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from monitor.db.engine import create_engine  # noqa: E402
from tests.cli.test_foundation import monitor  # noqa: E402
from tests.pages.browser import screenshot  # noqa: E402
from tests.pages.conftest import STORYLINE, backfill_seeds, served  # noqa: E402

CORPUS = PROJECT / "tests" / "fixtures" / "storylines" / "visit_2024.jsonl"
OUT = PROJECT / "docs" / "storyline-page.png"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="monitor-screenshot-") as tmp:
        url = f"sqlite:///{tmp}/monitor.db"
        backfill_seeds(Path(tmp), url)
        result = monitor(Path(tmp), "backfill", "--source", str(CORPUS),
                         env={"MONITOR_DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
        engine = create_engine(url)
        with served(engine, datetime(2024, 6, 21, 9, 0, tzinfo=UTC)) as base:
            screenshot(f"{base}/storylines/{STORYLINE}", OUT, width=1200, height=1500)
        engine.dispose()
    print(OUT)


if __name__ == "__main__":
    main()
