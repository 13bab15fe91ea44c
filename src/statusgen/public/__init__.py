"""The public status page: every file of ``site/public/``, rendered in memory.

Read top to bottom: the public view (the one gate to public data), then the machine outputs
(feeds, Statuspage API, calendar, badges), then the HTML pages (which link to the machine
outputs that exist), then the sitemap of those pages. Nothing here touches the disk except
reading template and stylesheet overrides; :func:`statusgen.output.write_tree` writes the result.

A long-lived process remembers from one build to the next what it worked out about each
incident and its views, and the compiled templates (:class:`PublicMemo`): a rebuild after one
edit then does little more than the edit asks for.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config import Config
from ..output import TreeMemory, TreeWriter
from ..parallel import Forked, worker_count
from ..validate import Site
from .api import API_FILES
from .calendar import CALENDAR_PATH
from .keys import PageKeys
from .machine import machine_parts
from .memo import Generations, IncidentMemo, Published
from .pages import PublicPages, TemplateCache, stylesheet
from .sitemap import render_sitemap
from .view import public_view

__all__ = [
    "MANIFEST",
    "PublicMemo",
    "PublicRender",
    "machine_paths",
    "read_manifest",
    "render_public_site",
    "render_public_changes",
    "write_public_site",
]

MANIFEST = ".statusgen-manifest.json"
"""The build manifest, inside the public tree so that it always describes the tree it is in:
the key of every incident and month page and of every machine output (see
:mod:`statusgen.public.keys`)."""
_MANIFEST_FORMAT = 2
_PARALLEL_FROM = 200
"""Pages to render from which the months are rendered by worker processes (forking costs about
10 ms, a page 1–2 ms)."""


@dataclass
class PublicMemo:
    """What one process remembers from one public build to the next (see
    :mod:`statusgen.public.memo`): nothing in it changes a build's bytes, only its work."""

    incidents: IncidentMemo = field(default_factory=IncidentMemo)
    views: Generations[tuple[object, ...], Any] = field(default_factory=Generations)
    """Incident and component views by what they are made of (see :class:`PublicPages`)."""
    templates: TemplateCache = field(default_factory=TemplateCache)
    sitemap: dict[str, Any] = field(default_factory=dict)
    """The last sitemap and what it was made of (see :func:`render_sitemap`)."""
    output: TreeMemory | None = None
    """The output trees, known without looking: only for a caller that alone writes into the
    output folder (``statusgen serve``'s is private to it; see :class:`TreeMemory`)."""

    def begin(self) -> None:
        self.incidents.begin()
        self.views.begin()

    def end(self) -> None:
        self.incidents.end()
        self.views.end()


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
    memo: PublicMemo | None = None,
) -> PublicRender:
    """The public site as of ``now``, in memory, leaving out the pages whose keys equal
    ``previous`` (a previous build's manifest) and that are still ``reusable`` (present in its
    tree). ``memo``: what earlier builds remembered (none by default)."""
    files: dict[str, bytes] = {}
    kept = _render(
        site,
        now,
        previous or {},
        reusable or (lambda path: False),
        lambda part: _merge(files, part),
        memo=memo if memo is not None else PublicMemo(),
    )
    return PublicRender(dict(sorted(files.items())), frozenset(kept))


def write_public_site(
    site: Site, now: dt.datetime, writer: TreeWriter, previous: Mapping[str, str], memo: PublicMemo | None = None
) -> None:
    """Give ``writer`` every file of the public site as of ``now``: a page whose key equals
    ``previous`` (the current tree's manifest) is kept from the current tree unrendered.
    ``memo``: what earlier builds remembered, given by a process that builds again and again
    (``statusgen serve``); by default nothing is, and nothing is kept after the build.

    On a large site the months of the history (each with its incident pages) are rendered and
    written by forked worker processes, while this one renders the rest."""
    _render(
        site,
        now,
        previous,
        lambda path: writer.current_inode(path) is not None,
        None,
        writer,
        memo=memo if memo is not None else PublicMemo(),
    )


def machine_paths(config: Config) -> list[str]:
    """What the feeds, the API, the calendar and the badges write, known before they run: the
    pages link to them, and are rendered at the same time."""
    paths = ["history.atom", "history.rss", CALENDAR_PATH, "badge.svg", *(f"api/v2/{name}" for name in API_FILES)]
    for component in config.components:
        paths += [f"components/{component.id}/{name}" for name in ("history.atom", "history.rss", "badge.svg")]
    return sorted(paths)


def _render(
    site: Site,
    now: dt.datetime,
    previous: Mapping[str, str],
    reusable: Callable[[str], bool],
    collect: Callable[[dict[str, bytes]], None] | None,
    writer: TreeWriter | None = None,
    *,
    memo: PublicMemo,
) -> set[str]:
    """Render the public site: to ``collect`` (in memory), or to ``writer`` (which also keeps
    the unchanged pages and, when there are many pages to render, takes the months from worker
    processes). Returns the kept pages and files."""
    memo.begin()
    keys = PageKeys(previous, reusable)
    facts = Published(now, memo.incidents)
    view = public_view(site, now, facts)
    declared = machine_paths(view.config)
    env, code = memo.templates.environment(site.root)
    pages = PublicPages(
        view,
        env=env,
        code=code,
        css=stylesheet(site.root),
        machine_paths=declared,
        keys=keys,
        published=facts,
        views=memo.views,
    )
    # A first build keeps nothing: every month is rendered, and its pages' keys are worked out
    # where it is rendered (by a worker, which sends them back for the manifest), not up front.
    everything = writer is not None and not keys.previous
    stale_pages = len(pages.builder.incidents) + len(pages.months) if everything else pages.plan()
    processes = worker_count(stale_pages, least=_PARALLEL_FROM) if writer else 0
    claimed: set[str] = set()

    def give(part: dict[str, bytes]) -> None:
        clash = claimed & part.keys()
        if clash:
            raise RuntimeError(f"two public renderers wrote the same files: {', '.join(sorted(clash))}")
        claimed.update(part)
        if collect is not None:
            collect(part)
        if writer is not None:
            for path in sorted(part):
                writer.write(path, part[path])

    def months(indexes: Sequence[int]) -> tuple[dict[str, bytes], dict[str, str]]:
        """The months' pages (unless written here) and their pages' keys."""
        rendered: dict[str, bytes] = {}
        for index in indexes:
            for path, content in pages.month(index):
                if writer is not None and processes:
                    writer.write(path, content)
                else:
                    rendered[path] = content
        return rendered, {path: keys.keys[path] for index in indexes for path in pages.month_paths(index)}

    def machine(_: Sequence[int]) -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        for part in stale_parts:
            _merge(files, part.render())
        if writer is not None and processes:
            for path in sorted(files):
                writer.write(path, files[path])
            return {}
        return files

    # The months' workers start first: the machine outputs are planned while they render.
    to_render = range(len(pages.months)) if everything else pages.months_to_render()
    workers = Forked(months, to_render, processes)
    machine_worker: Forked[int, dict[str, bytes]] | None = None
    try:
        parts = machine_parts(view, pages.builder.incidents, facts, code)
        if sorted(path for part in parts for path in part.paths) != declared:
            raise RuntimeError(f"the machine outputs are not the ones declared: {[part.paths for part in parts]}")
        stale_parts = [part for part in parts if not keys.all_unchanged(part.paths, part.key)]
        machine_worker = Forked(machine, [0], 1 if processes and stale_parts else 0)
        shared = pages.shared()
        give(shared)
        if writer is not None:
            for path in sorted(keys.kept):
                writer.keep(path)
        claimed.update(keys.kept)
        # made while the workers render (it lists the pages, it does not read them)
        month_pages = [path for index in range(len(pages.months)) for path in pages.month_paths(index)]
        page_paths = sorted(
            path for path in {*pages.shared_paths(), *month_pages} if path.endswith(".html") and path != "404.html"
        )
        give(dict(render_sitemap(view, page_paths, facts, memo.sitemap)))
        for files in machine_worker.results():
            give(files)
        for rendered, month_keys in workers.results():
            give(rendered)
            keys.keys.update(month_keys)
    except BaseException:
        workers.stop()
        if machine_worker is not None:
            machine_worker.stop()
        raise
    if writer is not None and processes:
        written = [path for part in stale_parts for path in part.paths] + month_pages
        claimed.update(written)
        writer.add_written(written)
    manifest = {"format": _MANIFEST_FORMAT, "pages": dict(sorted(keys.keys.items()))}
    give({MANIFEST: (json.dumps(manifest, indent=0) + "\n").encode("utf-8")})
    memo.end()
    return keys.kept


def _merge(files: dict[str, bytes], part: dict[str, bytes]) -> None:
    """Add ``part`` to ``files``; two renderers claiming one path is a bug, not a choice."""
    clash = files.keys() & part.keys()
    if clash:
        raise RuntimeError(f"two public renderers wrote the same files: {', '.join(sorted(clash))}")
    files.update(part)
