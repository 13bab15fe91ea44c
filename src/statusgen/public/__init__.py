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
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..validate import Site
from .api import render_api
from .badges import render_badges
from .calendar import render_calendar
from .feeds import render_feeds
from .pages import PageKeys, make_environment, render_pages, stylesheet
from .sitemap import render_sitemap
from .view import public_view

__all__ = ["MANIFEST", "PublicRender", "read_manifest", "render_public_site", "render_public_changes"]

MANIFEST = ".statusgen-manifest.json"
"""The build manifest, inside the public tree so that it always describes the tree it is in:
the key of every incident and month page (see :class:`statusgen.public.pages.PageKeys`)."""
_MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class PublicRender:
    files: dict[str, bytes]
    """The files rendered by this build, the manifest included."""
    kept: frozenset[str]
    """Pages unchanged since the previous build: to be taken from its tree as they are."""


def render_public_site(site: Site, now: dt.datetime) -> dict[str, bytes]:
    """Every file of the public site as of ``now``: relative POSIX path → bytes."""
    return render_public_changes(site, now).files


def read_manifest(text: str) -> dict[str, str]:
    """Page keys from a manifest's text; empty (render everything) when it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    pages = data.get("pages") if isinstance(data, dict) and data.get("format") == _MANIFEST_FORMAT else None
    if not isinstance(pages, dict):
        return {}
    return {path: key for path, key in pages.items() if isinstance(path, str) and isinstance(key, str)}


def render_public_changes(
    site: Site,
    now: dt.datetime,
    previous: Mapping[str, str] | None = None,
    reusable: Callable[[str], bool] | None = None,
) -> PublicRender:
    """The public site as of ``now``, leaving out the pages whose keys equal ``previous``
    (a previous build's manifest) and that are still ``reusable`` (present in its tree)."""
    keys = PageKeys(previous, reusable)
    view = public_view(site, now)
    files: dict[str, bytes] = {}
    for part in (render_feeds(view), render_api(view), render_calendar(view), render_badges(view)):
        _merge(files, part)
    pages = render_pages(
        view, env=make_environment(site.root), css=stylesheet(site.root), machine_paths=sorted(files), keys=keys
    )
    _merge(files, pages)
    page_paths = sorted({*keys.kept, *(path for path in pages if path.endswith(".html") and path != "404.html")})
    _merge(files, render_sitemap(view, page_paths))
    manifest = {"format": _MANIFEST_FORMAT, "pages": dict(sorted(keys.keys.items()))}
    _merge(files, {MANIFEST: (json.dumps(manifest, indent=0) + "\n").encode("utf-8")})
    return PublicRender(dict(sorted(files.items())), frozenset(keys.kept))


def _merge(files: dict[str, bytes], part: dict[str, bytes]) -> None:
    """Add ``part`` to ``files``; two renderers claiming one path is a bug, not a choice."""
    clash = files.keys() & part.keys()
    if clash:
        raise RuntimeError(f"two public renderers wrote the same files: {', '.join(sorted(clash))}")
    files.update(part)
