"""`monitor serve`: the storyline pages and health endpoints, without polling (monitor.serve)."""

from __future__ import annotations

import typer

from monitor.cli.context import app_context


def serve() -> None:
    """Serve the storyline pages and /healthz, /readyz, /metrics on [server].host:port
    (127.0.0.1:9108) without polling feeds or sending alerts; stop with Ctrl-C or SIGTERM."""
    from monitor.serve import serve as serve_pages

    with app_context() as app:
        code = serve_pages(app)
    raise typer.Exit(code)
