"""The one writer: output trees are built aside and swapped in whole.

A build writes into a fresh temporary directory next to the destination and, only when
everything succeeded, swaps it in with renames; a failed or interrupted build leaves the
previous output untouched, and concurrent builds each have their own temporary directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replace_tree", "staged_tree", "write_tree"]

_PREFIX = ".statusgen-"


@contextmanager
def staged_tree(destination: Path) -> Iterator[Path]:
    """A temporary directory beside ``destination``; swapped in when the block succeeds."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{destination.name}-", dir=destination.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_tree(staging, destination)


def replace_tree(staging: Path, destination: Path) -> None:
    """Put ``staging`` where ``destination`` is, keeping the old tree until the new one is in."""
    retired = None
    if destination.exists():
        retired = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}old-{destination.name}-", dir=destination.parent))
        os.replace(destination, retired / "tree")
    try:
        os.replace(staging, destination)
    except BaseException:
        if retired is not None:
            os.replace(retired / "tree", destination)
        raise
    finally:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)


def write_tree(destination: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (POSIX relative path → content) as the whole of ``destination``."""
    with staged_tree(destination) as staging:
        for relpath, content in files.items():
            target = staging / relpath
            if not target.resolve().is_relative_to(staging.resolve()):
                raise ValueError(f"refusing to write outside the output: {relpath}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
