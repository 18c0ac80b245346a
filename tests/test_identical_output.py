"""The same tree gives the same bytes however it is drafted: without the
index cache, with a cold one and a warm one, in one process or two; and a
warm cache never hides an edit to the tree (a file the walk read changed, a
module it looked for and missed added, then removed again). Each run is the
real `trace` in a child process, so nothing is kept in memory between runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sameness import assert_same, assert_same_text, drafts, trace
from tracer.source import FIXTURES

# each project's hand-written tree (nova's is shaped like Liberty)
TREES = {"nova": "liberty", "cinder": "cinder", "neutron": "neutron", "sahara": "sahara", "magnum": "magnum",
         "glance": "glance", "heat": "heat"}
LIBERTY = FIXTURES / "liberty"


def batch(tmp_path: Path, project: str, label: str, jobs: int, cache: Path | None) -> dict[str, bytes]:
    out = tmp_path / label
    trace(project, "--all", "--source", FIXTURES / TREES[project], "-o", out, "-j", jobs, cache=cache)
    return drafts(out)


@pytest.mark.parametrize("project", sorted(TREES))
def test_every_operation_is_the_same_without_cache_cold_and_warm(tmp_path: Path, project: str):
    cache = tmp_path / "cache"
    runs = {"no cache": batch(tmp_path, project, "plain", 1, None),
            "cold cache": batch(tmp_path, project, "cold", 1, cache),
            "warm cache": batch(tmp_path, project, "warm", 1, cache)}
    assert_same(runs)
    assert len(runs["no cache"]) >= 2


def test_every_operation_is_the_same_in_one_process_and_in_two(tmp_path: Path):
    """Two workers share the cache they fill while drafting (the cold run)."""
    cache = tmp_path / "cache"
    assert_same({"no cache, -j 1": batch(tmp_path, "nova", "plain", 1, None),
                 "cold cache, -j 2": batch(tmp_path, "nova", "cold", 2, cache),
                 "warm cache, -j 2": batch(tmp_path, "nova", "warm2", 2, cache),
                 "warm cache, -j 1": batch(tmp_path, "nova", "warm1", 1, cache)})


@pytest.mark.parametrize("detail", ["normal", "full", "brief"])
def test_one_operation_is_the_same_without_cache_cold_and_warm(tmp_path: Path, detail: str):
    def pause(cache: Path | None) -> bytes:
        return trace("nova", "pause", "--source", LIBERTY, "--detail", detail, "-o", "-", cache=cache).stdout

    cache = tmp_path / "cache"
    runs = {"no cache": pause(None), "cold": pause(cache), "warm": pause(cache)}
    assert_same_text(runs)
    assert runs["no cache"].startswith(b"title pause")


def test_a_cache_warmed_with_other_options_draws_what_these_options_ask(tmp_path: Path):
    """Whatever a run keeps for later, another level of detail, depth or
    granularity on the same tree is drawn afresh."""
    cache = tmp_path / "cache"

    def pause(c: Path | None, *options: str) -> bytes:
        return trace("nova", "pause", "--source", LIBERTY, *options, "-o", "-", cache=c).stdout

    normal = pause(cache)
    for options in (["--detail", "full"], ["--depth", "2"], ["--granularity", "module"]):
        plain = pause(None, *options)
        assert plain != normal, f"{options} draws pause as the defaults do: the test shows nothing"
        assert_same_text({f"no cache {options}": plain, f"warm {options}": pause(cache, *options)})


# a warm cache and an edited tree -------------------------------------------

def edit_keeping_size_and_time(path: Path, old: str, new: str) -> None:
    """Replace `old` (once) by `new`, of the same length, and put the file's
    modification time back: only its content tells the edit."""
    assert len(old) == len(new)
    before = path.stat()
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def pause_in(tree: Path):
    return lambda cache: trace("nova", "pause", "--source", tree, "-o", "-", cache=cache).stdout


def test_an_edited_driver_is_drawn_again_with_a_warm_cache(tmp_path: Path):
    tree, cache = tmp_path / "tree", tmp_path / "cache"
    shutil.copytree(LIBERTY, tree)
    pause = pause_in(tree)
    before = pause(cache)
    assert before == pause(cache) and b"note over libvirt: dom.suspend()" in before
    driver = tree / "nova" / "virt" / "libvirt" / "driver.py"  # its pause now calls another method
    driver.write_text(driver.read_text().replace("        dom.suspend()\n", "        dom.managedSave(0)\n"))
    after = pause(cache)
    assert b"note over libvirt: dom.managedSave()" in after and b"dom.suspend()" not in after
    assert_same_text({"warm cache after the edit": after, "no cache after the edit": pause(None)})
    batch_out = tmp_path / "all"
    trace("nova", "--all", "--source", tree, "-o", batch_out, "-j", "1", cache=cache)
    assert_same_text({"pause": after, "--all's pause.wsd": (batch_out / "pause.wsd").read_bytes()})


def test_an_edit_that_keeps_the_files_size_and_time_is_drawn_again(tmp_path: Path):
    """What a draft read is trusted by its content: an edit of the same
    length with the modification time put back (as `cp -p`, `tar x` or
    `rsync -t` leave a file) is still seen."""
    tree, cache = tmp_path / "tree", tmp_path / "cache"
    shutil.copytree(LIBERTY, tree)
    pause = pause_in(tree)
    assert b"note over libvirt: dom.suspend()" in pause(cache)
    edit_keeping_size_and_time(tree / "nova" / "virt" / "libvirt" / "driver.py",
                               "        dom.suspend()\n", "        dom.destroy()\n")
    after = pause(cache)
    assert b"note over libvirt: dom.destroy()" in after, "a warm cache drew the driver as it was before the edit"
    assert_same_text({"warm cache after the edit": after, "no cache after the edit": pause(None)})


LIBVIRT_UTILS = '''"""Written for this test: a module the fixture's libvirt driver imports but lacks."""


def get_instance_path(instance, relative=False):
    instance.task_state = 'rebooting_hard'
    instance.save()
    return instance.uuid
'''


def test_a_module_the_walk_missed_is_drawn_once_added_and_forgotten_once_removed(tmp_path: Path):
    """The driver's hard reboot calls nova.virt.libvirt.utils, which the
    fixture has not: the walk looks for it and draws nothing. Added, its step
    is drawn even with a warm cache; removed, it is gone again."""
    tree, cache = tmp_path / "tree", tmp_path / "cache"
    shutil.copytree(LIBERTY, tree)
    added = tree / "nova" / "virt" / "libvirt" / "utils.py"
    assert not added.exists()

    def reboot(c: Path | None) -> bytes:
        return trace("nova", "reboot", "--source", tree, "--detail", "full", "-o", "-", cache=c).stdout

    before = reboot(cache)
    assert b"rebooting_hard" not in before and before == reboot(cache)
    added.write_text(LIBVIRT_UTILS)
    with_module = reboot(cache)
    assert b"# nova/virt/libvirt/utils.py get_instance_path()" in with_module
    assert b"libvirt->database: task_state = 'rebooting_hard'" in with_module
    assert_same_text({"warm cache, module added": with_module, "no cache, module added": reboot(None)})
    added.unlink()
    assert_same_text({"before adding": before, "warm cache, module removed again": reboot(cache)})
