"""`trace render`: tree mirroring, freshness, failures that do not stop the rest."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.files import write_atomic as atomic_write

GOOD = "title t\nA->B: hello\n"


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "diagrams"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def render(*args: str):
    return CliRunner().invoke(main, ["render", *args])


def test_outputs_mirror_the_tree(tmp_path: Path) -> None:
    root = tree(tmp_path, {"nova/pause.wsd": GOOD, "sahara/x/create.wsd": GOOD, "notes.txt": "x"})
    out = tmp_path / "output"
    result = render(str(root), "-o", str(out), "-f", "svg,png")
    assert result.exit_code == 0, result.stderr
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert made == ["nova/pause.png", "nova/pause.svg", "sahara/x/create.png", "sahara/x/create.svg"]
    ET.parse(out / "nova" / "pause.svg")
    assert "2 rendered" in result.stdout


def test_several_folders_keep_apart_under_the_folder_they_share(tmp_path: Path) -> None:
    """Two releases' folders hold files of one name: each keeps its own
    picture (`ocata/pause.svg`, `2026.2/pause.svg`); a file given twice is drawn once."""
    root = tree(tmp_path, {"nova/ocata/pause.wsd": GOOD, "nova/2026.2/pause.wsd": GOOD.replace("hello", "hi"),
                           "nova/2026.2/x/y.wsd": GOOD})
    out = tmp_path / "output"
    result = render(str(root / "nova" / "ocata"), str(root / "nova" / "2026.2"),
                    str(root / "nova" / "ocata" / "pause.wsd"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert made == ["2026.2/pause.svg", "2026.2/x/y.svg", "ocata/pause.svg"]
    assert "hi" in (out / "2026.2" / "pause.svg").read_text() and "hi" not in (out / "ocata" / "pause.svg").read_text()
    assert "3 rendered" in result.stdout


def test_single_file_lands_at_the_top_of_output(tmp_path: Path) -> None:
    root = tree(tmp_path, {"nova/pause.wsd": GOOD})
    out = tmp_path / "o"
    assert render(str(root / "nova" / "pause.wsd"), "-o", f"{out}/").exit_code == 0
    assert (out / "pause.svg").is_file()
    assert render(str(root / "nova" / "pause.wsd"), "-o", str(out), "-f", "png").exit_code == 0  # a folder now
    assert sorted(p.name for p in out.iterdir()) == ["pause.png", "pause.svg"]


def test_default_input_is_diagrams_folder(tmp_path: Path, monkeypatch) -> None:
    tree(tmp_path, {"nova/pause.wsd": GOOD})
    monkeypatch.chdir(tmp_path)
    result = render()
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "output" / "nova" / "pause.svg").is_file()


def test_fresh_outputs_are_skipped_unless_forced(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a.wsd": GOOD, "b.wsd": GOOD})
    out = tmp_path / "o"
    render(str(root), "-o", str(out))
    stamp = (out / "a.svg").stat().st_mtime_ns
    second = render(str(root), "-o", str(out))
    assert "0 rendered, 2 skipped" in second.stdout
    assert (out / "a.svg").stat().st_mtime_ns == stamp
    later = (out / "a.svg").stat().st_mtime + 5
    os.utime(root / "a.wsd", (later, later))  # edited after its picture
    third = render(str(root), "-o", str(out))
    assert "1 rendered, 1 skipped" in third.stdout
    forced = render(str(root), "-o", str(out), "--force")
    assert "2 rendered" in forced.stdout


def test_a_bad_file_does_not_stop_the_rest(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a.wsd": GOOD, "b.wsd": "", "c.wsd": GOOD})
    (root / "d.wsd").write_bytes(b"A->B: \xff\xfe\n")
    out = tmp_path / "o"
    result = render(str(root), "-o", str(out))
    assert result.exit_code == 1
    assert (out / "a.svg").is_file() and (out / "c.svg").is_file()
    assert not (out / "b.svg").exists()
    assert f"{root / 'b.wsd'}: empty file" in result.stderr
    assert f"{root / 'd.wsd'}: not UTF-8" in result.stderr
    assert "2 rendered, 2 failed" in result.stdout
    assert "Traceback" not in result.stderr


def test_parser_warnings_are_shown_with_file_and_line(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a.wsd": "participant A\nalt x\nA->B: y\n"})
    result = render(str(root), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0
    assert f"{root / 'a.wsd'}:2: warning: 'alt' group opened here is never closed" in result.stderr
    quiet = render(str(root), "-o", str(tmp_path / "o"), "--force", "-q")
    assert "warning" not in quiet.stderr


@pytest.mark.parametrize("args, message", [
    (["-f", "pdf"], "not available with the offline renderer"),
    (["-f", ""], "not available"),
    (["--scale", "0"], "--scale"),
])
def test_misuse_is_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    root = tree(tmp_path, {"a.wsd": GOOD})
    result = render(str(root), "-o", str(tmp_path / "o"), *args)
    assert result.exit_code == 2 and message in result.stderr


def test_missing_path_is_one_line(tmp_path: Path) -> None:
    result = render(str(tmp_path / "nowhere"), "-o", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"trace: {tmp_path / 'nowhere'}: no such file or folder"


def test_png_scale_option(tmp_path: Path) -> None:
    from PIL import Image

    root = tree(tmp_path, {"a.wsd": GOOD})
    render(str(root), "-o", str(tmp_path / "one"), "-f", "png")
    render(str(root), "-o", str(tmp_path / "two"), "-f", "png", "--scale", "2")
    w1 = Image.open(tmp_path / "one" / "a.png").width
    w2 = Image.open(tmp_path / "two" / "a.png").width
    assert abs(w2 - 2 * w1) <= 2


def test_source_links_in_svg(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a.wsd": "# nova/compute/api.py pause()\nA->B: hello\n"})
    out = tmp_path / "o"
    render(str(root), "-o", str(out), "--source-url", "https://x/{tag}/{path}?f={func}", "--tag", "12.0.0")
    svg = (out / "a.svg").read_text()
    assert 'href="https://x/12.0.0/nova/compute/api.py?f=pause"' in svg and "@font-face" in svg
    render(str(root), "-o", str(out), "--force", "--no-embed-font")
    assert "@font-face" not in (out / "a.svg").read_text()


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "d" / "x.svg"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["x.svg"]


def test_unwritable_output_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    root = tree(tmp_path, {"a.wsd": GOOD})
    blocker = tmp_path / "o"
    blocker.mkdir()
    (blocker / "a.svg").mkdir()  # a folder where the picture should go
    result = render(str(root), "-o", str(blocker))
    assert result.exit_code == 1 and "a.wsd" in result.stderr and "Traceback" not in result.stderr


def test_progress_bar_on_a_terminal_for_many_files(tmp_path: Path, monkeypatch) -> None:
    from tracer.cli import render_cmds

    root = tree(tmp_path, {f"{n}.wsd": GOOD for n in "abcde"})
    monkeypatch.setattr(render_cmds, "_show_bar", lambda n: n >= 4)
    result = render(str(root), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0 and "rendering" in result.stderr
    assert "5 rendered" in result.stdout


@pytest.mark.parametrize("template", ["https://x/{nope}", "https://x/{path", "https://x/{path.__class__}",
                                      "https://x/{0}", "https://x/{path[0]}"])
def test_a_source_url_template_with_other_fields_is_refused(tmp_path: Path, template: str) -> None:
    root = tree(tmp_path, {"a.wsd": "# nova/compute/api.py pause()\nA->B: hello\n"})
    result = CliRunner().invoke(main, ["render", str(root), "-o", str(tmp_path / "o"), "--source-url", template])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"trace: --source-url {template!r}: use only the fields {{path}} {{func}} {{tag}} {{line}}, "
        "and write {{ and }} for braces"]
    assert not (tmp_path / "o" / "a.svg").exists()
