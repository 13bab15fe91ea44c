"""The incident files of a past revision, read from git without touching the working tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import UsageError

__all__ = ["files_at"]

_NAMES = ("/incident.md", "/postmortem.md")
_TIMEOUT = 120


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False, timeout=_TIMEOUT
        )
    except FileNotFoundError:
        raise UsageError("git is not installed; statusgen notify compares the site with a git revision") from None


def files_at(root: Path, revision: str, folder: str = "incidents") -> dict[str, str]:
    """``incident.md`` and ``postmortem.md`` texts under ``folder`` at ``revision``, by path
    relative to ``root`` (which may be a subfolder of the repository). A file that is not UTF-8
    is left out, as if it did not exist."""
    inside = _git(root, "rev-parse", "--show-prefix")
    if inside.returncode != 0:
        raise UsageError(f"{root} is not in a git repository; statusgen notify compares with a git revision")
    prefix = inside.stdout.decode().strip()
    resolved = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    if resolved.returncode != 0 or not revision.strip():
        raise UsageError(f"--since: '{revision}' is not a commit of this repository (fetch more history?)")
    commit = resolved.stdout.decode().strip()
    listing = _git(root, "ls-tree", "-r", "-z", "--name-only", "--full-name", commit, "--", folder)
    if listing.returncode != 0:
        raise UsageError(f"git ls-tree failed: {listing.stderr.decode(errors='replace').strip()}")
    paths = [
        path
        for path in listing.stdout.decode("utf-8", errors="surrogateescape").split("\0")
        if path.endswith(_NAMES) and "\n" not in path and path.startswith(prefix)
    ]
    if not paths:
        return {}
    batch = _git(root, "cat-file", "--batch", stdin="".join(f"{commit}:{path}\n" for path in paths).encode())
    if batch.returncode != 0:
        raise UsageError(f"git cat-file failed: {batch.stderr.decode(errors='replace').strip()}")
    texts: dict[str, str] = {}
    data, position = batch.stdout, 0
    for path in paths:
        end = data.index(b"\n", position)
        header = data[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":
            continue  # missing, or a link or a submodule: not a file at that revision
        size = int(header[2])
        blob = data[position : position + size]
        position += size + 1
        try:
            texts[path[len(prefix) :]] = blob.decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    return texts
