"""A persistent, content-addressed cache of indexed modules on disk.

One file per (module source, module name, tracer build): a fixed header
(magic, format version, tracer build id, entry key, payload length and
sha256) and a pickled `Module`, or the one-line problem of a file that
cannot be parsed. Entries are written to a temporary file and renamed into
place, so concurrent `trace` processes only ever see whole entries; a
corrupt or truncated one fails its checks and is rebuilt. The index does not
depend on the rules, so they are not part of the key.

Entries are pickles: the cache directory must be the user's own.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Union

from tracer import __version__
from tracer.index.model import Module

FORMAT = 1
MAGIC = b"TRACERIX"
_HEAD = struct.Struct(">8sH32s32sQ32s")  # magic, format, build id, key, length, payload sha256
_BUILD_SOURCES = ("build.py", "lines.py", "model.py", "cache.py")

Entry = Union[Module, str]  # an indexed module, or why the file could not be parsed


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
    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return "?"


class IndexCache:
    """Modules indexed before, found by their source bytes and name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits = self.misses = self.rejected = self.write_errors = 0

    def key(self, name: str, rel: str, is_package: bool, data: bytes) -> bytes:
        head = f"{FORMAT}\0{name}\0{rel}\0{int(is_package)}\0".encode()
        return hashlib.sha256(build_id() + head + hashlib.sha256(data).digest()).digest()

    def entry_path(self, key: bytes) -> Path:
        hexed = key.hex()
        return self.root / "index" / hexed[:2] / f"{hexed}.pickle"

    def load(self, key: bytes) -> Entry | None:
        """The entry under `key`, or None when absent or failing any check."""
        try:
            blob = self.entry_path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        entry = self._decode(blob, key)
        if entry is None:
            self.rejected += 1
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def store(self, key: bytes, entry: Entry) -> None:
        """Write an entry atomically; a cache that cannot be written is skipped."""
        payload = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        head = _HEAD.pack(MAGIC, FORMAT, build_id(), key, len(payload), hashlib.sha256(payload).digest())
        path = self.entry_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        except OSError:
            self.write_errors += 1
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(head + payload)
            os.replace(tmp, path)
        except OSError:
            self.write_errors += 1
            _unlink(tmp)

    def _decode(self, blob: bytes, key: bytes) -> Entry | None:
        if len(blob) < _HEAD.size:
            return None
        magic, fmt, build, stored_key, length, sha = _HEAD.unpack_from(blob)
        payload = blob[_HEAD.size:]
        if (magic, fmt, build, stored_key) != (MAGIC, FORMAT, build_id(), key) or \
                len(payload) != length or hashlib.sha256(payload).digest() != sha:
            return None
        try:
            entry = pickle.loads(payload)
        except Exception:  # checked above; still never trust a pickle to load
            return None
        return entry if isinstance(entry, (Module, str)) else None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
