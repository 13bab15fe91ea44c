"""The public status page: every file of ``site/public/``, rendered in memory.

Read top to bottom: the public view (the one gate to public data), then the machine outputs
(feeds, Statuspage API, calendar, badges), then the HTML pages (which link to the machine
outputs that exist), then the sitemap of those pages. Nothing here touches the disk except
reading template and stylesheet overrides; :func:`statusgen.output.write_tree` writes the result.

Layout::

    index.html                       home
    incidents/<id>/index.html        one per incident and maintenance
    components/<id>/index.html       one per component (+ badge.svg, history.atom|rss)
    history/index.html               the latest months and the archive
    history/<YYYY>-<MM>/index.html   one per month
    404.html, style.css, badge.svg, history.atom|rss, api/v2/*.json, maintenance.ics,
    sitemap.xml, robots.txt
"""

from __future__ import annotations

import datetime as dt

from ..validate import Site
from .api import render_api
from .badges import render_badges
from .calendar import render_calendar
from .feeds import render_feeds
from .pages import make_environment, render_pages, stylesheet
from .sitemap import render_sitemap
from .view import public_view

__all__ = ["render_public_site"]


def render_public_site(site: Site, now: dt.datetime) -> dict[str, bytes]:
    """Every file of the public site as of ``now``: relative POSIX path → bytes."""
    view = public_view(site, now)
    files: dict[str, bytes] = {}
    for part in (render_feeds(view), render_api(view), render_calendar(view), render_badges(view)):
        _merge(files, part)
    pages = render_pages(view, env=make_environment(site.root), css=stylesheet(site.root), machine_paths=sorted(files))
    _merge(files, pages)
    page_paths = sorted(path for path in pages if path.endswith(".html") and path != "404.html")
    _merge(files, render_sitemap(view, page_paths))
    return dict(sorted(files.items()))


def _merge(files: dict[str, bytes], part: dict[str, bytes]) -> None:
    """Add ``part`` to ``files``; two renderers claiming one path is a bug, not a choice."""
    clash = files.keys() & part.keys()
    if clash:
        raise RuntimeError(f"two public renderers wrote the same files: {', '.join(sorted(clash))}")
    files.update(part)
