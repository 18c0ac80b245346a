"""Finished drafts kept on disk across runs, trusted while nothing they read changed.

A draft is found by its request (tracer's own code, the rules' text, the
trees, the operation and every option that shapes it) and holds the reads
its walk made in each tree (`SourceTree.reads`: every module looked for,
package scanned and glob listed, with a digest of what was found) and the
problems those reads raised. It is used only when each read finds the same
now; else it is drawn again and replaced. Entries are written atomically
and carry their text's sha256; one that cannot be read or decoded, or whose
text does not match its digest, is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from tracer import __version__
from tracer.files import write_atomic

FORMAT = 2  # 1: no digest of the text


@lru_cache(maxsize=1)
def code_id() -> str:
    """tracer's version and its own source (an edited checkout draws anew)."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}".encode())
    here = Path(__file__).parent
    for path in sorted(here.rglob("*.py")):
        digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class DraftCache:
    """Drafts under `root/drafts`, one file per request."""

    def __init__(self, root: Path) -> None:
        self.root = root / "drafts"
        self.hits = self.misses = 0
        self._failed = False

    def key(self, request: object) -> str:
        """The key of a request: any JSON-able description of it."""
        text = json.dumps([code_id(), request], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def load(self, key: str) -> dict | None:
        try:
            record = json.loads((self.root / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            return None
        ok = isinstance(record, dict) and record.get("key") == key and isinstance(record.get("text"), str) \
            and record.get("sha256") == _digest(record["text"]) and isinstance(record.get("reads"), dict) \
            and all(isinstance(reads, list) and all(map(_well_formed, reads)) for reads in record["reads"].values())
        return record if ok else None

    def store(self, key: str, text: str, reads: dict[str, list]) -> None:
        """Keep a draft; a cache that cannot be written is left alone (the
        index cache reports it)."""
        if self._failed:
            return
        try:
            write_atomic(self.root / key[:2] / f"{key}.json",
                         json.dumps({"key": key, "text": text, "sha256": _digest(text), "reads": reads}))
        except (OSError, ValueError):
            self._failed = True


def _digest(text: str) -> str:
    """What a kept draft's text must hash to (a changed letter is still JSON)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _well_formed(read: object) -> bool:
    """Whether a kept read has the shape `SourceTree.reads` gives: kind,
    name, two digests and the problems raised, as (how, text) pairs."""
    if not (isinstance(read, list) and len(read) == 5 and all(isinstance(x, str) for x in read[:4])):
        return False
    kind, name, _, _, raised = read
    if not (kind in ("module", "package") or kind == "files" and _globs(name)):
        return False
    return isinstance(raised, list) and all(isinstance(r, list) and len(r) == 2 and r[0] in ("report", "note")
                                            and isinstance(r[1], str) for r in raised)


def _globs(name: str) -> bool:
    """Whether the name of a "files" read is a JSON list of glob patterns."""
    try:
        globs = json.loads(name)
    except ValueError:
        return False
    return isinstance(globs, list) and all(isinstance(g, str) for g in globs)


def root_of(path: Path) -> str:
    return os.fsdecode(path.resolve())
