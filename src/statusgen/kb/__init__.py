"""The internal knowledge base: plain Markdown staged, then built by MkDocs with Material.

Read top to bottom, :func:`build_knowledge_base` is the whole build:

1. read ``content/``, the site's ``mkdocs.yml`` and the theme's ``custom_dir`` (the only reads);
2. :func:`write_staged_tree` renders every file of the staged tree and writes each as soon as
   it is made (the incident pages by the worker processes that render them) into a new tree
   beside the destination (``<out>/.internal-src``), swapped in once complete and kept there so
   that other engines (ProperDocs, Zensical) can build it too; :func:`stage_tree` makes the
   same files in memory;
3. MkDocs builds it in strict mode into a temporary directory that replaces the destination
   only on success: a failed build leaves the previous knowledge base in place.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..output import new_tree, staged_tree
from ..timeline import status_board
from ..validate import Site
from .engine import MKDOCS_FILE, default_config, load_site_config, read_tree, run_mkdocs, staged_config
from .markdown import when
from .pages import known_tags, stage_docs

__all__ = ["CONTENT_DIR", "build_knowledge_base", "staging_dir", "stage_tree", "write_staged_tree"]

CONTENT_DIR = "content"


def staging_dir(destination: Path) -> Path:
    """Where the staged tree of a knowledge base built into ``destination`` is kept."""
    return destination.parent / f".{destination.name}-src"


def stage_tree(
    site: Site,
    now: dt.datetime,
    *,
    content: Mapping[str, bytes],
    mkdocs_config: Mapping[str, Any] | None,
    overrides: Mapping[str, bytes],
) -> dict[str, bytes]:
    """Every file of the staged tree (``mkdocs.yml``, ``docs/…``, ``overrides/…``) as bytes."""
    files: dict[str, bytes] = {}
    _stage(site, now, content, mkdocs_config, overrides, files.__setitem__, workers_give=False)
    return files


def write_staged_tree(
    folder: Path,
    site: Site,
    now: dt.datetime,
    *,
    content: Mapping[str, bytes],
    mkdocs_config: Mapping[str, Any] | None,
    overrides: Mapping[str, bytes],
) -> None:
    """Write what :func:`stage_tree` returns as the whole of ``folder``, each file as soon as it
    is made, so that the tree is never held in memory; like :func:`statusgen.output.write_tree`,
    a file whose bytes are unchanged keeps its inode and modification time, and ``folder`` is
    replaced only once every file was written."""
    with new_tree(folder) as writer:
        writer.add_written(_stage(site, now, content, mkdocs_config, overrides, writer.write, workers_give=True))


def _stage(
    site: Site,
    now: dt.datetime,
    content: Mapping[str, bytes],
    mkdocs_config: Mapping[str, Any] | None,
    overrides: Mapping[str, bytes],
    give: Callable[[str, bytes], None],
    *,
    workers_give: bool,
) -> list[str]:
    """Give every file of the staged tree to ``give`` (see :func:`stage_docs`, which returns the
    paths that worker processes gave with ``workers_give``; so does this)."""
    board = status_board(site.config, site.incidents, now)
    extra = {
        "indicator": board.indicator.value,
        "description": board.description,
        "active": len(board.active),
        "as_of": when(now, zoneinfo.ZoneInfo(site.config.time_zone)),
    }
    base = mkdocs_config if mkdocs_config is not None else default_config(f"{site.config.name}: knowledge base")
    config = staged_config(base, known_tags=known_tags(site), has_overrides=bool(overrides), extra=extra)
    give(MKDOCS_FILE, config.encode("utf-8"))

    def give_doc(relpath: str, data: bytes) -> None:
        give(f"docs/{relpath}", data)

    in_workers = stage_docs(site, now, content, give_doc, workers_give=workers_give)
    for relpath, data in overrides.items():
        give(f"overrides/{relpath}", data)
    return [f"docs/{relpath}" for relpath in in_workers]


def _custom_dir(root: Path, config: Mapping[str, Any] | None) -> Path | None:
    theme = config.get("theme") if config else None
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    return root / str(custom) if custom else None


def build_knowledge_base(site: Site, now: dt.datetime, destination: Path) -> None:
    """Stage the knowledge base of ``site`` as of ``now`` and build it into ``destination``."""
    mkdocs_config = load_site_config(site.root)
    custom_dir = _custom_dir(site.root, mkdocs_config)
    staging = staging_dir(destination)
    write_staged_tree(
        staging,
        site,
        now,
        content=read_tree(site.root / CONTENT_DIR, site.root),
        mkdocs_config=mkdocs_config,
        overrides=read_tree(custom_dir, site.root) if custom_dir else {},
    )
    with staged_tree(destination) as output:
        run_mkdocs(staging / MKDOCS_FILE, output, now)
