"""`monitor storylines list|show|explain|suggest`: tracked storylines, their seeds and status
timelines; why an article matches or not; a first [match] table from seed articles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from monitor.db import matches as matches_repo
from monitor.db import storylines as repo
from monitor.errors import MonitorError

if TYPE_CHECKING:  # scikit-learn loads only for the commands that use it
    from monitor.storylines.explain import Explanation

app = typer.Typer(help="Tracked storylines: status, seeds, timeline.", no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


def _facts(facts: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in facts.items()) or "-"


@app.command("list")
def list_(fmt: FormatOption = OutputFormat.table) -> None:
    """List storylines with their current status."""
    with app_context() as ctx, ctx.sessions() as session:
        rows = repo.list_storylines(session)
    emit(fmt, rows, "Storylines", rows, [
        ("id", lambda r: r.id), ("title", long_text(lambda r: r.title)),
        ("status", lambda r: r.status or "-"), ("facts", lambda r: _facts(r.facts)),
        ("since", lambda r: when(r.since)), ("seeds", lambda r: len(r.seeds)),
        ("matches", lambda r: r.matches), ("changes", lambda r: r.changes),
    ])


@app.command()
def show(storyline_id: Annotated[str, typer.Argument(help="Storyline id")],
         fmt: FormatOption = OutputFormat.table) -> None:
    """Show a storyline: current status, seeds and its status history as a timeline."""
    with app_context() as ctx, ctx.sessions() as session:
        summary = repo.get_storyline(session, storyline_id)
        if summary is None:
            raise MonitorError(f"no storyline {storyline_id!r} (see `monitor storylines list`)")
        timeline = repo.history(session, storyline_id)
    if fmt is OutputFormat.json:
        print_json({"storyline": summary, "timeline": timeline})
        return
    console.print(f"[bold]{summary.title}[/] ({summary.id}): status "
                  f"[bold]{summary.status or 'none yet'}[/] {_facts(summary.facts)} "
                  f"since {when(summary.since)}")
    print_table("Seeds", summary.seeds, [
        ("published", lambda s: s.published_at.date()),
        ("precision", lambda s: s.published_precision),
        ("outlet", lambda s: s.outlet), ("words", lambda s: s.words),
        ("title", long_text(lambda s: s.title)),
    ])
    print_table("Timeline", timeline, [
        ("published", lambda c: when(c.published_at)),
        ("change", lambda c: f"{c.from_status or '-'} -> {c.to_status}"),
        ("facts", lambda c: _facts(c.facts_after)),
        ("outlet", lambda c: c.outlet), ("outlets", lambda c: len(c.outlets)),
        ("evidence", long_text(lambda c: c.evidence)),
    ])


@app.command()
def explain(
    storyline_id: Annotated[str, typer.Argument(help="Storyline id")],
    url: Annotated[str | None, typer.Option("--url", help="Article page to fetch")] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", help="Article file: plain text (a short first line and a blank line "
        "make the title; seeds take theirs from seeds.toml) or HTML")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show why an article does or does not match a storyline (stores nothing)."""
    if (url is None) == (file is None):
        raise typer.BadParameter("give exactly one of --url or --file")
    from monitor.storylines import explain as explaining

    with app_context() as ctx:
        spec = ctx.config.storyline(storyline_id)
        if spec is None:
            raise MonitorError(f"no storyline {storyline_id!r} (see `monitor storylines list`)")
        article = (explaining.read_article(file) if file is not None else
                   explaining.fetch_article(str(url), ctx.config.settings.http))
        with ctx.sessions() as session:
            matcher = explaining.build_matcher(session, spec)
    result = explaining.explain(matcher, article)
    if fmt is OutputFormat.json:
        print_json(result)
        return
    _print_explanation(result)


def _print_explanation(result: Explanation) -> None:
    e = result.explanation
    verdict = ("[green]MATCH[/]" if result.matched else
               "[yellow]NEAR MISS[/]" if result.near_miss else "[red]NO MATCH[/]")
    console.print(f"{verdict} {result.storyline_id}: score {result.score:.3f}, threshold "
                  f"{e['threshold']}: {e['reason']}", highlight=False)
    console.print(f"article: {result.source} ({result.words} words) {result.title!r}",
                  markup=False, highlight=False)
    print_table("Groups (one alternative of each must be named)", list(enumerate(e["groups"])), [
        ("group", lambda r: r[0] + 1), ("found", lambda r: _counts(r[1]["found"]) or "MISSING"),
        ("alternatives", long_text(lambda r: ", ".join(r[1]["alternatives"]))),
    ])
    if e["excluded"]:
        console.print(f"excluded by: {_counts(e['excluded'])}", markup=False)
    focus = e["focus"]
    print_table(f"Focus {focus['score']} ({focus['hit_count']} sentence(s))", focus["hits"], [
        ("where", lambda h: h["position"]), ("weight", lambda h: h["weight"]),
        ("pattern", long_text(lambda h: _short(h["pattern"]))),
        ("sentence", long_text(lambda h: h["sentence"])),
    ])
    for other in focus.get("elsewhere", []):
        console.print(f"not counted (elsewhere): {other['sentence']}", markup=False)
    sim = e["similarity"]
    console.print(f"similarity: closest seed {sim['closest_seed']}, cosine {sim['cosine']} "
                  f"(seeds among themselves {sim['reference']}) -> {sim['scaled']}; shared "
                  f"terms: {', '.join(t for t, _ in sim['shared_terms']) or '-'}",
                  markup=False, highlight=False)


def _short(pattern: str, limit: int = 40) -> str:
    return pattern if len(pattern) <= limit else pattern[:limit - 1] + "\u2026"


def _counts(found: dict[str, int]) -> str:
    return ", ".join(f"{term} x{n}" for term, n in found.items())


@app.command()
def suggest(
    seeds: Annotated[list[Path], typer.Option(
        "--seeds", help="Seed article files (text or HTML): --seeds a.txt b.txt or repeated")],
    more: Annotated[list[Path] | None, typer.Argument(
        help="More seed files (what a shell glob after --seeds expands to)",
        show_default=False)] = None,
    storyline_id: Annotated[str, typer.Option("--id", help="Id of the new storyline")]
    = "new-storyline",
    title: Annotated[str, typer.Option("--title", help="Title of the new storyline")]
    = "New storyline",
    background: Annotated[list[Path] | None, typer.Option(
        "--background", help="Extra background article files (besides stored articles)")]
    = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Propose entity groups and keywords from seed articles, as a storyline TOML snippet."""
    from monitor.storylines import explain as explaining
    from monitor.storylines import suggest as suggesting

    seeds = [*seeds, *(more or [])]
    texts = [explaining.read_article(p) for p in seeds]
    extra = [explaining.read_article(p) for p in background or []]
    with app_context() as ctx, ctx.sessions() as session:
        stored = matches_repo.background_texts(session, explaining.BACKGROUND_ARTICLES)
    result = suggesting.suggest([f"{a.title}\n\n{a.text}" for a in texts],
                                [*stored, *(f"{a.title}\n\n{a.text}" for a in extra)])
    if fmt is OutputFormat.json:
        print_json(result)
        return
    sys.stdout.write(suggesting.to_toml(result, storyline_id=storyline_id, title=title,
                                        seed_paths=[p.as_posix() for p in seeds]))
