"""Where results go (`-o FILE.ext`, `-o DIR/`, `-o -`), what is refused before
the work, standard input for `export` and `diff`, and the mode of written files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from tracer.cli import main

GOOD = "title t\nA->B: hello\nB->A: done\n"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, list(args), input=input)


@pytest.fixture
def wsd(tmp_path: Path) -> Path:
    path = tmp_path / "pause.wsd"
    path.write_text(GOOD)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("name, head", [
    ("pause.wsd", b"title pause a server\n"),
    ("pause.svg", b"<?xml"),
    ("pause.png", b"\x89PNG"),
    ("pause.puml", b"@startuml\n"),
    ("pause.mmd", b"sequenceDiagram\n"),
])
def test_draft_writes_the_file_named_in_its_extensions_format(run, tmp_path: Path, name: str, head: bytes):
    result = run("nova", "pause", "-o", name)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / name).is_file() and (tmp_path / name).read_bytes().startswith(head)
    assert f"wrote {name}" in result.stderr


def test_draft_to_a_folder_only_when_it_is_one_or_ends_with_a_slash(run, tmp_path: Path):
    assert run("nova", "pause", "-o", "new/").exit_code == 0
    assert (tmp_path / "new" / "pause.wsd").is_file()
    (tmp_path / "there").mkdir()
    assert run("nova", "pause", "-o", "there").exit_code == 0
    assert (tmp_path / "there" / "pause.wsd").is_file()
    assert run("nova", "pause", "-o", "plain").exit_code == 0
    assert (tmp_path / "plain").is_file() and (tmp_path / "plain").read_text().startswith("title pause")


def test_draft_to_standard_output_makes_no_file(run, tmp_path: Path):
    result = run("nova", "pause", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("title pause a server\n")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_draft_is_refused_before_the_work(run, tmp_path: Path):
    (tmp_path / "pause.svg").write_text("mine")
    result = run("nova", "pause", "-o", "pause.svg")
    assert result.exit_code == 1 and "pause.svg exists" in result.stderr
    assert "tracing nova" not in result.stderr  # refused before the tree was even looked at
    assert (tmp_path / "pause.svg").read_text() == "mine"
    assert run("nova", "pause", "-o", "pause.svg", "--force").exit_code == 0
    assert (tmp_path / "pause.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize("args, message", [
    (["nova", "pause", "-o", "file/x.wsd"], "-o file/x.wsd: file is a file, not a folder"),
    (["nova", "pause", "-o", "dir/"], "-o dir/pause.wsd: is a folder; name a file in it instead"),
    (["nova", "--all", "-o", "file"], "-o file: is a file, and a folder is needed here"),
    (["nova", "--all", "-o", "all.svg"], "-o all.svg: one file per diagram needs a folder"),
    (["nova", "pause", "-o", "pause.txt.pdf"], "-o pause.txt.pdf: this command writes .wsd, .svg, .png, .puml, .mmd, not .pdf"),
])
def test_a_bad_output_place_is_one_line_exit_2(run, tmp_path: Path, args: list[str], message: str):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir" / "pause.wsd").mkdir(parents=True)
    result = run(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"trace: {message}") and result.stderr.count("\n") == 1
    assert not (tmp_path / "all.svg").exists()


def test_an_unwritable_place_is_one_line_exit_2(run, tmp_path: Path):
    if os.geteuid() == 0:  # root writes in any folder, but /proc takes no new files from anyone
        target = "/proc/pause.wsd"
    else:
        (tmp_path / "locked").mkdir(mode=0o500)
        target = "locked/pause.wsd"
    result = run("nova", "pause", "-o", target)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"trace: -o {target}: cannot write in {Path(target).parent} (")
    assert result.stderr.count("\n") == 1 and "tracing nova" not in result.stderr  # before the work
    folder = str(Path(target).parent / "all")
    result = run("nova", "--all", "-o", folder + "/")
    assert result.exit_code == 2 and result.stderr.startswith(f"trace: -o {folder}: cannot write")
    assert result.stderr.count("\n") == 1


def test_render_one_file_to_the_file_named(run, tmp_path: Path, wsd: Path):
    result = run("render", str(wsd), "-o", "pause.png")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "pause.png").is_file() and not (tmp_path / "pause.png").is_dir()
    assert Image.open(tmp_path / "pause.png").format == "PNG"
    assert run("render", str(wsd), "-o", "pic", "-f", "png").exit_code == 0
    assert Image.open(tmp_path / "pic").format == "PNG"
    clash = run("render", str(wsd), "-o", "x.svg", "-f", "png")
    assert clash.exit_code == 2 and "names a .svg file but -f says png" in clash.stderr


def test_render_keeps_an_existing_file_that_is_not_a_picture(run, tmp_path: Path, wsd: Path):
    """`-o README` (older than the diagram) was replaced by an SVG: a file
    neither named nor made as a picture is kept, unless --force."""
    readme = tmp_path / "README"
    readme.write_text("my notes\n")
    os.utime(readme, (1, 1))  # older than its "source": the picture would be redrawn
    result = run("render", str(wsd), "-o", "README")
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ("trace: -o README: exists and is not a picture (no .svg, .png or .pdf extension, nor "
                             "a picture inside); not overwritten. Name the picture README.svg, or pass --force "
                             "to replace README\n")
    assert readme.read_text() == "my notes\n"
    png = run("render", str(wsd), "-o", "README", "-f", "png", "--force")
    assert png.exit_code == 0, png.stderr
    assert Image.open(readme).format == "PNG"


def test_render_again_into_a_picture_without_an_extension(run, tmp_path: Path, wsd: Path):
    """A picture drawn there before is a picture: up to date it is skipped, else redrawn."""
    assert run("render", str(wsd), "-o", "pic", "-f", "png").exit_code == 0
    again = run("render", str(wsd), "-o", "pic", "-f", "png")
    assert again.exit_code == 0 and "1 skipped" in again.stdout
    os.utime(tmp_path / "pic", (1, 1))
    assert run("render", str(wsd), "-o", "pic").exit_code == 0
    assert (tmp_path / "pic").read_bytes().startswith(b"<?xml")


def test_render_to_standard_output(run, tmp_path: Path, wsd: Path):
    result = run("render", str(wsd), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<?xml") and "hello" in result.stdout
    assert not (tmp_path / "-").exists()
    png = run("render", str(wsd), "-o", "-", "-f", "png")
    assert png.stdout_bytes.startswith(b"\x89PNG")


def test_render_many_into_a_file_is_refused(run, tmp_path: Path, wsd: Path):
    (tmp_path / "b.wsd").write_text(GOOD)
    result = run("render", str(wsd), str(tmp_path / "b.wsd"), "-o", "both.png")
    assert result.exit_code == 2 and "needs a folder" in result.stderr
    assert not (tmp_path / "both.png").exists()


def test_export_from_standard_input_to_the_file_named(run, tmp_path: Path):
    result = run("export", "-", "-o", "out.mmd", input=GOOD)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out.mmd").read_text().startswith("sequenceDiagram\n")
    again = run("export", "-", "-o", "out.mmd", input="title other\nA->B: x\n")
    assert again.exit_code == 1 and "exists" in again.stderr
    assert "hello" in (tmp_path / "out.mmd").read_text()
    printed = run("export", "-", "--to", "plantuml", input=GOOD)
    assert printed.exit_code == 0 and printed.stdout.startswith("@startuml\n")
    neither = run("export", "-", input=GOOD)
    assert neither.exit_code == 2 and "--to" in neither.stderr


def test_diff_reads_one_side_from_standard_input(run, wsd: Path):
    same = run("diff", "-", str(wsd), input=GOOD)
    assert same.exit_code == 0, same.stderr
    other = run("diff", str(wsd), "-", input="title t\nA->B: bye\n")
    assert other.exit_code == 1 and "bye" in other.stdout
    both = run("diff", "-", "-", input=GOOD)
    assert both.exit_code == 2 and "only one side" in both.stderr
    empty = run("diff", "-", str(wsd), input="")
    assert empty.exit_code == 2 and empty.stderr.strip() == "trace: <stdin>: empty; send a diagram on standard input"


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_written_files_follow_the_umask(run, tmp_path: Path, wsd: Path, mask: int):
    old = os.umask(mask)
    try:
        assert run("nova", "pause", "-o", "d.wsd").exit_code == 0
        assert run("render", str(wsd), "-o", "p.svg").exit_code == 0
        assert run("export", str(wsd), "-o", "e.puml").exit_code == 0
    finally:
        os.umask(old)
    for name in ("d.wsd", "p.svg", "e.puml"):
        assert mode(tmp_path / name) == 0o666 & ~mask, name


def test_standard_input_has_the_size_limit_files_have(tmp_path: Path):
    import subprocess
    import sys
    other = tmp_path / "b.wsd"
    other.write_text("a->b: x\n", encoding="utf-8")
    trace = Path(sys.executable).parent / "trace"
    with open("/dev/zero", "rb") as endless:  # never ends: the limit must stop the read
        done = subprocess.run([str(trace), "diff", "-", str(other)], stdin=endless, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "trace: <stdin>: more than 4 MB; a diagram is smaller: send a .wsd file"


def test_an_output_name_with_an_unknown_extension_is_refused(run, tmp_path: Path):
    result = run("nova", "pause", "-o", "pause.bmp")
    assert result.exit_code == 2
    assert "-o pause.bmp: this command writes .wsd, .svg, .png, .puml, .mmd, not .bmp" in result.output
    assert not (tmp_path / "pause.bmp").exists()


@pytest.mark.parametrize("args", [["nova", "pause"], ["render", "PAUSE"]])
def test_a_pipe_or_device_is_never_replaced_by_a_file(run, tmp_path: Path, wsd: Path, args: list[str]):
    os.mkfifo(tmp_path / "pipe")
    result = run(*[str(wsd) if a == "PAUSE" else a for a in args], "-o", "pipe", "-f" if args[0] == "render" else
                 "--force", *(["svg", "--force"] if args[0] == "render" else []))
    assert result.exit_code == 2, result.stderr
    assert result.stderr == "trace: -o pipe: not a regular file (a device, pipe or socket); pick another place, " \
                            "or -o - for standard output\n"
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)


def test_a_file_that_appears_while_drafting_is_never_replaced_without_force(tmp_path: Path):
    """The check for an existing file comes before the work; one made in
    between (an editor's save, another trace) is kept, unless forced."""
    from tracer.catalogue import Outcome, Summary, _record
    from tracer.files import write_atomic
    mine = tmp_path / "pause.wsd"
    mine.write_text("MY HAND EDITS")
    with pytest.raises(FileExistsError):
        write_atomic(mine, "drafted", replace=False)
    summary = Summary()
    _record(summary, Outcome("pause", "title drafted\n", None, ()), tmp_path, force=False)
    assert summary.failed == [("pause", "its file appeared while this ran; not overwritten (--force replaces it)")]
    assert mine.read_text() == "MY HAND EDITS" and [p.name for p in tmp_path.iterdir()] == ["pause.wsd"]
    write_atomic(tmp_path / "new.wsd", "drafted", replace=False)
    assert (tmp_path / "new.wsd").read_text() == "drafted"
    _record(summary, Outcome("pause", "title drafted\n", None, ()), tmp_path, force=True)
    assert mine.read_text() == "title drafted\n" and summary.drafted == ["pause"]
