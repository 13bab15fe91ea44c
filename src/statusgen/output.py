"""The one writer: output trees are built aside and swapped in whole.

A build writes into a fresh temporary directory next to the destination and, only when
everything succeeded, exchanges it with the old tree in one atomic ``renameat2`` call (Linux;
elsewhere two renames, with recovery). So whatever happens — an exception, SIGKILL, a full
disk — the destination is always a complete tree, old or new.

Builds into the same output folder take turns on a lock file; holding it, a build also
clears the temporary directories that a killed build left behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOCK_FILE", "output_lock", "replace_tree", "staged_tree", "write_tree"]

_PREFIX = ".statusgen-"
LOCK_FILE = ".statusgen.lock"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2() -> object | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot."""
    if _renameat2 is None:
        return False
    result = _renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)  # type: ignore[operator]
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the output folder's lock; then clear what killed builds left behind."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _recover(folder)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _recover(folder: Path) -> None:
    for leftover in sorted(folder.glob(_PREFIX + "*")):
        if leftover.name == LOCK_FILE or not leftover.is_dir():
            continue
        retired = leftover / "tree"
        if leftover.name.startswith(_PREFIX + "old-") and retired.is_dir():
            # killed between the two renames of the fallback swap: the old tree goes back
            name = leftover.name.removeprefix(_PREFIX + "old-").rsplit("-", 1)[0]
            if not (folder / name).exists():
                os.replace(retired, folder / name)
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def staged_tree(destination: Path) -> Iterator[Path]:
    """A temporary directory beside ``destination``; swapped in when the block succeeds."""
    with output_lock(destination.parent):
        staging = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{destination.name}-", dir=destination.parent))
        try:
            yield staging
            os.chmod(staging, 0o755)
            replace_tree(staging, destination)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def replace_tree(staging: Path, destination: Path) -> None:
    """Put ``staging`` where ``destination`` is; afterwards ``staging`` holds the old tree
    (or nothing)."""
    if destination.exists() and _exchange(staging, destination):
        return
    if not destination.exists():
        os.replace(staging, destination)
        return
    retired = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}old-{destination.name}-", dir=destination.parent))
    os.replace(destination, retired / "tree")
    try:
        os.replace(staging, destination)
    except BaseException:
        os.replace(retired / "tree", destination)
        raise
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def write_tree(destination: Path, files: Mapping[str, bytes], *, keep: Iterable[str] = ()) -> None:
    """Write ``files`` (POSIX relative path → content) as the whole of ``destination``.

    A file whose bytes equal the current tree's is not written again: the new tree gets a hard
    link to it, so its inode and modification time stay as they were (MkDocs' dirty reload,
    rsync and browsers' caches see no change). ``keep`` names files taken unchanged from the
    current tree without being rendered at all (the build manifest vouches for them).
    """
    with staged_tree(destination) as staging:
        made: set[Path] = set()

        def target_of(relpath: str) -> Path:
            # The staging folder is new and holds no links (none are ever made in it), so a
            # relative path without empty, '.' or '..' parts cannot leave it.
            if relpath.startswith("/") or {"", ".", ".."} & set(relpath.split("/")):
                raise ValueError(f"refusing to write outside the output: {relpath}")
            target = staging / relpath
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            return target

        for relpath in sorted(keep):
            _link(destination / relpath, target_of(relpath))
        for relpath in sorted(files):
            target, content = target_of(relpath), files[relpath]
            if not (_same_bytes(destination / relpath, content) and _link(destination / relpath, target, strict=False)):
                target.write_bytes(content)


def _same_bytes(path: Path, content: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(content):
            return False
        return path.read_bytes() == content
    except OSError:
        return False


def _link(source: Path, target: Path, *, strict: bool = True) -> bool:
    """Hard-link ``source`` as ``target`` (a copy where links are impossible); never a
    symbolic link, which could lead a later write out of the tree."""
    if source.is_symlink():
        if strict:
            raise ValueError(f"refusing to keep a symbolic link: {source}")
        return False
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        if not strict and not source.is_file():
            return False
        shutil.copy2(source, target, follow_symlinks=False)
    return True
