"""A persistent, content-addressed cache of indexed modules on disk.

One entry per (module source, module name, tracer build), kept in one
SQLite file (`index/entries.sqlite3`: a cold batch writes thousands of
entries, and a file each cost more in the file system than the encoding):
a fixed header (magic, format version, tracer build id, entry key, payload
length and sha256) and the `Module` as JSON (`codec`: plain data, so an
entry someone else wrote can mislead a draft but never run code), or the
one-line problem of a file that cannot be read. Each entry is written in a
transaction of its own, so concurrent `trace` processes only ever see whole
entries; one that fails its checks is rebuilt, and a file that is no
database (any more) is begun anew. Each process opens its own connection
(a forked one too). The index does not depend on the rules, so they are not
part of the key.

A function body read late (skeleton.py) is kept the same way, keyed by its
text, place and name, so a body parsed by one process serves the others and
later runs (`bodies`: the cache of the tree opened last in this process).

The first write that fails is reported once (`failure`) and the run goes on
without writing. `said/` remembers, per tree, the notes already reported
about it, so a note is said on the first run only.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
import sqlite3
import struct
import time
import weakref
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar

try:
    import fcntl
except ImportError:  # not on a Unix: builds are not shared between processes
    fcntl = None  # type: ignore[assignment]
from functools import lru_cache
from pathlib import Path

from tracer import __version__

if TYPE_CHECKING:  # the codec (and the index model) are imported when an entry is read or written
    from tracer.index.codec import Entry

T = TypeVar("T")
FORMAT = 2  # 1: pickled entries
MAGIC = b"TRACERIX"
_HEAD = struct.Struct(">8sH32s32sQ32s")  # magic, format, build id, key, length, payload sha256
_BUILD_SOURCES = ("build.py", "guard.py", "lines.py", "model.py", "codec.py", "cache.py", "skeleton.py")
LOCK_WAIT = 10.0  # seconds: a build takes less; a lock held longer is a stopped or stuck process's


def default_dir() -> Path:
    """$TRACER_CACHE_DIR, else $XDG_CACHE_HOME/tracer, else ~/.cache/tracer."""
    if os.environ.get("TRACER_CACHE_DIR"):
        return Path(os.environ["TRACER_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tracer"


@lru_cache(maxsize=1)
def build_id() -> bytes:
    """Who built an entry: tracer's version, the index code itself (so an
    edited checkout never reads stale entries), LibCST's version."""
    digest = hashlib.sha256(f"{__version__}\0{_libcst_version()}".encode())
    here = Path(__file__).parent
    for name in _BUILD_SOURCES:
        digest.update((here / name).read_bytes())
    return digest.digest()


def _libcst_version() -> str:
    """LibCST's version file, read without importing LibCST or scanning
    the installed distributions (a kept draft is served without either)."""
    from importlib.util import find_spec
    try:
        spec = find_spec("libcst")
        if spec is not None and spec.origin is not None:
            return Path(spec.origin).with_name("_version.py").read_text(encoding="utf-8", errors="replace")
    except (OSError, ImportError, ValueError):
        pass
    from importlib import metadata  # laid out otherwise: ask its distribution
    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return "?"


class IndexCache:
    """Modules indexed before, found by their source bytes and name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits = self.misses = self.rejected = self.write_errors = 0
        self.failure: str | None = None  # why the cache cannot be written, until reported
        self._failed = False
        self._db: sqlite3.Connection | None = None
        self._pid = 0  # the process `_db` was opened in
        self._renewed = False  # a damaged file was begun anew (once at most)
        self._said_failed = False  # `said/` cannot be written

    def key(self, name: str, rel: str, is_package: bool, data: bytes) -> bytes:
        head = f"{FORMAT}\0{name}\0{rel}\0{int(is_package)}\0".encode()
        return hashlib.sha256(build_id() + head + hashlib.sha256(data).digest()).digest()

    def body_key(self, qualname: str, line: int, text: str) -> bytes:
        head = f"{FORMAT}\0body\0{qualname}\0{line}\0".encode()
        return hashlib.sha256(build_id() + head + hashlib.sha256(text.encode()).digest()).digest()

    @property
    def path(self) -> Path:
        """The file the entries are kept in."""
        return self.root / "index" / "entries.sqlite3"

    def _entries(self) -> sqlite3.Connection | None:
        """This process's connection to the entries, opened when first
        needed; once the cache cannot be written, to read only (None when
        it cannot be read either). No connection crosses a fork: each is
        closed before one (SQLite's locks would be the parent's)."""
        if self._pid == os.getpid() and (self._db is not None or self._failed):
            return self._db
        self._db, self._pid = None, os.getpid()  # forked otherwise than by os.fork: left alone
        if not self._failed:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                new = not self.path.exists()
                self._db = self._retried(lambda: _opened(self.path))
                if new:
                    _drop_entry_files(self.path.parent)
            except (OSError, sqlite3.Error) as err:
                self._failed_with(err)
        if self._db is None and self._failed:
            self._db = _read_only(self.path)
        if self._db is not None:
            _OPEN.add(self)
        return self._db

    def close(self) -> None:
        """Close this process's connection (the next read or write opens one)."""
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db, self._pid = None, 0

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_db": None}  # a connection is this process's alone

    def _retried(self, act: Callable[[], T]) -> T:
        """`act()`; when the file turns out damaged (not a database, or a
        malformed one), once more on a new, empty one."""
        try:
            return act()
        except sqlite3.DatabaseError as err:
            if not _damage(err) or self._renewed or self._failed:  # locked, read-only, ...: not the file's fault
                raise
        self._renewed = True
        if self._db is not None:
            self._db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._db = _opened(self.path)
        return act()

    def load(self, key: bytes) -> Entry | None:
        """The entry under `key`, or None when absent or failing any check."""
        row = None
        if self._entries() is not None:
            try:
                row = self._retried(lambda: self._row(key))
            except (OSError, sqlite3.Error):
                row = None
        if row is None:
            self.misses += 1
            return None
        entry = self._decode(row, key)
        if entry is None:
            self.rejected += 1
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def _row(self, key: bytes) -> object:
        assert self._db is not None
        found = self._db.execute("SELECT blob FROM entry WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    @contextmanager
    def building(self, key: bytes) -> Iterator[bool]:
        """Hold the lock for building `key`'s entry (one of 256, by key), so
        that processes drafting at once never build the same module twice;
        yields whether another process held it (its entry may be there now).
        The lock goes with the process however it ends. One held past
        LOCK_WAIT (a process stopped, Ctrl-Z) is said once, and the entry
        built all the same."""
        path = self.root / "index" / "locks" / f"{key[0]:02x}.lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield False
            return
        try:
            waited = fcntl is not None and not _locked(fd, 0.0)
            if waited and not _stuck.locks and not _locked(fd, LOCK_WAIT):
                _stuck.locks = True
                self.failure = self.failure or (f"{self.root}: another process has held a build lock for over "
                                                f"{LOCK_WAIT:.0f} s (a stopped trace?); modules are built without "
                                                "waiting for it")
            yield waited
        finally:
            os.close(fd)

    def store(self, key: bytes, entry: Entry) -> None:
        """Keep an entry (one transaction: other processes see all of it or
        none); after a write fails, nothing more is tried."""
        if self._entries() is None or self._failed:
            return
        from tracer.index import codec
        payload = codec.dumps(entry)
        head = _HEAD.pack(MAGIC, FORMAT, build_id(), key, len(payload), hashlib.sha256(payload).digest())
        try:
            self._retried(lambda: self._db.execute("INSERT OR REPLACE INTO entry VALUES (?, ?)",  # type: ignore[union-attr]
                                                   (key, head + payload)))
        except (OSError, sqlite3.Error) as err:
            self._failed_with(err)

    def _failed_with(self, err: OSError | sqlite3.Error) -> None:
        self.write_errors += 1
        self._failed = True
        why = err.strerror if isinstance(err, OSError) and err.strerror else err
        self.failure = (f"{self.root}: cannot write the index cache ({why}); this run and "
                        f"later ones keep nothing they index until it is writable (--cache-dir PATH moves it)")

    def take_failure(self) -> str | None:
        """Why the cache cannot be written, the first time it is asked only."""
        failure, self.failure = self.failure, None
        return failure

    def said(self, tree: Path) -> set[str]:
        """The notes already reported about `tree`."""
        try:
            return set(self._said_path(tree).read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError):
            return set()

    def remember(self, tree: Path, note: str) -> None:
        """Note that `note` was reported about `tree` (one appended line:
        processes writing at once never mix their lines). Where that cannot
        be written, the note is said again next time: the entries are not
        given up for it."""
        if self._failed or self._said_failed:
            return
        path = self._said_path(tree)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (note.replace("\n", " ") + "\n").encode())
            finally:
                os.close(fd)
        except OSError:
            self._said_failed = True

    def _said_path(self, tree: Path) -> Path:
        return self.root / "said" / f"{hashlib.sha256(os.fsencode(tree.resolve())).hexdigest()[:32]}.txt"

    def _decode(self, blob: object, key: bytes) -> Entry | None:
        if not isinstance(blob, bytes) or len(blob) < _HEAD.size:  # a column holds any type
            return None
        magic, fmt, build, stored_key, length, sha = _HEAD.unpack_from(blob)
        payload = blob[_HEAD.size:]
        if (magic, fmt, build, stored_key) != (MAGIC, FORMAT, build_id(), key) or \
                len(payload) != length or hashlib.sha256(payload).digest() != sha:
            return None
        collecting = gc.isenabled()
        gc.disable()  # many small objects at once: collecting halfway through only costs
        from tracer.index import codec
        try:
            return codec.loads(payload)
        except ValueError:
            return None
        finally:
            if collecting:
                gc.enable()


_DAMAGE = ("SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_IOERR_SHORT_READ")
_SCHEMA = "CREATE TABLE entry (key BLOB PRIMARY KEY, blob BLOB NOT NULL) WITHOUT ROWID"


class _Foreign(sqlite3.DatabaseError):
    """A database, but not of the entries (other tables or columns)."""


def _damage(err: sqlite3.DatabaseError) -> bool:
    """Does the error say the file is no (whole) database of the entries?"""
    if isinstance(err, _Foreign):
        return True
    name = getattr(err, "sqlite_errorname", None)  # Python 3.11 on
    if name is not None:
        return str(name).startswith(_DAMAGE)
    return type(err) is sqlite3.DatabaseError or "disk I/O error" in str(err)


def _opened(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
    try:
        if db.execute("SELECT sql FROM sqlite_master").fetchall() not in ([], [(_SCHEMA,)]):
            raise _Foreign("not a database of index entries")  # so begun anew
        _write_ahead(db)  # readers never wait for the writer
        db.execute("PRAGMA synchronous=NORMAL")  # no sync per entry: a crash loses the last few at most
        db.execute(_SCHEMA.replace("TABLE", "TABLE IF NOT EXISTS", 1))
    except BaseException:
        db.close()
        raise
    return db


_ENTRY_FILE = re.compile(r"(?:[0-9a-f]{64}\.entry|\.tmp-\w+)")


def _drop_entry_files(index: Path) -> None:
    """Remove what an earlier tracer kept one file per entry
    (`index/ab/<key>.entry`), now never read: once, when the file of
    entries is made. Only files named so, in folders named so."""
    for folder in index.glob("[0-9a-f][0-9a-f]"):
        try:
            for path in folder.iterdir():
                if _ENTRY_FILE.fullmatch(path.name) and path.is_file() and not path.is_symlink():
                    path.unlink()
            folder.rmdir()  # only when nothing else is left in it
        except OSError:
            continue


def _read_only(path: Path) -> sqlite3.Connection | None:
    """The entries as they are on disk, to read only: where they cannot be
    written (in a folder no -wal or -shm file can be made in), they can
    still be read. Each entry is checked as it is read, and any error is a
    miss, so a file changed meanwhile misleads no one."""
    if not os.path.isfile(path):  # a FIFO, a device, a folder: not read as one
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True, isolation_level=None,
                             check_same_thread=False)
    except (OSError, sqlite3.Error, ValueError):
        return None
    try:
        db.execute("SELECT 1 FROM entry LIMIT 1").fetchall()
        return db
    except sqlite3.Error:
        db.close()
        return None


def _write_ahead(db: sqlite3.Connection, tries: int = 100) -> None:
    """The file in WAL mode (it stays so). Changing the mode waits for no
    lock (SQLite answers "locked" at once while another process opens or
    changes it), so it is asked first and changed only when needed, and
    tried again for up to a few seconds."""
    for attempt in range(tries):
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if attempt == tries - 1 or "locked" not in str(err):
                raise
            time.sleep(0.03)


def _locked(fd: int, wait: float) -> bool:
    """Whether the lock on `fd` was taken within `wait` seconds (flock
    itself waits for ever), or cannot be (a file system without locks)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        except OSError:
            return True


class _Stuck:
    """A build lock was held past LOCK_WAIT in this process (or the one it
    was forked from): none is waited for again."""

    locks = False


_stuck = _Stuck()
_OPEN: weakref.WeakSet[IndexCache] = weakref.WeakSet()  # caches with a connection open


def _close_all() -> None:
    for cache in list(_OPEN):
        cache.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_close_all)


class _Bodies:
    """Where bodies read late are kept: set by each SourceTree made."""

    cache: IndexCache | None = None


bodies = _Bodies()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
