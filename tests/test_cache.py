"""The persistent index cache: hits, misses, damaged entries, concurrent writers, the CLI options."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.index import cache as cache_mod
from tracer.index.cache import IndexCache
from tracer.index.tree import SourceTree
from tracer.source import FIXTURES

LIBERTY = FIXTURES / "liberty"
MODULE = "nova.compute.api"


def entries(root: Path) -> list[bytes]:
    """The keys of the entries kept under `root`."""
    path = IndexCache(root).path
    if not path.exists():
        return []
    with closing(sqlite3.connect(path)) as db:
        return sorted(key for (key,) in db.execute("SELECT key FROM entry"))


def stored(root: Path, key: bytes) -> bytes:
    with closing(sqlite3.connect(IndexCache(root).path)) as db:
        return db.execute("SELECT blob FROM entry WHERE key = ?", (key,)).fetchone()[0]


def replace_entry(root: Path, key: bytes, blob: bytes) -> None:
    with closing(sqlite3.connect(IndexCache(root).path)) as db, db:
        db.execute("UPDATE entry SET blob = ? WHERE key = ?", (blob, key))


def load(root: Path, name: str = MODULE, tree: Path = LIBERTY) -> tuple[object, IndexCache]:
    cache = IndexCache(root)
    return SourceTree(tree, cache).module(name), cache


def test_miss_then_hit_gives_the_same_module(tmp_path: Path):
    fresh = SourceTree(LIBERTY).module(MODULE)
    first, c1 = load(tmp_path)
    second, c2 = load(tmp_path)
    assert (c1.misses, c1.hits, c2.misses, c2.hits) == (1, 0, 0, 1)
    assert first == fresh and second == fresh
    assert len(entries(tmp_path)) == 1


def test_changed_source_is_a_new_entry(tmp_path: Path):
    tree = tmp_path / "tree"
    shutil.copytree(LIBERTY, tree)
    load(tmp_path / "c", tree=tree)
    target = tree / "nova" / "compute" / "api.py"
    target.write_text(target.read_text() + "\ndef added_later():\n    pass\n")
    module, cache = load(tmp_path / "c", tree=tree)
    assert cache.misses == 1 and "added_later" in module.functions
    assert len(entries(tmp_path / "c")) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped byte"])
def test_a_damaged_entry_is_rejected_and_rebuilt(tmp_path: Path, damage: str):
    fresh = SourceTree(LIBERTY).module(MODULE)
    load(tmp_path)
    [entry] = entries(tmp_path)
    blob = stored(tmp_path, entry)
    damaged = {"garbage": b"not a cache entry at all" * 50, "truncated": blob[: len(blob) // 2],
               "empty": b"", "flipped byte": blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:]}[damage]
    replace_entry(tmp_path, entry, damaged)
    module, cache = load(tmp_path)
    assert (cache.rejected, cache.hits) == (1, 0)
    assert module == fresh
    again, cache = load(tmp_path)  # the rebuilt entry was written back
    assert cache.hits == 1 and again == fresh


def test_another_tracer_build_neither_reads_nor_shares_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    load(tmp_path)
    key = IndexCache(tmp_path).key(MODULE, "nova/compute/api.py", False, (LIBERTY / "nova/compute/api.py").read_bytes())
    monkeypatch.setattr(cache_mod, "build_id", lambda: b"\x01" * 32)
    _, cache = load(tmp_path)
    assert (cache.misses, cache.hits) == (1, 0)  # a new key
    assert IndexCache(tmp_path).load(key) is None  # and the old entry fails the header check
    assert len(entries(tmp_path)) == 2


def test_a_file_that_cannot_be_parsed_is_cached_as_its_problem(tmp_path: Path):
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("")
    (tree / "pkg" / "broken.py").write_text("def f(:\n")
    for expected_hits in (0, 1):
        cache = IndexCache(tmp_path / "c")
        source = SourceTree(tree, cache)
        assert source.module("pkg.broken") is None
        assert len(source.problems) == 1 and source.problems[0].startswith("pkg/broken.py:1: cannot read (syntax error: ")
        assert cache.hits == expected_hits


def test_an_unwritable_cache_is_skipped(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    module, cache = load(blocker / "cache")
    assert module == SourceTree(LIBERTY).module(MODULE) and cache.write_errors == 1


def _index_everything(root: str) -> int:
    source = SourceTree(LIBERTY, IndexCache(Path(root)))
    names = [source.module_name(p) for p in sorted((LIBERTY / "nova").rglob("*.py"))]
    return sum(source.module(n) is not None for n in names)


def test_processes_writing_at_once_leave_whole_entries(tmp_path: Path):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        counts = pool.map(_index_everything, [str(tmp_path)] * 4)
    assert len(set(counts)) == 1 and counts[0] > 10
    reader = IndexCache(tmp_path)
    source = SourceTree(LIBERTY, reader)
    for path in sorted((LIBERTY / "nova").rglob("*.py")):
        name = source.module_name(path)
        assert source.module(name) == SourceTree(LIBERTY).module(name)
    assert reader.misses == 0 and reader.hits == counts[0]


def _open_many_and_write(root: str) -> int:
    kept = []
    for _ in range(10):  # each its own connection, held open while the other processes open theirs
        cache = IndexCache(Path(root))
        kept.append(cache)
        key = os.urandom(32)
        cache.load(key)
        cache.store(key, "a problem " * 300)
    return sum(cache.write_errors for cache in kept)


def test_processes_opening_the_cache_while_others_hold_it_open_can_all_write(tmp_path: Path):
    IndexCache(tmp_path).load(b"\0" * 32)  # made, in write-ahead mode
    with multiprocessing.get_context("fork").Pool(6) as pool:
        assert pool.map(_open_many_and_write, [str(tmp_path)] * 6) == [0] * 6
    assert len(entries(tmp_path)) == 60


def test_write_ahead_mode_is_set_once_another_process_lets_go(tmp_path: Path):
    import threading
    holder = sqlite3.connect(tmp_path / "db", isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")  # as while another process opens or checkpoints it
    threading.Timer(0.3, lambda: holder.execute("COMMIT")).start()
    db = sqlite3.connect(tmp_path / "db", timeout=0, isolation_level=None)  # SQLite waits for no lock here
    cache_mod._write_ahead(db)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    holder.close()


def _index_in_a_child(cache: IndexCache) -> None:
    source = SourceTree(LIBERTY, cache)  # the parent's cache, its connection open
    assert _index_all(source) > 10


def test_a_forked_process_leaves_its_parents_connection_working(tmp_path: Path):
    cache = IndexCache(tmp_path)
    first = SourceTree(LIBERTY, cache)
    assert first.module(MODULE) is not None and cache.misses == 1
    child = multiprocessing.get_context("fork").Process(target=_index_in_a_child, args=(cache,))
    child.start()
    child.join()
    assert child.exitcode == 0
    again = SourceTree(LIBERTY, cache)  # the same connection, after the child wrote and ended
    total = _index_all(again)
    assert cache.write_errors == 0 and cache.misses == 1 and cache.hits == total
    assert len(entries(tmp_path)) == total


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_file_is_begun_anew(tmp_path: Path, damage: str):
    load(tmp_path)
    path = IndexCache(tmp_path).path
    data = path.read_bytes()
    path.write_bytes(b"not a database at all" * 100 if damage == "garbage" else data[:1000])
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    module, cache = load(tmp_path)
    assert module == SourceTree(LIBERTY).module(MODULE) and cache.write_errors == 0 and cache.misses == 1
    _, cache = load(tmp_path)
    assert cache.hits == 1


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "env-cache"))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_no_cache_writes_nothing(run, tmp_path: Path):
    result = run("nova", "pause", "-o", "-", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "env-cache").exists()


def test_cache_dir_option_and_environment(run, tmp_path: Path):
    assert run("nova", "pause", "-o", "-").exit_code == 0
    assert entries(tmp_path / "env-cache")
    assert run("nova", "pause", "-o", "-", "--cache-dir", str(tmp_path / "opt")).exit_code == 0
    assert entries(tmp_path / "opt")


def test_drafts_are_identical_without_cache_cold_and_warm(run):
    plain = run("nova", "reboot", "-o", "-", "--no-cache").stdout
    cold = run("nova", "reboot", "-o", "-").stdout
    warm = run("nova", "reboot", "-o", "-").stdout
    assert plain.startswith("title reboot") and plain == cold == warm


@pytest.mark.parametrize("damage", [
    [], {}, {"x": 1}, None, "[" * 100000 + "]" * 100000,  # the whole record
    {"": [1]}, {"": None}, {"": "x"}, {"": [[1, 2, 3, 4, 5]]}, {"": [["module", "m", "d", "s"]]},  # its reads
    {"": [["module", None, "d", "s", []]]}, {"": [["files", "not json", "d", "s", []]]},
    {"": [["files", "[1]", "d", "s", []]]}, {"": [["module", "m", "d", "s", [[1]]]]},
])
def test_a_kept_draft_of_the_wrong_shape_is_drawn_anew(run, tmp_path: Path, damage: object):
    """Valid JSON that is no kept draft (a record of another shape, or one
    whose reads are not what a tree logs) is a miss, not an internal error."""
    first = run("nova", "pause", "-o", "-")
    [kept] = (tmp_path / "env-cache" / "drafts").rglob("*.json")
    good = kept.read_text()
    record = {**json.loads(good), "reads": damage} if isinstance(damage, dict) and "" in damage else damage
    kept.write_text(record if isinstance(record, str) else json.dumps(record))
    again = run("nova", "pause", "-o", "-")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout
    assert kept.read_text() == good  # drawn anew and kept again


def test_a_kept_draft_whose_text_changed_on_disk_is_drawn_anew(run, tmp_path: Path):
    first = run("nova", "pause", "-o", "-")
    assert first.exit_code == 0, first.stderr
    [kept] = (tmp_path / "env-cache" / "drafts").rglob("*.json")
    good = kept.read_text()
    record = json.loads(good)
    assert "pause_instance" in record["text"]
    record["text"] = record["text"].replace("pause_instance", "pause_imstance")  # one letter: still JSON
    kept.write_text(json.dumps(record))
    again = run("nova", "pause", "-o", "-")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout and "pause_imstance" not in again.stdout
    assert json.loads(kept.read_text()) == json.loads(good)  # drawn anew and kept again


def test_default_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("TRACER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.default_dir() == tmp_path / "xdg" / "tracer"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_mod.default_dir() == tmp_path / "home" / ".cache" / "tracer"


# entries someone else could have written ----------------------------------

class _Planted:
    """A pickle that makes a folder when loaded: what a hostile entry would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os
        return os.mkdir, (str(self.marker),)


def _planted_payload(kind: str, marker: Path) -> bytes:
    import pickle
    return {"a pickle that runs code": pickle.dumps(_Planted(marker)),
            "an unknown record tag": b'[99,"x"]',
            "a record with missing fields": b'[11,"nova.compute.api"]',
            "arrays nested past the recursion limit": b"[" * 100_000 + b"]" * 100_000,
            "not JSON": b"\x80\x04K\x01."}[kind]


@pytest.mark.parametrize("kind", ["a pickle that runs code", "an unknown record tag", "a record with missing fields",
                                  "arrays nested past the recursion limit", "not JSON"])
def test_an_entry_written_by_another_user_never_runs_code(tmp_path: Path, kind: str):
    import hashlib
    import os
    fresh = SourceTree(LIBERTY).module(MODULE)
    load(tmp_path / "c")
    [key] = entries(tmp_path / "c")
    marker = tmp_path / "ran"
    payload = _planted_payload(kind, marker)
    head = cache_mod._HEAD.pack(cache_mod.MAGIC, cache_mod.FORMAT, cache_mod.build_id(), key, len(payload),
                                hashlib.sha256(payload).digest())
    replace_entry(tmp_path / "c", key, head + payload)  # whole and well signed: only its payload is hostile
    kept = IndexCache(tmp_path / "c").path
    for path in (kept, kept.parent, tmp_path / "c"):
        os.chown(path, 4242, 4242)  # another user's, writable by anyone
        os.chmod(path, 0o777 if path.is_dir() else 0o666)
    module, cache = load(tmp_path / "c")
    assert not marker.exists()
    assert module == fresh and (cache.rejected, cache.hits) == (1, 0)


def test_a_cache_that_cannot_be_written_is_reported_once(run, tmp_path: Path):
    (tmp_path / "blocker").write_text("a file where the cache directory should be")
    for args in (["pause", "-o", "-"], ["--all", "-o", "out", "-j", "2"]):
        result = run("nova", *args, "--cache-dir", str(tmp_path / "blocker" / "cache"))
        assert result.exit_code == 0, result.stderr
        said = [line for line in result.stderr.splitlines() if "index cache" in line]
        assert said == [f"warning: {tmp_path / 'blocker' / 'cache'}: cannot write the index cache (Not a directory); "
                        "this run and later ones keep nothing they index until it is writable (--cache-dir PATH moves it)"]


def test_a_failed_write_is_tried_once(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = IndexCache(blocker / "cache")
    source = SourceTree(LIBERTY, cache)
    assert _index_all(source) > 10
    assert cache.write_errors == 1
    assert source.problems.count(next(p for p in source.problems if "index cache" in p)) == 1


def _index_all(source: SourceTree) -> int:
    names = [source.module_name(p) for p in sorted((LIBERTY / "nova").rglob("*.py"))]
    return sum(source.module(n) is not None for n in names)


ASYNC_NOTE = "warning: nova/virt/libvirt/guest.py: read 'async' used as a name on line 117"


def test_the_python2_note_is_said_on_the_first_run_on_a_tree_only(run, tmp_path: Path):
    def said(*args: str) -> bool:
        result = run("nova", "pause", "-o", "-", *args)
        assert result.exit_code == 0, result.stderr
        return ASYNC_NOTE in result.stderr.splitlines()

    assert [said("--cache-dir", "c"), said("--cache-dir", "c"), said("--cache-dir", "c")] == [True, False, False]
    copy = tmp_path / "copy"
    shutil.copytree(LIBERTY, copy)
    assert [said("--cache-dir", "c", "--source", str(copy)), said("--cache-dir", "c", "--source", str(copy))] \
        == [True, False]  # another tree, said once for it too
    assert said("--no-cache") and said("--no-cache")  # nowhere to remember it
    assert said("--cache-dir", "other")


# a hostile or unlucky cache ----------------------------------------------

@pytest.mark.parametrize("blob", [5, 1.5, "not bytes " * 40])
def test_a_kept_blob_of_another_type_is_rejected(tmp_path: Path, blob: object):
    """SQLite keeps any type in any column: an entry someone set to a
    number or a text is a miss, not an internal error."""
    load(tmp_path)
    [key] = entries(tmp_path)
    replace_entry(tmp_path, key, blob)  # type: ignore[arg-type]
    module, cache = load(tmp_path)
    assert module == SourceTree(LIBERTY).module(MODULE) and (cache.rejected, cache.write_errors) == (1, 0)
    _, cache = load(tmp_path)
    assert cache.hits == 1


@pytest.mark.parametrize("schema", ["CREATE TABLE entry (key)", "CREATE VIEW entry AS SELECT 1 AS key, 2 AS blob"])
def test_a_database_of_other_tables_is_begun_anew(tmp_path: Path, schema: str):
    """A database that is not the entries' (an older layout, anything put
    there) would fail every write, and stay so: it is begun anew."""
    path = IndexCache(tmp_path).path
    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path)) as db:
        db.execute(schema)
    module, cache = load(tmp_path)
    assert module == SourceTree(LIBERTY).module(MODULE) and (cache.misses, cache.write_errors) == (1, 0)
    _, cache = load(tmp_path)
    assert cache.hits == 1 and len(entries(tmp_path)) == 1


HOLD_LOCKS = """
import fcntl, os, sys, time
fds = [os.open(os.path.join(sys.argv[1], f"{i:02x}.lock"), os.O_RDWR | os.O_CREAT) for i in range(256)]
for fd in fds:
    fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(120)
"""


def _index_within(root: str, seconds: float) -> None:
    import time
    started = time.monotonic()
    source = SourceTree(LIBERTY, IndexCache(Path(root)))
    for path in sorted((LIBERTY / "nova").rglob("*.py")):
        name = source.module_name(path)
        assert source.module(name) == SourceTree(LIBERTY).module(name)
    assert time.monotonic() - started < seconds  # one wait, not one per module
    said = [p for p in source.problems if "has held a build lock" in p]
    assert said == [f"{root}: another process has held a build lock for over 1 s (a stopped trace?); "
                    "modules are built without waiting for it"]


def test_build_locks_held_by_a_stopped_process_are_waited_for_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A trace stopped (Ctrl-Z) while building holds its lock for ever:
    another run waits for it a while, once, then builds for itself."""
    import signal
    import subprocess
    import sys
    locks = tmp_path / "index" / "locks"
    locks.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCKS, str(locks)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        holder.send_signal(signal.SIGSTOP)
        monkeypatch.setattr(cache_mod, "LOCK_WAIT", 1.0)
        child = multiprocessing.get_context("fork").Process(target=_index_within, args=(str(tmp_path), 8.0))
        child.start()
        child.join(30)
        hung = child.is_alive()
        if hung:
            child.kill()
        assert not hung and child.exitcode == 0
    finally:
        holder.kill()
        holder.wait()


def test_entries_that_cannot_be_written_are_still_read(tmp_path: Path):
    """Where no -wal file can be made (a read-only folder: here a folder
    in its place, as root may write anywhere), the entries kept are read."""
    fresh = SourceTree(LIBERTY).module(MODULE)
    _, cache = load(tmp_path)
    cache.close()  # the last connection: the entries are in the file itself now
    Path(f"{cache.path}-wal").mkdir()
    module, cache = load(tmp_path)
    assert module == fresh and (cache.hits, cache.write_errors) == (1, 1)
    source = SourceTree(LIBERTY, cache)
    assert source.module("nova.compute.rpcapi") == SourceTree(LIBERTY).module("nova.compute.rpcapi")
    assert cache.write_errors == 1 and [p for p in source.problems if "cannot write the index cache" in p]
    Path(f"{cache.path}-wal").rmdir()
    assert len(entries(tmp_path)) == 1  # the one built was not kept


def _load_in_time(root: str) -> None:
    assert load(Path(root))[0] == SourceTree(LIBERTY).module(MODULE)


@pytest.mark.parametrize("kind", ["fifo", "fifo, -wal a folder"])
def test_a_fifo_in_place_of_the_entries_never_blocks(tmp_path: Path, kind: str):
    path = IndexCache(tmp_path).path
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    if "folder" in kind:
        Path(f"{path}-wal").mkdir()
    child = multiprocessing.get_context("fork").Process(target=_load_in_time, args=(str(tmp_path),))
    child.start()
    child.join(30)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and child.exitcode == 0 and path.exists()


def test_notes_that_cannot_be_remembered_leave_the_entries_kept(tmp_path: Path):
    (tmp_path / "said").write_text("a file where the notes' folder should be")
    cache = IndexCache(tmp_path)
    cache.remember(LIBERTY, "warning: a note")
    source = SourceTree(LIBERTY, cache)
    assert _index_all(source) > 10
    assert cache.write_errors == 0 and cache.failure is None
    assert len(entries(tmp_path)) == _index_all(SourceTree(LIBERTY))


def test_an_earlier_tracers_entry_files_go_when_the_file_of_entries_is_made(tmp_path: Path):
    old = tmp_path / "index" / "ab"
    old.mkdir(parents=True)
    (old / f"{'ab' * 32}.entry").write_bytes(b"TRACERIX an entry of the old layout")
    (old / ".tmp-x1y2").write_bytes(b"half an entry")
    kept = tmp_path / "index" / "cd"
    kept.mkdir()
    (kept / "notes.txt").write_text("not the tracer's")
    (kept / f"{'cd' * 32}.entry").write_bytes(b"old")
    load(tmp_path)
    assert not old.exists()  # emptied, then removed
    assert [p.name for p in kept.iterdir()] == ["notes.txt"]  # a folder holding anything else stays
    old.mkdir()
    (old / f"{'ab' * 32}.entry").write_bytes(b"made after")
    load(tmp_path)  # the file of entries exists: nothing looked at again
    assert (old / f"{'ab' * 32}.entry").exists()
