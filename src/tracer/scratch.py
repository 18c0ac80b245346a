"""Temporaries beside the cache's trees, swept by the next run when a run is killed.

A run holds an exclusive lock on `.run-<token>.lock` while it works and names
its temporaries `.<kind>-<token>-*` (a download's `.part` file, an
`.unpack-` folder). The lock file exists before any of them and goes after
them, so a later run removes every temporary whose lock file is gone or
whose lock it can take: the run that made it is over. Temporaries of the
older, unlocked naming are removed after a day.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - not Unix: temporaries are swept by age only
    fcntl = None  # type: ignore[assignment]

KINDS = ("download", "unpack", "git")
_OWNED = re.compile(rf"^\.(?:{'|'.join(KINDS)})-(?P<token>[A-Za-z0-9_]+)-")
_STALE = 24 * 3600


class Scratch:
    """`with Scratch(folder) as s:` sweeps what dead runs left, then hands out temporaries."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.token = ""
        self._fd = -1

    def __enter__(self) -> "Scratch":
        self.folder.mkdir(parents=True, exist_ok=True)
        sweep(self.folder)
        fd, tmp = tempfile.mkstemp(prefix=".run-", suffix=".new", dir=self.folder)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        self.token = Path(tmp).name[len(".run-"):-len(".new")]
        os.replace(tmp, self.lock)  # locked before it can be seen under its name
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        for path in self.folder.glob(f".*-{self.token}-*"):
            _remove(path)
        self.lock.unlink(missing_ok=True)
        os.close(self._fd)

    @property
    def lock(self) -> Path:
        return self.folder / f".run-{self.token}.lock"

    def file(self, kind: str, suffix: str = "") -> Path:
        fd, path = tempfile.mkstemp(prefix=f".{kind}-{self.token}-", suffix=suffix, dir=self.folder)
        os.close(fd)
        return Path(path)

    def dir(self, kind: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f".{kind}-{self.token}-", dir=self.folder))


def sweep(folder: Path) -> list[str]:
    """Remove what runs that are over left in `folder` (never a whole tree); the names removed."""
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for lock in sorted(folder.glob(".run-*")):
        if lock.suffix == ".new" and _age(lock) < 60:  # being made
            continue
        if _abandoned(lock):
            lock.unlink(missing_ok=True)
            removed.append(lock.name)
    for path in sorted(folder.glob(".*-*")):
        owned = _OWNED.match(path.name)
        if owned:
            alive = (folder / f".run-{owned['token']}.lock").exists()
        elif path.name.startswith(tuple(f".{k}-" for k in KINDS)):
            alive = _age(path) < _STALE
        else:
            continue
        if not alive:
            _remove(path)
            removed.append(path.name)
    return removed


def _age(path: Path) -> float:
    try:
        return time.time() - path.lstat().st_mtime
    except OSError:  # gone meanwhile
        return 0.0


def _abandoned(lock: Path) -> bool:
    """No run holds this lock file's lock."""
    if fcntl is None:  # pragma: no cover
        return _age(lock) > _STALE
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
