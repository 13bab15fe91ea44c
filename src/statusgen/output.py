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
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = [
    "LOCK_FILE",
    "SPARE",
    "TreeMemory",
    "TreeWriter",
    "new_tree",
    "output_lock",
    "replace_tree",
    "staged_tree",
    "write_tree",
]

_PREFIX = ".statusgen-"
SPARE = _PREFIX + "spare-"
"""The spare tree of ``<name>`` is ``SPARE + <name>``, beside it (see :func:`new_tree`)."""
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
        if leftover.name == LOCK_FILE or leftover.name.startswith(SPARE) or not leftover.is_dir():
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
    with new_tree(destination) as writer:
        for relpath in sorted(keep):
            writer.keep(relpath)
        for relpath in sorted(files):
            writer.write(relpath, files[relpath])


_State = tuple[dict[str, int], set[str]]
"""A tree's files (anything but a folder) with their inodes, and its folders: paths from its top."""


class TreeMemory:
    """What a process that alone writes into an output folder (``statusgen serve``'s private
    one) knows of the trees there from one build to the next: with it, a build neither lists
    the spare tree nor looks up the current tree's files one by one.

    A tree is known once this process wrote all of it (not when forked workers wrote some of
    its files), or surveyed it: a build that replaced a tree not known surveys it as the new
    spare, so that the next build need not. Everything is forgotten when a build fails, and the
    spare is then surveyed afresh, as without a memory."""

    def __init__(self) -> None:
        self._trees: dict[str, tuple[_State | None, _State | None]] = {}

    def take(self, destination: Path) -> tuple[_State | None, _State | None]:
        """The current and the spare tree of ``destination`` (None: not known), forgotten
        until :meth:`keep` is called."""
        return self._trees.pop(os.fspath(destination), (None, None))

    def keep(self, destination: Path, current: _State | None, spare: _State | None) -> None:
        self._trees[os.fspath(destination)] = (current, spare)


@contextmanager
def new_tree(destination: Path, *, reuse: bool = False, memory: TreeMemory | None = None) -> Iterator[TreeWriter]:
    """A :class:`TreeWriter` for the next tree of ``destination``, swapped in when the block
    succeeds; whatever the writer was not given is not in the new tree.

    With ``reuse``, the tree the previous build replaced is kept beside ``destination`` (the
    spare: ``.statusgen-spare-<name>``) and the next build is written over it, changing only the
    files that differ: a large site then costs no directory creation or removal. The spare is
    only ever a staging folder: it is surveyed afresh each time (a killed build may have left it
    half written) unless the caller's ``memory`` knows it, and files are replaced, never written
    in place (they are hard links shared with the live tree).
    """
    with output_lock(destination.parent):
        spare = destination.parent / f"{SPARE}{destination.name}"
        reused = reuse and spare.is_dir() and not spare.is_symlink()
        staging = (
            spare if reused else Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{destination.name}-", dir=destination.parent))
        )
        current, spare_known = memory.take(destination) if memory is not None else (None, None)
        survey = None
        if reused:
            survey = (dict(spare_known[0]), set(spare_known[1])) if spare_known is not None else _survey(staging)
        writer = TreeWriter(staging, destination, survey=survey, current_tree=current, remember=memory is not None)
        try:
            yield writer
            writer.prune()
            os.chmod(staging, 0o755)
            replace_tree(staging, destination)
            if reuse and not reused and staging.is_dir():
                os.replace(staging, spare)  # the old tree, from now on the spare
            if memory is not None:
                if current is None and spare.is_dir() and not spare.is_symlink():
                    # the replaced tree, now the spare, is surveyed here, not by the next build
                    # (which is a save waiting in `statusgen serve`)
                    current = _survey(spare)
                memory.keep(destination, writer.tree(), current)
        finally:
            if not reused:
                shutil.rmtree(staging, ignore_errors=True)


def _survey(root: Path) -> _State:
    """Every entry below ``root``: files (anything but a directory) with their inode, and folders."""
    files: dict[str, int] = {}
    folders: set[str] = set()
    top = os.fspath(root)
    pending = [""]
    while pending:
        folder = pending.pop()
        with os.scandir(f"{top}/{folder}" if folder else top) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.add(folder + entry.name)
                    pending.append(folder + entry.name + "/")
                else:
                    files[folder + entry.name] = entry.inode()
    return files, folders


class TreeWriter:
    """Writes one new tree, file by file, into a staging folder; :func:`new_tree` swaps it in.

    Safe to use from forked processes at once, each writing its own files: a file unchanged
    from the current tree is a hard link to it, anything else a new file.
    """

    def __init__(
        self,
        staging: Path,
        current: Path,
        *,
        survey: _State | None = None,
        current_tree: _State | None = None,
        remember: bool = False,
    ):
        """``survey``: what the staging folder holds; ``current_tree``: the current tree if
        known (:class:`TreeMemory`); ``remember``: keep track of the new tree's inodes for
        :meth:`tree`."""
        self.staging = str(staging)
        self.current = str(current)
        self._old_files, self._old_folders = survey if survey is not None else ({}, set())
        self._folders = set(self._old_folders)
        self._current_inodes: dict[str, int | None] = {}
        self._current_known = None if current_tree is None else current_tree[0]
        self._inodes: dict[str, int] | None = {} if remember else None
        self._final_folders: set[str] = set()
        self.written: set[str] = set()
        """Every path given to this writer (in this process)."""

    def current_inode(self, relpath: str) -> int | None:
        """The inode of the current tree's regular file at ``relpath``; None if there is none."""
        if self._current_known is not None:
            return self._current_known.get(relpath)
        # Asked once whether a page can be kept and again when it is: the current tree does
        # not change while the lock is held, so each path is looked up once.
        if relpath in self._current_inodes:
            return self._current_inodes[relpath]
        try:
            info = os.lstat(f"{self.current}/{relpath}")  # (relative paths of this writer's trees)
        except OSError:
            inode = None
        else:
            inode = info.st_ino if stat.S_ISREG(info.st_mode) else None
        self._current_inodes[relpath] = inode
        return inode

    def keep(self, relpath: str) -> None:
        """Take the current tree's file at ``relpath`` as it is."""
        inode = self.current_inode(relpath)
        if inode is None:
            raise ValueError(f"refusing to keep what is not a regular file: {self.current}/{relpath}")
        target = self._target(relpath, inode)
        if target is not None:
            self._note(relpath, target, inode if _link(Path(self.current, relpath), Path(target)) else None)

    def write(self, relpath: str, content: bytes) -> None:
        """``content`` at ``relpath``: a link to the current file when its bytes are the same."""
        source = f"{self.current}/{relpath}"
        inode = self._same_file(relpath, source, content)
        target = self._target(relpath, inode)
        if target is None:
            return
        linked = None if inode is None else _link(Path(source), Path(target), strict=False)
        if linked is None:
            _write_file(target, content)
        self._note(relpath, target, inode if linked else None)

    def _same_file(self, relpath: str, source: str, content: bytes) -> int | None:
        """The inode of the current tree's regular file at ``relpath`` if it holds ``content``."""
        if self._current_known is not None and relpath not in self._current_known:
            return None
        try:
            info = os.lstat(source)
            if not stat.S_ISREG(info.st_mode) or info.st_size != len(content):
                return None
            with open(source, "rb", buffering=0) as file:
                same = file.read() == content
        except OSError:
            return None
        return info.st_ino if same else None

    def _note(self, relpath: str, target: str, inode: int | None) -> None:
        """For :meth:`tree`: the new tree's file at ``relpath`` is a link to ``inode`` (None:
        a file of its own, looked up)."""
        if self._inodes is not None:
            self._inodes[relpath] = os.lstat(target).st_ino if inode is None else inode

    def _target(self, relpath: str, inode: int | None) -> str | None:
        """Where ``relpath`` goes in the staging folder, ready to be created; None when the
        staging folder already holds the current tree's file ``inode`` there."""
        # The staging folder holds no links but the spare's (whose files are removed before
        # anything is written in their place), so a relative path without empty, '.' or '..'
        # parts cannot leave it.
        parts = relpath.split("/")
        if relpath.startswith("/") or {"", ".", ".."} & set(parts):
            raise ValueError(f"refusing to write outside the output: {relpath}")
        self.written.add(relpath)
        target = f"{self.staging}/{relpath}"
        old = self._old_files.pop(relpath, None)
        if old is not None:
            if old == inode:
                if self._inodes is not None:
                    self._inodes[relpath] = old
                return None
            os.unlink(target)
        elif relpath in self._old_folders:
            shutil.rmtree(target, ignore_errors=True)
        folder = relpath.rpartition("/")[0]
        if folder and folder not in self._folders:
            for depth in range(1, len(parts)):
                above = "/".join(parts[:depth])
                if self._old_files.pop(above, None) is not None:  # a file of the spare where a folder must be
                    with suppress(FileNotFoundError):  # (or another process's writer removed it)
                        os.unlink(os.path.join(self.staging, above))
            parent = folder.rpartition("/")[0]
            if not parent or parent in self._folders:  # (most pages: one new folder in a known one)
                try:
                    os.mkdir(f"{self.staging}/{folder}")
                except FileExistsError:  # made by another process's writer (as makedirs, exist_ok)
                    if not os.path.isdir(f"{self.staging}/{folder}"):
                        raise
            else:
                os.makedirs(os.path.join(self.staging, folder), exist_ok=True)
            for depth in range(1, len(parts)):
                self._folders.add("/".join(parts[:depth]))
        return target

    def add_written(self, relpaths: Iterable[str]) -> None:
        """Count in the paths that forked copies of this writer wrote."""
        self.written.update(relpaths)
        self._inodes = None  # what they wrote is not known here

    def tree(self) -> _State | None:
        """After :meth:`prune`, the new tree's files and folders, if this writer was asked to
        remember them and wrote all of them itself."""
        if self._inodes is None or self._inodes.keys() != self.written:
            return None
        return self._inodes, self._final_folders

    def prune(self) -> None:
        """Remove what the spare held beyond the new tree."""
        needed = {relpath.rpartition("/")[0] for relpath in self.written}
        for folder in list(needed):
            while "/" in folder:
                folder = folder.rpartition("/")[0]
                needed.add(folder)
        # What a forked copy of this writer turned from a file into a folder or back is in
        # ``needed`` or ``written``: it stays.
        for relpath in self._old_files:
            if relpath not in self.written and relpath not in needed:
                with suppress(FileNotFoundError):
                    os.unlink(os.path.join(self.staging, relpath))
        for folder in sorted(self._old_folders - needed - self.written, key=lambda f: f.count("/"), reverse=True):
            with suppress(FileNotFoundError):
                os.rmdir(os.path.join(self.staging, folder))
        self._final_folders = needed - {""}


def _write_file(path: str, content: bytes) -> None:
    """A new file at ``path`` (as ``Path.write_bytes``, without its buffered file object)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _link(source: Path, target: Path, *, strict: bool = True) -> bool | None:
    """Hard-link ``source`` as ``target`` (True), or copy it where links are impossible (False);
    never a symbolic link, which could lead a later write out of the tree. Not ``strict``: None
    instead of raising when ``source`` is no regular file."""
    if source.is_symlink():
        if strict:
            raise ValueError(f"refusing to keep a symbolic link: {source}")
        return None
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        if not strict and not source.is_file():
            return None
        shutil.copy2(source, target, follow_symlinks=False)
        return False
    return True
