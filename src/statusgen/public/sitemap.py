"""``sitemap.xml`` and ``robots.txt``.

The sitemap lists the absolute URL of every page it is given (``index.html`` is written as its
folder, ``incidents/<id>/``), sorted, with ``lastmod`` where the data knows it: the latest update
for an incident page, the latest update touching a component for its page, the latest update of
all for the home page (a maintenance window starting or ending by itself counts as an update).
``robots.txt`` allows everything and names the sitemap; under a sub-path
(``https://org.github.io/status/``) crawlers read only the host's own ``/robots.txt``, so there
the sitemap is best submitted to search engines directly.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from .api import last_update_at
from .view import PublicView

if TYPE_CHECKING:
    from .memo import Published

__all__ = ["render_sitemap"]


def render_sitemap(view: PublicView, page_paths: list[str], facts: Published | None = None) -> dict[str, bytes]:
    """``sitemap.xml`` of ``page_paths`` (relative to the site root) and ``robots.txt``.
    ``facts``: what is known of the incidents, when the caller has it."""
    latest: dict[str, dt.datetime] = {}

    def touch(path: str, moment: dt.datetime) -> None:
        if path not in latest or latest[path] < moment:
            latest[path] = moment

    for incident in view.incidents:
        # The latest update, or the moment a maintenance window started or ended by itself.
        moment = facts.last_update(incident) if facts is not None else last_update_at(incident, view.now)
        if moment is None:
            continue
        touch("", moment)
        touch(view.incident_path(incident), moment)
        if facts is not None:
            components: set[str] | frozenset[str] = facts.touched(incident)
        else:
            named = set(incident.components)
            for update in incident.updates:
                if update.at <= view.now:
                    named.update(update.components)
            components = named
        for component in components:
            touch(view.component_path(component), moment)

    entries: dict[str, str | None] = {}
    for path in page_paths:
        if path == "404.html" or path.endswith("/404.html"):
            continue
        folder = path.removesuffix("index.html")
        modified = latest.get(folder)
        entries[view.url(folder)] = modified.astimezone(dt.UTC).isoformat() if modified else None

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in sorted(entries.items()):
        lines.append(
            f"  <url><loc>{escape(url)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>"
        )
    lines.append("</urlset>")
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {view.url('sitemap.xml')}\n"
    return {"sitemap.xml": ("\n".join(lines) + "\n").encode("utf-8"), "robots.txt": robots.encode("utf-8")}
