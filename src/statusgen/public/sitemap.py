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
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from .api import last_update_at
from .view import PublicView

if TYPE_CHECKING:
    from .memo import Published

__all__ = ["render_sitemap"]


def render_sitemap(
    view: PublicView,
    page_paths: list[str],
    facts: Published | None = None,
    remembered: dict[str, Any] | None = None,
) -> dict[str, bytes]:
    """``sitemap.xml`` of ``page_paths`` (relative to the site root) and ``robots.txt``.
    ``facts``: what is known of the incidents, when the caller has it (an incident page's line
    is then remembered with the incident). ``remembered``: where an earlier build left its
    sitemap with what it was made of (the files are made again only when that changed)."""
    if facts is not None:
        latest = _latest_known(view, facts)
        made_of = (view.config.base_url, page_paths, latest)
        if remembered is not None and remembered.get("made of") == made_of:
            return remembered["files"]  # type: ignore[no-any-return]
    else:
        latest = {}
        for incident in view.incidents:
            moment = last_update_at(incident, view.now)
            if moment is None:
                continue
            components = set(incident.components)
            for update in incident.updates:
                if update.at <= view.now:
                    components.update(update.components)
            _touch(latest, (moment, moment), ["", view.incident_path(incident), *map(view.component_path, components)])

    ready: dict[str, str] = {}
    if facts is not None:
        for incident in view.incidents:
            folder = view.incident_path(incident)
            known = latest.get(folder)
            key = (view.config.base_url, known[1] if known is not None else None)
            memo = facts.facts(incident).memo
            found = memo.get("sitemap")
            if found is None or found[0] != key:
                found = memo["sitemap"] = (key, _line(view, folder, known[0] if known is not None else None))
            ready[folder] = found[1]

    lines: list[tuple[str, str]] = []
    for path in page_paths:
        if path == "404.html" or path.endswith("/404.html"):
            continue
        folder = path.removesuffix("index.html")
        line = ready.get(folder)
        if line is None:
            known = latest.get(folder)
            line = _line(view, folder, known[0] if known is not None else None)
        lines.append((view.url(folder), line))
    lines.sort()

    text = "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
            *(line for _, line in lines),
            "</urlset>",
        ]
    )
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {view.url('sitemap.xml')}\n"
    files = {"sitemap.xml": (text + "\n").encode("utf-8"), "robots.txt": robots.encode("utf-8")}
    if facts is not None and remembered is not None:
        remembered.update({"made of": made_of, "files": files})
    return files


def _latest_known(view: PublicView, facts: Published) -> dict[str, tuple[dt.datetime, object]]:
    """Per page folder, the latest moment (and its timestamp) of the incidents it shows."""
    latest: dict[str, tuple[dt.datetime, object]] = {}
    for incident in view.incidents:
        # The latest update, or the moment a maintenance window started or ended by itself.
        moment = facts.last_update(incident)
        if moment is None:
            continue
        stamped = (moment, facts.last_update_stamp(incident))
        memo = facts.facts(incident).memo
        folders = memo.get("sitemap folders")
        components = facts.touched(incident)
        if folders is None or folders[0] is not components:
            paths = ("", view.incident_path(incident), *map(view.component_path, components))
            folders = memo["sitemap folders"] = (components, paths)
        _touch(latest, stamped, folders[1])
    return latest


def _touch(latest: dict[str, tuple[dt.datetime, object]], stamped: tuple[dt.datetime, Any], folders: Any) -> None:
    """Keep ``stamped`` (a moment, and what orders it) for each of ``folders`` where it is later."""
    for folder in folders:
        known = latest.get(folder)
        if known is None or known[1] < stamped[1]:
            latest[folder] = stamped


def _line(view: PublicView, folder: str, modified: dt.datetime | None) -> str:
    lastmod = f"<lastmod>{modified.astimezone(dt.UTC).isoformat()}</lastmod>" if modified else ""
    return f"  <url><loc>{escape(view.url(folder))}</loc>{lastmod}</url>"
