"""Crash-safe, whole-set publication: `published/` switches from one complete set to the next in
one atomic step.

Layout under DE06_DATA_DIR:

    versions/.incoming-<id>/    a set being written (never visible to analysts)
    versions/<id>/              complete sets, <id> sortable by time; the last two are kept
    published -> versions/<id>  a symlink, replaced with one rename(2)

A set is written into `versions/.incoming-<id>`, flushed to disk, renamed to `versions/<id>`
(atomic: a folder without the prefix is always complete), then a new symlink is created beside
`published` and renamed over it (atomic on POSIX). At every instant `published` is the old
complete set or the new one, never a mix, and a notebook holding the old `marts.duckdb` open
keeps reading it (the previous set stays on disk for rollback; an older one that is deleted
stays readable through open handles). A SIGKILL at any moment leaves at most an `.incoming-*`
folder, a `published.tmp-*` link or a complete but unpublished version: `cleanup_leftovers`
(called by every publication and at the start of every run) removes them. A `published/` that
is still a real folder (before this layout) is migrated into `versions/` first.

The analysts' paths are unchanged: `published/marts.duckdb`, `published/parquet/<mart>.parquet`,
`published/excel/…`, `published/reports/…`. Roll back with `rollback(published)`.

The data folder is owner-only (it holds the warehouse and the key). Analysts read the published
sets through **the share** (`share`, DE06_SHARE_DIR): each published set is copied there, readable
by all (folders 0755, files 0644) and switched in the same way (`<share>/published ->
<share>/versions/<id>`), so a share on the network never opens the data folder to anyone.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

INCOMING = ".incoming-"
KEEP = 2  # the published set and the one before it (rollback)


def versions_dir(published: Path) -> Path:
    return Path(published).parent / "versions"


def _new_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond:06d}Z-{uuid.uuid4().hex[:6]}"


def new_work_dir(published: Path, private: bool = True) -> Path:
    """An empty folder to write the next set into, outside `published/`, on its file system.
    `versions/` is owner-only in the data folder (`private`), readable in the analysts' share.
    Leftovers of killed runs go first (one run at a time: the run lock), and an empty real
    `published/` folder is removed, so analysts never see an empty set."""
    cleanup_leftovers(published)
    root = versions_dir(published)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700 if private else 0o755)
    work = root / f"{INCOMING}{_new_id()}"
    work.mkdir()
    return work


def current_version(published: Path) -> Path | None:
    """The version folder `published` points at (None before the first publication)."""
    published = Path(published)
    if published.is_symlink():
        target = Path(os.readlink(published))
        target = target if target.is_absolute() else published.parent / target
        return target if target.is_dir() else None
    return None


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder of a set, so a power cut cannot publish empty files."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for path in [*sorted(p for p in folder.rglob("*") if p.is_dir()), folder, folder.parent]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _point(published: Path, version: Path) -> None:
    """Switch `published` to `version` in one rename of a fresh symlink over it."""
    link = published.parent / f"{published.name}.tmp-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(version, published.parent), link)
    os.replace(link, published)
    fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _migrate_real_folder(published: Path) -> None:
    """A `published/` folder of the old layout becomes a version (its leftovers dropped).

    The set is copied as hard links (no data copied; an analyst's open file is the same inode)
    into a version, then the folder and a symlink to that version are exchanged in one step,
    so `published` never disappears. Without renameat2 there is a moment without `published`;
    a kill then is repaired by the next cleanup (it links the newest complete set)."""
    if published.is_symlink() or not published.is_dir():
        return
    when = datetime.fromtimestamp(published.stat().st_mtime, UTC)
    for leftover in published.glob(f"{INCOMING}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if not any(published.iterdir()):
        published.rmdir()
        return
    root = versions_dir(published)
    root.mkdir(parents=True, exist_ok=True)
    copy = root / f"{INCOMING}migrate-{uuid.uuid4().hex[:8]}"
    shutil.copytree(published, copy, copy_function=os.link)
    # named by the folder's own time, so it sorts before any set published after it
    version = root / f"{_new_id(when)}-migrated"
    os.rename(copy, version)
    link = published.parent / f"{published.name}.tmp-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(version, published.parent), link)
    if _exchange(link, published):
        shutil.rmtree(link)  # the old folder, now under the temporary name
    else:
        old = published.parent / f"{published.name}.tmp-{uuid.uuid4().hex[:8]}"
        os.rename(published, old)
        os.replace(link, published)
        shutil.rmtree(old)


def cleanup_leftovers(published: Path, keep: int = KEEP, exclude: Path | None = None) -> list[str]:
    """Remove what killed runs left: `.incoming-*` sets, `published.tmp-*` links, complete sets
    newer than the published one (never switched to) and sets beyond the last `keep`. If
    `published` is missing or dangling while complete sets exist (a kill during migration), it
    is pointed at the newest. Returns the names removed."""
    published = Path(published)
    root = versions_dir(published)
    removed: list[str] = []
    for link in published.parent.glob(f"{published.name}.tmp-*"):
        if link.is_symlink() or not link.is_dir():
            link.unlink(missing_ok=True)
        else:  # an old folder left by a kill during migration
            shutil.rmtree(link, ignore_errors=True)
        removed.append(link.name)
    _migrate_real_folder(published)
    if not root.is_dir():
        return removed
    for work in root.glob(f"{INCOMING}*"):
        if exclude is None or work.resolve() != Path(exclude).resolve():
            shutil.rmtree(work, ignore_errors=True)
            removed.append(work.name)
    complete = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    current = current_version(published)
    if current is None and complete:
        if published.is_symlink():
            published.unlink()
        current = complete[-1]
        _point(published, current)
    if current is None:
        return removed
    current = current.resolve()
    older = [p for p in complete if p.name < current.name]
    for path in complete:
        if path.resolve() == current:
            continue
        if path.name > current.name or path not in older[-(keep - 1) :] or keep < 2:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def publish_version(work: Path, published: Path, keep: int = KEEP) -> Path:
    """Make the complete set in `work` (from new_work_dir) what `published` shows, in one
    atomic switch; keep the previous set for rollback and remove older ones. Returns the new
    version folder."""
    work, published = Path(work), Path(published)
    cleanup_leftovers(published, keep, exclude=work)
    _fsync_tree(work)
    version = versions_dir(published) / _new_id()  # named now: newer than any set before it
    os.rename(work, version)
    _point(published, version)
    cleanup_leftovers(published, keep)
    return version


def rollback(published: Path) -> Path:
    """Point `published` back at the set before the current one (an operator's command)."""
    published = Path(published)
    current = current_version(published)
    root = versions_dir(published)
    older = sorted(
        p
        for p in root.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and current is not None
        and p.name < current.name
    )
    if not older:
        raise RuntimeError(f"{published}: no earlier published set to roll back to")
    _point(published, older[-1])
    return older[-1]


def share(version: Path, share_dir: Path, keep: int = KEEP) -> Path:
    """Copy a complete published set into the analysts' share and switch `<share>/published` to
    it atomically (the same layout and guarantees as the data folder's). Readable by all, written
    by the pipeline only. Returns the shared version folder."""
    share_dir = Path(share_dir)
    share_dir.mkdir(parents=True, exist_ok=True)
    published = share_dir / "published"
    work = new_work_dir(published, private=False)
    shutil.copytree(version, work, dirs_exist_ok=True)
    for path in [work, *work.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return publish_version(work, published, keep)


class CarryOver:
    """The files of the published set that the next set takes over as they are.

    Each file of a set is written from some published tables with some code; the caller gives
    every file a key, a digest of all of that (`keys`, {path relative to the set: key}), and
    the keys the published set's files were written with (`recorded`, kept in the warehouse
    with the set's name). A file whose key is its recorded key is hard-linked from the published
    set instead of written again: a set is never modified once complete, so the new set's link
    is the same bytes the writer would give (its generation time aside). The writers ask
    `take(path)` before writing. Any doubt writes: no published set, a set other than the one
    the keys were recorded with (a rollback), a key not recorded, a file missing."""

    def __init__(self, published: Path | None, recorded: dict[str, str], work: Path):
        self.published = published
        self.recorded = recorded
        self.work = Path(work)
        self.keys: dict[str, str] = {}
        self.taken: list[str] = []

    def can_take(self, relative: str) -> bool:
        """Whether `take(relative)` would link the file (its key unchanged, the file there)."""
        key = self.keys.get(relative)
        if self.published is None or key is None or self.recorded.get(relative) != key:
            return False
        source = self.published / relative
        return source.is_file() and not source.is_symlink()

    def take(self, relative: str) -> bool:
        """Link `relative` from the published set into the set being written, if its key is
        unchanged; False: the caller writes it."""
        if not self.can_take(relative):
            return False
        source = self.published / relative
        target = self.work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)
        self.taken.append(relative)
        return True
