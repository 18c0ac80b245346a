"""Hostile .wsd input: every command gets a result or one clear line, never a hang or a traceback.

Commands run as real subprocesses with a generous timeout, so a parser that
goes quadratic (the old one took minutes on a 1 MB line) fails instead of
blocking the suite. No timing is asserted.
"""

from __future__ import annotations

import ast
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracer.problems import TracerError
from tracer.render.layout import layout
from tracer.render.png import render_png
from tracer.render.svg import render_svg
from tracer.wsd.emit import emit
from tracer.wsd.model import Group
from tracer.wsd.parse import MAX_DEPTH, QUOTE_LIMIT, parse_text
from tracer.wsd.reader import MAX_BYTES, read_wsd

TIMEOUT = 120  # seconds; a hang fails, the machine may be slow and shared
MB = 1024 * 1024
SPACES = " " * MB

# One 1 MB line per statement form, each with a long run of spaces where a
# backtracking regex would try every split.
LONG_LINES = {
    "message": f"A->B{SPACES}x",
    "message-text": f"A->B: x{SPACES}y",
    "source": f"A{SPACES}x->B: y",
    "note": f"note over A{SPACES}B: x",
    "note-block": f"note over A{SPACES}B",
    "participant": f"participant x{SPACES}x",
    "alias": "participant a" + " as" * (MB // 3),
    "comment": f"# a{SPACES}b",
    "anchor-like": "# " + "a." * (MB // 2),
    "lifeline": f"activate a{SPACES}b",
    "group": f"alt a{SPACES}b\nend",
    "title": f"title a{SPACES}b",
    "names": "note over " + "a," * (MB // 2) + ": x",
    "quoted-names": "note over " + '"a",' * (MB // 4) + ": x",
    "unknown": "frobnicate" + SPACES + "x",
}


def trace(*args: object, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from tracer.cli import main; main()", *map(str, args)],
                          input=stdin.decode() if stdin else None, capture_output=True, text=True,
                          timeout=TIMEOUT)


def one_clear_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[:2000]
    return lines[0]


@pytest.mark.parametrize("form", sorted(LONG_LINES))
def test_a_1mb_line_is_diffed(tmp_path: Path, form: str) -> None:
    path = tmp_path / "long.wsd"
    path.write_text(f"title long\nA->B: first\n{LONG_LINES[form]}\n")
    done = trace("diff", path, path)
    assert done.returncode == 0, done.stderr[-2000:]
    for line in done.stderr.splitlines():  # warnings quote at most QUOTE_LIMIT characters
        assert len(line) < len(str(path)) + QUOTE_LIMIT + 120, line[:300]


def test_a_1mb_message_is_drawn_as_svg_and_png(tmp_path: Path) -> None:
    path = tmp_path / "big.wsd"
    path.write_text("A->B: " + "x" * MB + "\nB-->A: " + "y\\n" * 100_000 + "\n")
    done = trace("render", path, "-f", "svg,png", "-o", f"{tmp_path / 'out'}/")
    assert done.returncode == 0, done.stderr[-2000:]
    ET.parse(tmp_path / "out" / "big.svg")
    width, height = _png_size(tmp_path / "out" / "big.png")
    assert width < 10_000 and height < 10_000  # the texts are cut, the picture stays drawable


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_a_thousand_nested_groups(tmp_path: Path) -> None:
    depth = 1000
    text = "".join(f"{'  ' * i}alt level {i}\n" for i in range(depth)) + "A->B: deep\n" + "end\n" * depth
    parsed = parse_text(text, "deep.wsd")
    assert [p.message for p in parsed.problems] == [
        f"groups nested more than {MAX_DEPTH} deep; the deeper ones are kept as plain text"]
    assert parse_text(emit(parsed.diagram)).diagram == parsed.diagram
    path = tmp_path / "deep.wsd"
    path.write_text(text)
    for args in (("diff", path, path), ("render", path, "-o", f"{tmp_path}/"),
                 ("export", path, "--to", "mermaid"), ("lint", path, "--source", tmp_path)):
        done = trace(*args)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        assert done.stderr.count("nested more than") == 1, done.stderr[-2000:]


def test_groups_up_to_the_limit_stay_groups() -> None:
    text = "alt x\n" * MAX_DEPTH + "A->B: y\n" + "end\n" * MAX_DEPTH
    parsed = parse_text(text)
    assert parsed.problems == ()
    group, depth = parsed.diagram.statements[0], 1
    while isinstance(group.branches[0].steps[0], Group):
        group, depth = group.branches[0].steps[0], depth + 1
    assert depth == MAX_DEPTH


_CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from("\ufffe\uffff\ud800<>&\"'")
_HOSTILE = st.text(st.characters() | _CONTROL, max_size=30)


@settings(max_examples=150, deadline=None)
@given(_HOSTILE, _HOSTILE, _HOSTILE)
def test_any_text_gives_well_formed_svg_and_a_png(title: str, message: str, note: str) -> None:
    text = f"title {title}\nA->B: {message}\nnote over B: {note}\n== {note} ==\n...{message}...\n"
    lay = layout(parse_text(text).diagram)
    ET.fromstring(render_svg(lay).encode("utf-8"))
    assert render_png(lay).startswith(b"\x89PNG")


_QUOTING = re.compile(r"^(?:unknown statement (.*), kept as is|participant (.*) used but never declared)$")


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters() | _CONTROL, max_size=300))
def test_warnings_are_one_line_and_quote_at_most_80_characters(text: str) -> None:
    for problem in parse_text(text * 3, "d.wsd").problems:
        assert "\n" not in problem.message and "\r" not in problem.message
        m = _QUOTING.match(problem.message)
        if m:
            assert len(ast.literal_eval(m[1] or m[2])) <= QUOTE_LIMIT


def test_five_thousand_participants_png_is_refused_svg_drawn(tmp_path: Path) -> None:
    path = tmp_path / "wide.wsd"
    path.write_text("".join(f"participant participant_number_{i}\n" for i in range(5000))
                    + "".join(f"participant_number_{i}->participant_number_{i + 1}: m\n" for i in range(2000)))
    png = trace("render", path, "-f", "png", "-o", f"{tmp_path}/")
    assert png.returncode == 1
    line = one_clear_line(png.stderr)
    assert line.startswith(f"{path}: a PNG of ") and "draw it as SVG" in line
    assert not (tmp_path / "wide.png").exists()
    svg = trace("render", path, "-f", "svg", "-o", f"{tmp_path}/")
    assert svg.returncode == 0, svg.stderr[-2000:]
    ET.parse(tmp_path / "wide.svg")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.wsd"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["diff", "lint", "render", "export"])
@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_fifo_or_device_is_refused(tmp_path: Path, command: str, special: str, request) -> None:
    path = request.getfixturevalue("fifo") if special == "fifo" else Path(special)
    other = tmp_path / "ok.wsd"
    other.write_text("A->B: x\n")
    args = {"diff": ("diff", path, other), "lint": ("lint", path, "--source", tmp_path),
            "render": ("render", path, "-o", f"{tmp_path}/out/"),
            "export": ("export", path, "--to", "plantuml")}[command]
    done = trace(*args)
    assert done.returncode in (1, 2)
    kind = "a pipe" if special == "fifo" else "a character device"
    assert f"{path}: not a regular file ({kind})" in one_clear_line(done.stderr)


def test_read_wsd_holds_files_to_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.wsd"
    path.write_bytes(b"A->B: x\n" * (MAX_BYTES // 8) + b"#")
    with pytest.raises(TracerError, match=r"larger than 4 MB") as err:
        read_wsd(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)
    path.write_bytes(b"A->B: x\n" * (MAX_BYTES // 8))
    assert len(read_wsd(path)) == MAX_BYTES


def test_diff_and_lint_pass_on_warnings_once(tmp_path: Path) -> None:
    path = tmp_path / "open.wsd"
    path.write_text("A->B: x\nalt if y\nB->A: z\n" + "frobnicate " + "q" * 5000 + "\n")
    expected = [f"{path}:2: warning: 'alt' group opened here is never closed; closed at the end",
                f"{path}:4: warning: unknown statement 'frobnicate {'q' * (QUOTE_LIMIT - 12)}…', kept as is"]
    diff = trace("diff", path, path)
    assert (diff.returncode, diff.stderr.splitlines()) == (0, expected)
    lint = trace("lint", path, "--source", tmp_path)
    assert (lint.returncode, lint.stderr.splitlines()) == (0, expected)
