"""Time `trace` on real Nova releases against the stdlib-ast parse of the same tree.

    .venv/bin/python benchmarks/trace_bench.py [--versions 15.1.5 34.0.0 liberty] [--tree NAME=PATH ...]
        [--op pause] [-j 2] [--rounds 3] [--no-pyan] [-o FILE]

For each release: the whole-tree stdlib `ast` parse (the yardstick), trace's
start-up, one operation cold (empty cache) and warm, every operation of the
tree (`--all -j N`) cold (another empty cache) and warm, and the peer pyan3
(installed from PyPI into a throwaway venv) on the same files. A release is
the tree `trace fetch` keeps (liberty, fetched from git), else its sdist from
PyPI (downloaded once, as the real-tree tests do); liberty, not on PyPI, is
left out with a note when it was never fetched. `--tree NAME=PATH` adds any
other tree. Each row is one subprocess: wall-clock time, and the peak RSS
that `wait4` reports for it (the largest of the process and of each worker
it waited for: per process, not summed). Writes benchmarks/RESULTS.md
(keeping its fidelity sections) and prints it.
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
DEFAULT_VERSIONS = ["15.1.5", "34.0.0", "liberty"]
# the aims of issue #16, as ratios to the stdlib-ast parse in the same run
AIMS = {"one op, cold": 2.5, "one op, warm (whole command)": 0.2, "every op, cold": 6.0, "every op, warm": 2.0}
PEAK_AIM_MB = 300  # per process


@dataclass
class Run:
    what: str
    seconds: float
    peak_mb: float
    ok: bool
    note: str = ""
    traced: bool = False  # a run of trace: held to the memory aim
    ratio: float | None = None  # set where rounds pair it with a yardstick of its own; else time / yardstick


def measure(what: str, cmd: list[str], env: dict[str, str] | None = None, note: str = "") -> Run:
    """Run one command as a child; its wall time and peak RSS (wait4: the
    largest of the child and of each descendant it waited for)."""
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


def trace_run(what: str, args: list[str], cache: Path, note: str = "") -> Run:
    run = measure(what, [*TRACE, *args], {"TRACER_CACHE_DIR": str(cache)}, note)
    run.traced = True
    return run


def batch(label: str, src: list[str], jobs: int, cache: Path, out: Path) -> Run:
    """Every operation of the tree into `out`; the note says how many were drawn."""
    run = trace_run(f"every op, {label}", ["nova", "--all", *src, "-o", str(out), "-j", str(jobs)], cache)
    drafted = len(list(out.glob("*.wsd"))) if out.is_dir() else 0
    run.note = f"`--all -j {jobs}`: {drafted} drafts" + (f"; {run.note}" if run.note else "")
    return run


def median(runs: list[Run]) -> Run:
    """The run of median time (the peak: the largest of all); the note
    lists every round's time when there were several."""
    mid = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
    mid.peak_mb, mid.ok = max(r.peak_mb for r in runs), all(r.ok for r in runs)
    if len(runs) > 1:
        mid.note += f"; median of {len(runs)}: " + ", ".join(f"{r.seconds:.2f}" for r in runs)
    return mid


def paired(runs: list[Run], yardsticks: list[Run]) -> Run:
    """`median(runs)`, its ratio the median of each round over the yardstick
    run beside it."""
    ratios = sorted(r.seconds / y.seconds for r, y in zip(runs, yardsticks))
    mid = median(runs)
    mid.ratio = ratios[len(ratios) // 2]
    if len(ratios) > 1:
        mid.note += "; ratio: the median of each round's over its own yardstick (" + \
            ", ".join(f"{r:.2f}x" for r in ratios) + ")"
    return mid


def bench_tree(version: str, root: Path, op: str, jobs: int, rounds: int, pyan: Path | None,
               work: Path) -> list[Run]:
    src = ["--source", str(root)]
    listing = work / f"parsed-{version}.txt"  # written by the child: this process stays small
    yardsticks, batches = [], []
    for n in range(rounds):  # the yardstick and the cold batch, alternating: the machine's mood shared
        yardsticks.append(measure("stdlib ast, whole tree",
                                  [sys.executable, "-c", AST_PARSE, str(root / "nova"), str(listing)]))
        batches.append(batch("cold", src, jobs, work / f"cache-{version}-every-{n}", work / f"out-{version}-cold-{n}"))
    bad, *good = listing.read_text().splitlines()
    for run in yardsticks:
        run.note = f"{len(good)} modules ({bad} py2-era files ast cannot parse)"
    runs = [median(yardsticks)]
    one, every = work / f"cache-{version}-one", work / f"cache-{version}-every-{rounds - 1}"  # each starts empty
    runs.append(trace_run("trace startup (`trace --version`)", ["--version"], work / "cache-startup"))
    runs.append(trace_run("one op, cold", ["nova", op, *src, "-o", "-"], one, op))
    runs.append(trace_run("one op, warm (whole command)", ["nova", op, *src, "-o", "-"], one, op))
    runs.append(trace_run("one op, index warm, drawn anew", ["nova", op, *src, "-o", "-", "--detail", "full"], one,
                          f"{op} --detail full: modules from the cache, the walk run"))
    runs.append(trace_run("one op, cold, `-j 1`", ["nova", op, *src, "-o", "-", "-j", "1"],
                          work / f"cache-{version}-single", f"{op}, no second process indexing"))
    runs.append(paired(batches, yardsticks))
    runs.append(batch("warm", src, jobs, every, work / f"out-{version}-warm"))  # the last cold batch's cache
    if pyan is None:
        runs.append(Run("pyan3, whole tree", 0.0, 0.0, False, "not run (--no-pyan, or pyan3 could not be installed)"))
    else:
        runs.append(measure("pyan3, whole tree", [str(pyan), *good, "--uses", "--no-defines", "--dot"],
                            note=f"{len(good)} modules (the files ast parses)"))
    return runs


def table(results: dict[str, list[Run]], op: str, jobs: int, rounds: int, left_out: list[str]) -> str:
    lines = [f"Nova; {os.cpu_count()} cores, `-j {jobs}`; `{op}` as the one operation; each row one process, "
             "wall clock including interpreter start-up; ratio = time / stdlib-ast whole-tree parse "
             "in the same run; aims from issue #16; peak = the largest RSS of any one process of the row "
             f"(the command or one of its workers, from wait4; not their sum), aim < {PEAK_AIM_MB} MB per "
             "process for trace's rows. Cold rows start from an empty cache each (one for the single "
             f"operation, another for `--all`); the yardstick and every op cold run {rounds} times, "
             "alternating, their medians shown (every op cold's ratio: the median of each round's time over "
             "its own yardstick's); tracer's modules are compiled to bytecode first, as "
             "`pip install` leaves them.", "",
             "| release | what | time (s) | ratio | aim | peak (MB) | memory | note |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for version, runs in results.items():
        base = runs[0].seconds
        for run in runs:
            aim = AIMS.get(run.what)
            times = run.ratio if run.ratio is not None else run.seconds / base
            aim_text = f"<= {aim:g}x {'met' if run.ok and times <= aim else 'MISSED'}" if aim else ""
            ratio = f"{times:.2f}x" if run.ok else "-"
            time_text = f"{run.seconds:.2f}" if run.ok else "-"
            memory = ("met" if run.ok and run.peak_mb < PEAK_AIM_MB else "MISSED") if run.traced else ""
            peak = f"{run.peak_mb:.0f}" if run.ok else "-"
            lines.append(f"| {version} | {run.what} | {time_text} | {ratio} | {aim_text} | {peak} | {memory} | "
                         f"{run.note} |")
    lines += ["", *(f"Left out: {why}" for why in left_out)] if left_out else []
    return "\n".join(lines) + "\n"


def release_tree(version: str) -> Path | None:
    """The tree `trace fetch` keeps for a release, else its sdist from PyPI
    (the tests' download, cached); None for a release only git has, unfetched."""
    from tracer.fetch import cache_root, cached
    from tracer.releases import resolve
    target = resolve("nova", version)
    found = cached(target, cache_root())
    if found is not None or not target.pypi:
        return found
    sys.path.insert(0, str(REPO / "tests" / "realtree"))
    from conftest import release_tree as fetch  # the tests' PyPI download, cached
    return fetch("nova", version)


def named_tree(text: str) -> tuple[str, Path]:
    """NAME=PATH of --tree: a folder holding nova/."""
    name, sep, path = text.partition("=")
    if not sep or not name or not (Path(path) / "nova").is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=PATH, PATH a folder holding nova/")
    return name, Path(path).resolve()


def trees(versions: list[str], named: list[tuple[str, Path]]) -> tuple[dict[str, Path], list[str]]:
    """The trees to time, by name, and why any release was left out."""
    found, left_out = {}, []
    for version in versions:
        root = release_tree(version)
        if root is None:
            left_out.append(f"{version}: not in trace's fetch cache and not on PyPI "
                            f"(`trace fetch nova {version} --git URL|PATH` once, or --tree {version}=PATH)")
        else:
            found[version] = root
    return {**found, **dict(named)}, left_out


RUN_LINE = "Run: `.venv/bin/python benchmarks/trace_bench.py`"


def _after_table(old: str) -> str:
    """What follows this script's table in RESULTS.md (notes and the other
    benchmarks' sections), kept as it is."""
    if RUN_LINE in old:
        return old.split(RUN_LINE, 1)[1].partition("\n")[2].lstrip("\n")
    return old[old.find("<!-- "):] if "<!-- " in old else ""


def compile_bytecode() -> None:
    """tracer's modules compiled to bytecode first, as `pip install` leaves
    them (a checkout run with PYTHONDONTWRITEBYTECODE set would compile them
    again on every run, a tenth of a second a command)."""
    import compileall

    import tracer
    compileall.compile_dir(str(Path(tracer.__file__).parent), quiet=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", nargs="+", default=DEFAULT_VERSIONS,
                    help="Releases (version or name) to time; default: %(default)s.")
    ap.add_argument("--tree", action="append", type=named_tree, default=[], metavar="NAME=PATH",
                    help="Also time this tree (repeatable), e.g. liberty=/work/trees/nova-liberty.")
    ap.add_argument("--op", default="pause")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="Processes for `--all` (the aims are for 2).")
    ap.add_argument("--rounds", type=int, default=3,
                    help="Times the yardstick and the cold `--all` run, alternating; their medians are shown.")
    ap.add_argument("--no-pyan", action="store_true", help="Skip the pyan3 peer.")
    ap.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args()
    roots, left_out = trees(args.versions, args.tree)
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="trace-bench-") as tmp:
        work = Path(tmp)
        pyan = None if args.no_pyan else pyan_venv(work)
        rounds = max(1, args.rounds)
        results = {v: bench_tree(v, root, args.op, args.jobs, rounds, pyan, work) for v, root in roots.items()}
    text = "# trace benchmark\n\n" + table(results, args.op, args.jobs, rounds, left_out) + \
        f"\n{RUN_LINE} (downloads the sdists and pyan3 once).\n"
    old = args.output.read_text() if args.output.is_file() else ""
    kept = _after_table(old)
    args.output.write_text(text + ("\n" + kept if kept else ""))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
