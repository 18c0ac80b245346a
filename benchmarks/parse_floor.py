"""How far down a cold `trace nova --all` can go while LibCST reads the code.

    .venv/bin/python benchmarks/parse_floor.py [--versions 15.1.5 34.0.0 liberty] [-o FILE]

Per release, each run a child process on an empty cache unless said:
- `--all -j 1` cold, recording every text handed to LibCST (the module
  outlines and the function bodies the walks reach: exactly what a cold
  batch must parse), then the same with the index kept and the drafts
  removed (the walks alone); their difference is the indexing;
- `--all -j 2` cold, and its walks alone;
- in one process: the stdlib-ast parse of the whole tree (trace_bench.py's
  yardstick), LibCST's parse of the recorded texts (as the index parses:
  `tracer.index.build.parse`), and the stdlib ast's parse of the same texts.

The 2-core floor is the LibCST parse halved (a perfect split over two
processes, nothing else done). Writes its section of benchmarks/RESULTS.md
between `<!-- floor:start -->` and `<!-- floor:end -->`, and prints it.
"""

from __future__ import annotations

import argparse
import ast
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from trace_bench import DEFAULT_VERSIONS, HERE, trees

# a cold batch in this process, every text LibCST parses kept in argv[1]
RECORD = """
import pickle, sys
import tracer.index.build as build
texts, parse = [], build.parse
def recorded(text):
    texts.append(text)
    return parse(text)
build.parse = recorded
from tracer.cli import main
out = sys.argv[1]
sys.argv = ["trace", *sys.argv[2:]]
try:
    main()
finally:
    pickle.dump(texts, open(out, "wb"))
"""
TRACE = [sys.executable, "-c", "import sys; from tracer.cli import main; sys.argv[0] = 'trace'; main()"]
AIM = 6.0  # issue #16: every operation cold, `--all -j 2`, as a ratio to the yardstick


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def batch(root: Path, jobs: int, cache: Path, out: Path, record: Path | None = None) -> tuple[float, float]:
    """A cold `--all -j N`, then the same with its drafts removed: (cold, walks alone)."""
    args = ["nova", "--all", "--source", str(root), "--cache-dir", str(cache), "-o", str(out), "-j", str(jobs)]
    head = [sys.executable, "-c", RECORD, str(record)] if record else TRACE
    cold = timed([*head, *args])
    shutil.rmtree(cache / "drafts")
    shutil.rmtree(out)
    return cold, timed([*TRACE, *args])


def yardstick(root: Path) -> float:
    """trace_bench.py's: every module outside tests, parsed by the stdlib."""
    start = time.perf_counter()
    for path in sorted((root / "nova").rglob("*.py")):
        if "tests" in path.parts:
            continue
        try:
            ast.parse(path.read_bytes())
        except SyntaxError:
            pass
    return time.perf_counter() - start


def parses(texts: list[str]) -> tuple[float, float]:
    """(LibCST as the index parses, stdlib ast) over the same texts."""
    import libcst as cst

    from tracer.index.build import parse
    start = time.perf_counter()
    for text in texts:
        try:
            parse(text)
        except (cst.ParserSyntaxError, RecursionError):  # tried and failed in the batch too
            pass
    libcst = time.perf_counter() - start
    start = time.perf_counter()
    for text in texts:
        try:
            ast.parse(text)
        except (SyntaxError, RecursionError):
            pass
    return libcst, time.perf_counter() - start


def measure(version: str, root: Path, work: Path) -> list[tuple[str, float, str]]:
    """(what, seconds, note) rows, the yardstick first."""
    record = work / f"texts-{version}.pickle"
    cold1, walks1 = batch(root, 1, work / f"c1-{version}", work / f"o1-{version}", record)
    cold2, walks2 = batch(root, 2, work / f"c2-{version}", work / f"o2-{version}")
    texts = pickle.loads(record.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = yardstick(root)
        libcst, stdlib = parses(texts)
    size = sum(map(len, texts)) / 1e6
    return [
        ("stdlib ast, whole tree (the yardstick)", base, ""),
        ("LibCST parse of what a cold batch reads, 1 core", libcst,
         f"{len(texts)} texts, {size:.1f} MB: module outlines and the bodies walked"),
        ("the same, two cores split perfectly (the floor)", libcst / 2, "nothing else done"),
        ("stdlib ast parse of the same texts, 1 core", stdlib, "what the reading costs another parser"),
        ("every op, cold, `-j 1`", cold1, ""),
        ("every op, walks alone, `-j 1`", walks1, "index kept, drafts removed"),
        ("indexing, `-j 1` (cold - walks alone)", cold1 - walks1, "parse, line numbers, index building, cache"),
        ("every op, cold, `-j 2`", cold2, f"aim <= {AIM:g}x"),
        ("every op, walks alone, `-j 2`", walks2, "each process walks the helpers it reaches"),
    ]


def table(results: dict[str, list[tuple[str, float, str]]]) -> str:
    lines = ["<!-- floor:start -->", "## What a cold batch cannot go below while LibCST parses", "",
             "`benchmarks/parse_floor.py`: each release's runs one after the other; ratio = time / the stdlib-ast "
             "parse of the whole tree in the same run.", "",
             "| release | what | time (s) | ratio | note |", "| --- | --- | ---: | ---: | --- |"]
    for version, rows in results.items():
        base = rows[0][1]
        lines += [f"| {version} | {what} | {seconds:.2f} | {seconds / base:.2f}x | {note} |"
                  for what, seconds, note in rows]
    return "\n".join([*lines, "<!-- floor:end -->"]) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", nargs="+", default=DEFAULT_VERSIONS)
    ap.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args()
    roots, left_out = trees(args.versions, [])
    for why in left_out:
        print(f"left out: {why}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="trace-floor-") as tmp:
        results = {v: measure(v, root, Path(tmp)) for v, root in roots.items()}
    section = table(results)
    old = args.output.read_text() if args.output.is_file() else ""
    start, end = old.find("<!-- floor:start -->"), old.find("<!-- floor:end -->\n")
    if start >= 0 and end > start:
        new = old[:start] + section + old[end + len("<!-- floor:end -->\n"):]
    else:
        new = old.rstrip("\n") + "\n\n" + section
    args.output.write_text(new)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
