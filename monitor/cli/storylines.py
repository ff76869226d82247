"""`monitor storylines list|show|explain|suggest`: tracked storylines, their seeds and status
timelines; why an article matches or not; a first [match] table from seed articles."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli.context import app_context, config_dir
from monitor.cli.render import (
    OutputFormat,
    console,
    emit,
    long_text,
    print_json,
    print_table,
    when,
)
from monitor.config import config_dir_from_env
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
    published: Annotated[str | None, typer.Option(
        "--published", help="The article's publication date or time (ISO 8601), against "
        "which its dates are read (default: now)")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show why an article does or does not match a storyline, and what status it states:
    the cue family and the roles behind the reading (stores nothing)."""
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
        when = _published(published) if published else ctx.clock.now()
    result = explaining.explain(matcher, article, spec, when)
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


    _print_reading(result)


def _print_reading(result: Explanation) -> None:
    reading = result.reading
    if reading is None:
        console.print(f"status: no reading (published {result.published})", markup=False)
    else:
        e = reading.explanation
        roles = ", ".join(f"{role} {alias!r}" for role, alias in e.get("roles", {}).items())
        via = (f" (read as {e['cue_status']}, weakened: hedged or doubted)"
               if e.get("cue_status") != reading.status else "")
        console.print(f"status: [bold]{reading.status}[/]{via} {_facts(dict(reading.facts))}",
                      highlight=False)
        console.print(f"  cue family: {e.get('cue_family')}; roles: {roles or '-'}",
                      markup=False, highlight=False)
        console.print(f"  evidence: {reading.evidence}", markup=False, highlight=False)
    for skip in (reading.explanation.get("skipped", []) if reading else []):
        console.print(f"  set aside: sentence {skip.get('sentence_index', '-')} "
                      f"({skip.get('reason')}: {_short(str(skip.get('pattern', '')))})",
                      markup=False, highlight=False)


def _published(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"--published: not an ISO 8601 date or time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(hour=parsed.hour or 12, tzinfo=UTC)


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
    kind: Annotated[str, typer.Option("--kind", help="visit or meeting")] = "visit",
    background: Annotated[list[Path] | None, typer.Option(
        "--background", help="Extra background article files (besides stored articles)")]
    = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Propose a storyline file from seed articles: its roles (who travels where, or who
    meets whom) and their aliases, in the short form."""
    from monitor.storylines import explain as explaining
    from monitor.storylines import suggest as suggesting
    from monitor.storylines.kinds import KINDS

    if kind not in KINDS:
        raise typer.BadParameter(f"--kind: one of {', '.join(KINDS)}")
    seeds = [*seeds, *(more or [])]
    texts = [explaining.read_article(p) for p in seeds]
    extra = [explaining.read_article(p) for p in background or []]
    with app_context() as ctx, ctx.sessions() as session:
        stored = matches_repo.background_texts(session, explaining.BACKGROUND_ARTICLES)
    seed_texts = [f"{a.title}\n\n{a.text}" for a in texts]
    result = suggesting.suggest(seed_texts, [*stored, *(f"{a.title}\n\n{a.text}" for a in extra)])
    roles = suggesting.suggest_roles(seed_texts, result, kind)
    if fmt is OutputFormat.json:
        print_json({"suggestion": result, "kind": kind, "roles": roles})
        return
    sys.stdout.write(suggesting.to_toml(result, roles, storyline_id=storyline_id, title=title,
                                        kind=kind, seed_paths=[p.as_posix() for p in seeds]))


@app.command()
def new(
    storyline_id: Annotated[str, typer.Argument(help="Id of the storyline (a-z, 0-9, -)")],
    kind: Annotated[str, typer.Option("--kind", help="visit or meeting")],
    seeds: Annotated[list[str], typer.Option(
        "--seeds", help="Seed article files, relative to the project (repeat or list)")],
    more: Annotated[list[str] | None, typer.Argument(
        help="More seed files (what a shell glob after --seeds expands to)",
        show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title (default: from the id)")]
    = None,
    visitor: Annotated[list[str] | None, typer.Option(
        "--visitor", help="visit: who travels; repeat or comma-separate aliases")] = None,
    destination: Annotated[list[str] | None, typer.Option(
        "--destination", help="visit: where to (country, cities)")] = None,
    host: Annotated[list[str] | None, typer.Option(
        "--host", help="visit: who receives the visitor (optional)")] = None,
    visitor_home: Annotated[list[str] | None, typer.Option(
        "--visitor-home", help="visit: where the visitor comes from (optional)")] = None,
    party: Annotated[list[str] | None, typer.Option(
        "--party", help="meeting: one side and its aliases, comma-separated; give it twice")]
    = None,
    place: Annotated[list[str] | None, typer.Option(
        "--place", help="meeting: where they meet (optional)")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Slack channel")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file")] = False,
) -> None:
    """Write config/storylines/ID.toml in the short form and check it as `config check`
    does: nothing is written when it has a problem."""
    from monitor.storylines.authoring import create_storyline, split_aliases, storyline_toml

    if kind == "meeting":
        sides = [split_aliases([p]) for p in party or []]
        roles: dict[str, Any] = {"parties": sides} if party else {}
        if place:
            roles["place"] = split_aliases(place)
    else:
        given = {"visitor": visitor, "destination": destination, "host": host,
                 "visitor_home": visitor_home}
        roles = {name: split_aliases(values) for name, values in given.items() if values}
    text = storyline_toml(storyline_id, title or storyline_id.replace("-", " ").capitalize(),
                          kind, [*seeds, *(more or [])], roles, channel=channel)
    path = create_storyline(config_dir() or config_dir_from_env(), text, storyline_id,
                            force=force)
    console.print(f"wrote {path}", markup=False, highlight=False)
    sys.stdout.write(text)
