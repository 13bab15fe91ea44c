"""``statusgen build``: one validated site in, the public site and the knowledge base out.

Read top to bottom: validate (by the caller), render the public site — all but the pages the
previous build's manifest shows unchanged — and write it file by file into a new tree (unchanged
files are hard links to the previous tree's); stage and build the knowledge base.
Each output directory is replaced only when its build succeeded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .output import new_tree
from .validate import Site

if TYPE_CHECKING:
    from .public import PublicMemo

__all__ = ["PUBLIC_DIR", "INTERNAL_DIR", "build_sites"]

PUBLIC_DIR = "public"
INTERNAL_DIR = "internal"


def _silent(step: str) -> None:
    return None


def build_sites(
    site: Site,
    *,
    now: dt.datetime,
    out: Path,
    public: bool = True,
    kb: bool = True,
    progress: Callable[[str], None] = _silent,
    memo: PublicMemo | None = None,
) -> list[Path]:
    """Build the requested sites under ``out``; return the directories written.

    ``progress`` hears the name of each step as it starts (the CLI shows them on a terminal).
    ``memo``: what a process that builds again and again (``statusgen serve``) remembers from
    one public build to the next (:class:`statusgen.public.PublicMemo`); a one-off build keeps
    nothing.
    """
    written: list[Path] = []
    if public:
        progress("rendering the public site")
        # Imported here so that `statusgen validate` does not pay for the renderers.
        from .public import MANIFEST, read_manifest, write_public_site

        destination = out / PUBLIC_DIR
        try:
            previous = read_manifest((destination / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            previous = {}
        with new_tree(destination, reuse=True, memory=memo.output if memo is not None else None) as writer:
            write_public_site(site, now, writer, previous, memo)
        written.append(out / PUBLIC_DIR)
    if kb:
        from .kb import build_knowledge_base

        progress("building the knowledge base with MkDocs")
        build_knowledge_base(site, now, out / INTERNAL_DIR)
        written.append(out / INTERNAL_DIR)
    return written
