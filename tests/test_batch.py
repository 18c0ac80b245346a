"""`trace nova --all`: every operation of the fixture tree, in one or more processes; a worker
that dies, a batch that is stopped."""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.pipeline import Project
from tracer.problems import TracerError
from tracer.source import FIXTURES


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def drafts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.wsd"))}


def test_all_operations_into_the_default_folder(run, tmp_path: Path):
    listed = run("ops", "nova").stdout.splitlines()
    result = run("nova", "--all", "-j", "1")
    assert result.exit_code == 0, result.stderr
    written = drafts(tmp_path / "diagrams" / "nova")
    assert sorted(written) == sorted(f"{line.split()[0]}.wsd" for line in listed)
    assert written["pause.wsd"] == run("nova", "pause", "-o", "-").stdout
    assert result.stderr.strip().endswith(f"drafted {len(listed)}, skipped 0 (exist), failed 0 "
                                          f"into {Path('diagrams') / 'nova'}")


def test_one_and_two_processes_and_the_cache_give_the_same_bytes(run, tmp_path: Path):
    one = run("nova", "--all", "-o", "one", "-j", "1", "--no-cache")
    two = run("nova", "--all", "-o", "two", "-j", "2", "--cache-dir", "c")
    warm = run("nova", "--all", "-o", "warm", "-j", "2", "--cache-dir", "c")
    assert one.exit_code == two.exit_code == warm.exit_code == 0, two.stderr
    assert drafts(tmp_path / "one") == drafts(tmp_path / "two") == drafts(tmp_path / "warm")
    assert len(drafts(tmp_path / "one")) > 5
    assert one.stderr.replace(" one", " X") == two.stderr.replace(" two", " X")  # same warnings and summary
    note = "warning: nova/virt/libvirt/guest.py: read 'async' used as a name on line 117\n"
    assert note in two.stderr and warm.stderr == two.stderr.replace(note, "").replace(" two", " warm")


@pytest.mark.parametrize("growth, first_frozen", [(0, 1), (1 << 50, None)])
def test_a_batch_in_this_process_collects_itself_and_leaves_collection_as_it_was(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, growth: int, first_frozen: int | None):
    """Automatic collections are off while a batch drafts (it collects, and
    freezes what survives, once its peak memory has grown by COLLECT_GROWTH:
    with 0, after every draft; with a petabyte, never); afterwards they are
    on again and nothing stays frozen."""
    import gc

    from tracer import catalogue
    monkeypatch.setattr(catalogue, "COLLECT_GROWTH", growth)
    seen = []
    real = catalogue.draft_one

    def watching(*args):
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return real(*args)

    monkeypatch.setattr(catalogue, "draft_one", watching)
    assert gc.isenabled()
    result = run("nova", "--all", "-o", "out", "-j", "1", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert len(seen) > 4 and not any(enabled for enabled, _ in seen)
    frozen = [i for i, (_, count) in enumerate(seen) if count > 0]
    assert seen[0][1] == 0 and (frozen[:1] == [first_frozen] if first_frozen else not frozen)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_existing_files_are_skipped_unless_forced(run, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "pause.wsd").write_text("title my hand edits\n")
    result = run("nova", "--all", "-o", "out", "-j", "1")
    assert result.exit_code == 0
    assert "skipped 1 (exist)" in result.stderr
    assert (out / "pause.wsd").read_text() == "title my hand edits\n"
    forced = run("nova", "--all", "-o", "out", "-j", "1", "--force")
    assert "skipped 0 (exist)" in forced.stderr
    assert (out / "pause.wsd").read_text().startswith("title pause")


def test_a_link_to_nowhere_is_a_file_there_skipped_unless_forced(run, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "pause.wsd").symlink_to(tmp_path / "nowhere.wsd")
    result = run("nova", "--all", "-o", "out", "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert "skipped 1 (exist), failed 0" in result.stderr and "appeared" not in result.stderr
    forced = run("nova", "--all", "-o", "out", "-j", "1", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert not (out / "pause.wsd").is_symlink() and (out / "pause.wsd").read_text().startswith("title pause")
    assert not (tmp_path / "nowhere.wsd").exists()  # the link replaced, nothing written where it pointed


def test_a_failing_operation_does_not_stop_the_rest(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real = Project.drafted

    def flaky(self, name, *args, **kwargs):
        if name == "pause":
            raise TracerError("pause went wrong")
        if name == "lock":
            raise KeyError("boom")
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(Project, "drafted", flaky)
    result = run("nova", "--all", "-o", "out", "-j", "1")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "lock: internal error: KeyError: 'boom'" in lines and "pause: pause went wrong" in lines
    assert lines.index("lock: internal error: KeyError: 'boom'") < lines.index("pause: pause went wrong")
    assert ", failed 2 into out" in lines[-1]
    written = drafts(tmp_path / "out")
    assert "unpause.wsd" in written and "pause.wsd" not in written and "lock.wsd" not in written


@pytest.mark.parametrize("args", [["nova"], ["nova", "pause", "--all"], ["nova", "--all", "-o", "-"]])
def test_operation_or_all_exactly_one(run, args: list[str]):
    result = run(*args)
    assert result.exit_code == 2
    assert "OPERATION or --all" in result.stderr or "-o takes a directory" in result.stderr


def test_a_worker_that_dies_fails_its_draft_only(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real = Project.drafted

    def crashing(self, name, *args, **kwargs):
        if name == "pause":
            faulthandler.disable()  # no traceback dump: just the crash
            os.kill(os.getpid(), signal.SIGSEGV)  # as a native parser overflowing its stack does
        if name == "lock":
            os._exit(3)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(Project, "drafted", crashing)  # the forked workers inherit it
    listed = run("ops", "nova").stdout.splitlines()
    result = run("nova", "--all", "-o", "out", "-j", "2")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "lock: the drafting process ended (exit status 3); nothing drafted" in lines
    assert "pause: the drafting process died (SIGSEGV); nothing drafted" in lines
    assert lines[-1] == f"drafted {len(listed) - 2}, skipped 0 (exist), failed 2 into out"
    assert "unpause.wsd" in drafts(tmp_path / "out") and "pause.wsd" not in drafts(tmp_path / "out")


# stopping a batch stops its workers ---------------------------------------

def _children(pid: int) -> set[int]:
    """Live processes whose parent is `pid` (zombies count as gone)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _slow_tree(tmp_path: Path) -> Path:
    """The fixture, with a compute API long enough that each worker is still
    parsing it when the batch is stopped."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    api = tree / "nova" / "compute" / "api.py"
    padding = "".join(f"\n\ndef helper_{i}(context, instance):\n    return instance.get(context, {i})\n"
                      for i in range(6000))
    api.write_text(api.read_text() + padding)
    return tree


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")
@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM", "SIGKILL"])
def test_stopping_the_batch_leaves_no_worker_behind(tmp_path: Path, how: str):
    trace = Path(sys.executable).with_name("trace")
    parent = subprocess.Popen([str(trace), "nova", "--all", "-j", "2", "--source", str(_slow_tree(tmp_path)),
                               "-o", str(tmp_path / "out"), "--no-cache"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        workers: set[int] = set()
        for _ in range(1200):  # until both workers run (bounded: a hang fails)
            workers |= _children(parent.pid)
            if len(workers) == 2 or parent.poll() is not None:
                break
            time.sleep(0.05)
        assert len(workers) == 2, parent.communicate()
        if how == "Ctrl-C":
            os.killpg(parent.pid, signal.SIGINT)  # the terminal signals the whole group
        else:
            parent.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL)
        _, stderr = parent.communicate(timeout=60)
        assert parent.returncode != 0 and "Traceback" not in stderr
        for _ in range(600):
            if not any(_alive(pid) for pid in workers):
                break
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_note_is_said_once_it_is_shown_also_when_only_the_parent_read_its_file(run, tmp_path: Path):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    (tree / "nova" / "api" / "openstack" / "compute" / "old_style.py").write_text(
        "class Old(object):\n    def abort(self, req, async=False):\n        return async\n")
    note = "warning: nova/api/openstack/compute/old_style.py: read 'async' used as a name on line 2"
    listed = run("ops", "nova", "--source", str(tree), "--cache-dir", "c")  # reads it, shows no warnings
    assert listed.exit_code == 0 and note not in listed.stderr
    first = run("nova", "--all", "-o", "out", "-j", "2", "--source", str(tree), "--cache-dir", "c")
    again = run("nova", "--all", "-o", "again", "-j", "2", "--source", str(tree), "--cache-dir", "c")
    assert first.exit_code == again.exit_code == 0, first.stderr
    assert note in first.stderr.splitlines() and note not in again.stderr


def test_names_from_the_tree_never_lead_out_of_the_folder(run, tmp_path: Path):
    """Operation names come from the tree (decorator literals): an absolute
    path or `../` in one is part of the file's name, never a way out; two
    names of one file name draft once."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty" / "nova", tree / "nova")
    actions = tree / "nova" / "api" / "openstack" / "compute"
    for module, old, new in (("pause_server.py", "'pause'", f"'{tmp_path}/escaped'"),
                             ("suspend_server.py", "'suspend'", "'../up'"),
                             ("lock_server.py", "'lock'", "'a/b'"), ("lock_server.py", "'unlock'", "'a_b'")):
        path = actions / module
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))
    result = run("nova", "--all", "--source", str(tree), "-o", "out/", "-j", "1")
    assert result.exit_code == 1, result.stderr
    assert not (tmp_path / "escaped.wsd").exists() and not (tmp_path / "up.wsd").exists()
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {f"{str(tmp_path).replace('/', '_')}_escaped.wsd", ".._up.wsd", "a_b.wsd"} <= written
    assert "a_b: its file a_b.wsd is a/b's; drafted as a/b only" in result.stderr
    assert "title a/b" in (tmp_path / "out" / "a_b.wsd").read_text()
    assert {p for p in tmp_path.rglob("*.wsd") if "tree" not in p.parts} == \
        {tmp_path / "out" / name for name in written}


def test_a_name_too_long_for_a_file_is_cut_and_stays_unique(run, tmp_path: Path):
    """A file name has at most 255 bytes: names of 300 characters were an
    OSError (exit 3); cut, each keeps a file of its own, the others too."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty" / "nova", tree / "nova")
    actions = tree / "nova" / "api" / "openstack" / "compute"
    long_a, long_b = "é" * 150 + "a", "é" * 150 + "b"  # alike for more than the cut keeps
    for module, old, new in (("pause_server.py", "'pause'", repr(long_a)), ("lock_server.py", "'lock'", repr(long_b))):
        path = actions / module
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))
    result = run("nova", "--all", "--source", str(tree), "-o", "out/", "-j", "1")
    assert result.exit_code == 0, result.stderr
    written = drafts(tmp_path / "out")
    long = sorted(name for name in written if name.startswith("é"))
    assert len(long) == 2 and all(len(name.encode()) <= 200 for name in long)
    by_title = {written[name].splitlines()[0]: name for name in long}
    assert set(by_title) == {f"title {long_a} a server", f"title {long_b} a server"}
    assert "unpause.wsd" in written and "unlock.wsd" in written
    one = run("nova", long_a, "--source", str(tree))  # one operation: the same file name
    assert one.exit_code == 0, one.stderr
    assert [p.name for p in (tmp_path / "diagrams" / "nova").iterdir()] == [by_title[f"title {long_a} a server"]]


def test_a_file_the_file_system_refuses_fails_its_operation_only(run, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    """Where names must be shorter (eCryptfs: 143 bytes), or the disk is
    full: that operation fails with the reason, the others are written."""
    import errno

    from tracer import catalogue
    real = catalogue.write_atomic

    def refusing(path: Path, *args, **kwargs):
        if path.name == "pause.wsd":
            raise OSError(errno.ENAMETOOLONG, "File name too long", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(catalogue, "write_atomic", refusing)
    result = run("nova", "--all", "-o", "out", "-j", "1")
    assert result.exit_code == 1
    assert "pause: cannot write pause.wsd (File name too long)" in result.stderr.splitlines()
    assert "unpause.wsd" in drafts(tmp_path / "out")
