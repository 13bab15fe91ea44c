"""``statusgen build``: one validated site in, the public site and the knowledge base out.

Read top to bottom: validate (by the caller), render the public site to bytes in memory —
all but the pages the previous build's manifest shows unchanged — and write it as a whole
(unchanged files are hard links to the previous tree's); stage and build the knowledge base.
Each output directory is replaced only when its build succeeded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .output import write_tree
from .validate import Site

__all__ = ["PUBLIC_DIR", "INTERNAL_DIR", "build_sites"]

PUBLIC_DIR = "public"
INTERNAL_DIR = "internal"


def build_sites(site: Site, *, now: dt.datetime, out: Path, public: bool = True, kb: bool = True) -> list[Path]:
    """Build the requested sites under ``out``; return the directories written."""
    written: list[Path] = []
    if public:
        # Imported here so that `statusgen validate` does not pay for the renderers.
        from .public import MANIFEST, read_manifest, render_public_changes

        destination = out / PUBLIC_DIR
        try:
            previous = read_manifest((destination / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            previous = {}
        rendered = render_public_changes(
            site, now, previous, lambda path: (destination / path).is_file() and not (destination / path).is_symlink()
        )
        write_tree(destination, rendered.files, keep=rendered.kept)
        written.append(out / PUBLIC_DIR)
    if kb:
        from .kb import build_knowledge_base

        build_knowledge_base(site, now, out / INTERNAL_DIR)
        written.append(out / INTERNAL_DIR)
    return written
