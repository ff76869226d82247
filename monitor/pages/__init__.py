"""Read-only HTML pages of the storylines, served next to /healthz (monitor.server).

`Site` answers `/`, `/storylines/ID` and `/stories/ID` from the database's records with
Jinja2 templates (monitor.pages.render) and a server-side SVG timeline
(monitor.pages.timeline); no JavaScript.
"""

from monitor.pages.site import Site

__all__ = ["Site"]
