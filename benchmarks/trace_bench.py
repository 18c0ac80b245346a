"""Time `trace` on real Nova releases against the stdlib-ast parse of the same tree.

    .venv/bin/python benchmarks/trace_bench.py [--versions 15.1.5 34.0.0] [--op pause] [-j N] [--no-pyan]

For each release (its sdist from PyPI, unpacked once into the test cache):
the whole-tree stdlib `ast` parse (the yardstick), one operation cold (empty
index cache) and warm, the whole catalogue (`--all`) cold and warm, and the
peer pyan3 (installed from PyPI into a throwaway venv) on the same files.
Each is one subprocess: wall-clock time, and the peak RSS that `wait4`
reports for it (the largest of the process and the workers it waited for).
Writes benchmarks/RESULTS.md and prints it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TRACE = [sys.executable, "-c", "from tracer.cli import main; main()"]
AST_PARSE = """
import ast, sys, pathlib
ok, bad = [], []
for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.py')):
    if 'tests' in p.parts:
        continue
    try:
        ast.parse(p.read_bytes(), str(p)); ok.append(str(p))
    except SyntaxError:
        bad.append(str(p))
pathlib.Path(sys.argv[2]).write_text(f"{len(bad)}\\n" + "\\n".join(ok))
"""
AIMS = {"one op, cold": 3.0, "one op, warm": 0.25, "one op, warm, less start-up": 0.25,
        "catalogue, cold": 15.0, "catalogue, warm": 1.0}


@dataclass
class Run:
    what: str
    seconds: float
    peak_mb: float
    ok: bool
    note: str = ""


def measure(what: str, cmd: list[str], env: dict[str, str] | None = None, note: str = "") -> Run:
    """Run one command as a child; its wall time and peak RSS (wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-1:]
    ok = proc.returncode == 0
    if not ok:
        note = (note + "; " if note else "") + f"exit {proc.returncode}: {' '.join(tail)[:120]}"
    return Run(what, seconds, usage.ru_maxrss / 1024, ok, note)


def pyan_venv(work: Path) -> Path | None:
    """pyan3 from PyPI in a throwaway venv; None if it cannot be installed."""
    venv = work / "pyan-venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "pyan3"], check=True,
                       capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError):
        return None
    return venv / "bin" / "pyan3"


def bench_tree(version: str, root: Path, op: str, jobs: int, pyan: Path | None, work: Path) -> list[Run]:
    src = ["--source", str(root)]
    listing = work / f"parsed-{version}.txt"  # written by the child: this process stays small
    runs = [measure("stdlib ast, whole tree", [sys.executable, "-c", AST_PARSE, str(root / "nova"), str(listing)])]
    bad, *good = listing.read_text().splitlines()
    runs[0].note = f"{len(good)} modules ({bad} py2-era files ast cannot parse)"
    cache = work / f"cache-{version}"
    env = {"TRACER_CACHE_DIR": str(cache)}
    runs.append(measure("trace startup (`trace --version`)", [*TRACE, "--version"]))
    for label in ("cold", "warm"):
        runs.append(measure(f"one op, {label}", [*TRACE, "nova", op, *src, "-o", "-"], env, note=op))
    startup, warm = runs[1], runs[-1]
    runs.append(Run("one op, warm, less start-up", max(warm.seconds - startup.seconds, 0.0), warm.peak_mb,
                    warm.ok and startup.ok, "derived: the row above minus `trace --version`"))
    for label in ("cold", "warm"):
        out = work / f"out-{version}-{label}"
        run = measure(f"catalogue, {label}", [*TRACE, "nova", "--all", *src, "-o", str(out), "-j", str(jobs)], env)
        drafted = len(list(out.glob("*.wsd"))) if out.is_dir() else 0
        run.note = f"{drafted} drafts, -j {jobs}" + (f"; {run.note}" if run.note else "")
        runs.append(run)
    if pyan is None:
        runs.append(Run("pyan3, whole tree", 0.0, 0.0, False, "not run: could not install pyan3 from PyPI"))
    else:
        runs.append(measure("pyan3, whole tree", [str(pyan), *good, "--uses", "--no-defines", "--dot"],
                            note=f"{len(good)} modules (the files ast parses)"))
    return runs


def table(results: dict[str, list[Run]], op: str, jobs: int) -> str:
    lines = [f"Nova from PyPI; {os.cpu_count()} cores, `-j {jobs}`; `{op}` as the one operation; each row one process, "
             "wall clock including interpreter start-up; ratio = time / stdlib-ast whole-tree parse "
             "in the same run; peak = largest RSS of the process or one of its workers.", "",
             "| release | what | time (s) | ratio | aim | peak (MB) | note |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for version, runs in results.items():
        base = runs[0].seconds
        for run in runs:
            aim = AIMS.get(run.what)
            aim_text = f"<= {aim:g}x {'met' if run.ok and run.seconds / base <= aim else 'MISSED'}" if aim else ""
            ratio = f"{run.seconds / base:.2f}x" if run.ok else "-"
            time_text = f"{run.seconds:.2f}" if run.ok else "-"
            lines.append(f"| {version} | {run.what} | {time_text} | {ratio} | {aim_text} | "
                         f"{run.peak_mb:.0f} | {run.note} |")
    return "\n".join(lines) + "\n"


def release_tree(version: str) -> Path:
    sys.path.insert(0, str(REPO / "tests" / "realtree"))
    from conftest import release_tree as fetch  # the tests' PyPI download, cached
    return fetch("nova", version)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", nargs="+", default=["15.1.5", "34.0.0"])
    ap.add_argument("--op", default="pause")
    ap.add_argument("-j", "--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--no-pyan", action="store_true", help="Skip the pyan3 peer.")
    ap.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="trace-bench-") as tmp:
        work = Path(tmp)
        pyan = None if args.no_pyan else pyan_venv(work)
        results = {v: bench_tree(v, release_tree(v), args.op, args.jobs, pyan, work) for v in args.versions}
    text = "# trace benchmark\n\n" + table(results, args.op, args.jobs) + \
        "\nRun: `.venv/bin/python benchmarks/trace_bench.py` (downloads the sdists and pyan3 once).\n"
    old = args.output.read_text() if args.output.is_file() else ""
    kept = old[old.find("<!-- fidelity:"):] if "<!-- fidelity:" in old else ""  # fidelity_bench.py's sections
    args.output.write_text(text + ("\n" + kept if kept else ""))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
