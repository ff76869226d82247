"""File replay sources: a JSONL file of articles and a directory of article files.

JSONL: one object per line, `{"url", "title", "published", "text" or "html", "outlet",
"language"}`; url, published and text/html are required. A line that is not JSON or lacks a
required field is reported with its line number and skipped.

Directory: `*.html`/`*.htm` pages (text through the ingest extractor, the daemon's), and
`*.txt`/`*.md` texts. Metadata comes from a sidecar JSON file (`NAME.json` or
`NAME.EXT.json`, same keys as a JSONL line) or, for texts, front matter: TOML between `+++`
lines, or flat `key: value` lines between `---` lines. Pages without a url are keyed
`urn:monitor:import:<relative path>`; a page without a published date takes the one the
extractor finds, known to the day.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from monitor.backfill.sources import (
    InputProblem,
    LoadedSource,
    article_url,
    content_digest,
    optional_str,
    outlet_of,
    parse_published,
    replay_order,
)
from monitor.errors import InputError
from monitor.ingest.extract import ExtractedPage, extract_fields, page_from_fields
from monitor.records import ArticleDraft, DatePrecision

HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt", ".md")


def jsonl_source(path: Path) -> LoadedSource:
    """Read a JSONL file of articles. Raises InputError when the file cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    drafts: list[ArticleDraft] = []
    problems: list[InputProblem] = []
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            drafts.append(draft_from_json_line(line))
        except InputError as exc:
            problems.append(InputProblem(f"{path}:{number}", str(exc)))
    return LoadedSource("jsonl", str(path), content_digest([raw]), replay_order(drafts),
                        problems)


def draft_from_json_line(line: str) -> ArticleDraft:
    try:
        meta = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(meta, dict):
        raise InputError("not a JSON object")
    text = optional_str(meta, "text")
    html = optional_str(meta, "html")
    if text is None and html is None:
        raise InputError("text or html: missing (one of them is required)")
    if "published" not in meta:
        raise InputError("published: missing")
    return draft_from_meta(meta, text=text, html=html)


def draft_from_meta(meta: dict[str, Any], *, text: str | None, html: str | bytes | None,
                    default_url: str | None = None) -> ArticleDraft:
    """An imported article from its metadata and its text (or page HTML to extract)."""
    url = article_url(meta.get("url") or default_url)
    page: ExtractedPage | None = None
    if text is None and html is not None:
        fields = extract_fields(html, url if url.startswith("http") else "http://import.invalid/")
        page = page_from_fields(fields) if fields else None
        if page is None:
            raise InputError("html: the extractor found no article text in the page")
        text = page.text
    if not text or not text.strip():
        raise InputError("text: empty")
    published_value = meta.get("published")
    precision: DatePrecision = "day"
    if published_value is None and page is not None and page.date is not None:
        published = page.date.replace(hour=12)
    else:
        published, precision = parse_published(published_value)
    title = optional_str(meta, "title") or (page.title if page and page.title else "") or ""
    outlet = optional_str(meta, "outlet") or (page.sitename if page and page.sitename else
                                              outlet_of(url))
    return ArticleDraft(
        url=url, outlet=outlet, title=title, text=text.strip(), published_at=published,
        text_source="import", published_precision=precision,
        language=optional_str(meta, "language") or (page.language if page else None),
        author=optional_str(meta, "author"))


def directory_source(root: Path) -> LoadedSource:
    """Read every article file under `root` (recursively, in name order)."""
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix.lower() in (*HTML_SUFFIXES, *TEXT_SUFFIXES))
    drafts: list[ArticleDraft] = []
    problems: list[InputProblem] = []
    digest_parts: list[bytes | str] = []
    for path in files:
        relative = path.relative_to(root).as_posix()
        try:
            body = path.read_bytes()
            meta = sidecar(path)
            digest_parts += [relative, body, json.dumps(meta, sort_keys=True, default=str)]
            drafts.append(draft_from_file(path, relative, body, meta))
        except (InputError, OSError, UnicodeDecodeError) as exc:
            problems.append(InputProblem(relative, str(exc)))
    return LoadedSource("dir", str(root), content_digest(digest_parts), replay_order(drafts),
                        problems)


def draft_from_file(path: Path, relative: str, body: bytes,
                    meta: dict[str, Any]) -> ArticleDraft:
    default_url = f"urn:monitor:import:{relative}"
    if path.suffix.lower() in HTML_SUFFIXES:
        return draft_from_meta(meta, text=None, html=body, default_url=default_url)
    front, text = front_matter(body.decode("utf-8"))
    merged = {**front, **meta}
    if "published" not in merged:
        raise InputError("published: missing (front matter or sidecar JSON)")
    return draft_from_meta(merged, text=text, html=None, default_url=default_url)


def sidecar(path: Path) -> dict[str, Any]:
    """Metadata of NAME.EXT from NAME.EXT.json or NAME.json ({} when there is none)."""
    for candidate in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if candidate.is_file():
            try:
                meta = json.loads(candidate.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise InputError(f"{candidate.name}: not JSON ({exc.msg})") from exc
            if not isinstance(meta, dict):
                raise InputError(f"{candidate.name}: not a JSON object")
            return meta
    return {}


def front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split `+++` TOML or `---` key: value front matter from a text file's body."""
    for fence in ("+++", "---"):
        if not text.startswith(fence + "\n"):
            continue
        end = text.find("\n" + fence, len(fence))
        if end < 0:
            raise InputError(f"front matter: no closing {fence}")
        head, body = text[len(fence) + 1:end], text[end + len(fence) + 1:]
        return (_toml(head) if fence == "+++" else _key_values(head)), body.lstrip("\n")
    return {}, text


def _toml(head: str) -> dict[str, Any]:
    try:
        meta = tomllib.loads(head)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"front matter: invalid TOML ({exc})") from exc
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}


def _key_values(head: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for number, line in enumerate(head.splitlines(), 2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise InputError(f"front matter line {number}: expected `key: value`")
        meta[key.strip()] = value.strip().strip("\"'")
    return meta
