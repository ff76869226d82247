"""`monitor stories list|show`: near-duplicate clusters (one report, the outlets that ran it)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import app_context
from monitor.cli.render import (
    OutputFormat,
    console,
    emit,
    long_text,
    print_json,
    print_table,
    when,
)
from monitor.db import stories as repo
from monitor.errors import MonitorError

app = typer.Typer(help="Stories: an original report and its republished copies.",
                  no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, help="Stories to show")] = 50,
    min_articles: Annotated[int, typer.Option(
        "--min-articles", min=1, help="Only stories with at least this many articles")] = 1,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List stories, most recently seen first."""
    with app_context() as ctx, ctx.sessions() as session:
        rows = repo.list_stories(session, limit, min_articles=min_articles)
    emit(fmt, rows, "Stories", rows, [
        ("id", lambda r: r.id), ("last seen", lambda r: when(r.last_seen_at)),
        ("articles", lambda r: r.article_count),
        ("outlets", long_text(lambda r: ", ".join(r.outlets))),
        ("title", long_text(lambda r: r.title)),
    ])


@app.command()
def show(story_id: Annotated[int, typer.Argument(help="Story id")],
         fmt: FormatOption = OutputFormat.table) -> None:
    """Show a story and its member articles with why each was folded into it."""
    with app_context() as ctx, ctx.sessions() as session:
        detail = repo.get_story(session, story_id)
    if detail is None:
        raise MonitorError(f"no story {story_id} (see `monitor stories list`)")
    if fmt is OutputFormat.json:
        print_json(detail)
        return
    story = detail.story
    # Titles come from outlets: printed without markup so "[...]" in them stays text.
    console.print(f"{story.title} (story {story.id}): {story.article_count} "
                  f"article(s) from {len(story.outlets)} outlet(s), first seen "
                  f"{when(story.first_seen_at)}, last seen {when(story.last_seen_at)}",
                  markup=False, highlight=False)
    print_table("Members", detail.members, [
        ("article", lambda a: a.article_id), ("published", lambda a: when(a.published)),
        ("outlet", lambda a: a.outlet), ("dedup", lambda a: a.dedup_reason),
        ("title", long_text(lambda a: a.title)), ("url", long_text(lambda a: a.url)),
    ])
