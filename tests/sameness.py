"""Running the real `trace` in a child process and comparing what runs drew:
byte for byte, the first difference shown as a short unified diff."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

TRACE = Path(sys.executable).parent / "trace"


def trace(*args: object, cache: Path | None, timeout: int = 600) -> subprocess.CompletedProcess[bytes]:
    """`trace ARGS` in a fresh process; `cache` None runs it with --no-cache,
    else with that index cache. Fails the test on a non-zero exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACER_")}  # no ambient source or cache
    where = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    done = subprocess.run([str(TRACE), *map(str, args), *where], env=env, capture_output=True, timeout=timeout)
    assert done.returncode == 0, f"trace {' '.join(map(str, args))} exited {done.returncode}:\n" \
                                 f"{done.stderr.decode(errors='replace')}"
    return done


def drafts(folder: Path) -> dict[str, bytes]:
    """Every .wsd file under a folder, by its relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.wsd"))}


def difference(a: bytes, b: bytes, name_a: str, name_b: str, lines: int = 30) -> str:
    """The first `lines` lines of a unified diff of two texts."""
    diff = difflib.unified_diff(a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines(),
                                name_a, name_b, lineterm="", n=2)
    return "\n".join(list(diff)[:lines])


def assert_same(runs: dict[str, dict[str, bytes]]) -> None:
    """Every run drew the same set of files with the same bytes; else the
    first run that differs from the first, its first differing file and a diff."""
    (first, expected), *others = runs.items()
    assert expected, f"{first}: no drafts at all"
    for label, got in others:
        missing, extra = sorted(expected.keys() - got.keys()), sorted(got.keys() - expected.keys())
        assert not missing and not extra, f"{label} against {first}: missing {missing}, extra {extra}"
        for name in expected:
            assert got[name] == expected[name], \
                f"{name} differs between {first} and {label}:\n" + \
                difference(expected[name], got[name], f"{first}/{name}", f"{label}/{name}")


def assert_same_text(runs: dict[str, bytes]) -> None:
    """One draft per run (stdout of `-o -`): all equal, else a diff."""
    assert_same({label: {"stdout": text} for label, text in runs.items()})
