"""Score drafts of real Liberty Nova against the hand-drawn reference diagrams.

    .venv/bin/python benchmarks/fidelity_bench.py [--source TREE] [--detail LEVEL] [--label current]

Each reference diagram (../shared/reference/openstack-workflow/nova/OP.wsd,
Liberty) names a `trace nova OP` operation. The script drafts OP from the
tree with the installed `trace`, scores the draft with
`trace diff --json REFERENCE DRAFT`, and prints a Markdown table: the share of
the reference's steps the draft has (recall), the share of the draft's steps
the reference has (precision), F1, and the length ratio (draft steps /
reference steps; steps, not lines, so layout and blank lines do not count).
A step counts as found when diff pairs it, equal or changed (similar wording
between the same participants); the exact F1 counts equal steps only.

The table goes into benchmarks/RESULTS.md between `<!-- fidelity:LABEL:... -->`
markers (other sections are kept). `--save-baseline` also writes each
operation's F1 to benchmarks/fidelity_baseline.json; later runs check the
watched operations (pause, suspend, lock) against it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REFERENCE = REPO / ".." / "shared" / "reference" / "openstack-workflow" / "nova"
BASELINE = HERE / "fidelity_baseline.json"
ALIASES = ["glance_api=glance", "cinder_api=cinder",  # the references' names for services the drafts name plainly
           "libvirt_src=libvirt", "libvirt_dest=libvirt"]  # and one hypervisor where the drafts draw one per host
WATCHED = ["pause", "suspend", "lock"]
AIMS = {"mean F1": (">=", 0.7), "median length ratio": ("<=", 1.3), "max length ratio": ("<=", 2.0)}


@dataclass
class Score:
    op: str
    ref_steps: int = 0
    draft_steps: int = 0
    recall: float = 0.0
    precision: float = 0.0
    exact_f1: float = 0.0
    error: str = ""

    @property
    def f1(self) -> float:
        return _f1(self.recall, self.precision)

    @property
    def ratio(self) -> float:
        return self.draft_steps / self.ref_steps if self.ref_steps else 0.0


def _f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def trace_command() -> list[str]:
    """The installed `trace`: beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "trace"
    found = str(beside) if beside.is_file() else shutil.which("trace")
    if not found:
        sys.exit("fidelity_bench: no `trace` command found; run `make` first")
    return [found]


def default_source() -> Path:
    """The tree `trace fetch nova liberty` caches, when it is there."""
    from tracer.fetch import cached
    from tracer.releases import resolve
    root = cached(resolve("nova", "liberty"))
    if root is None:
        sys.exit("fidelity_bench: no Liberty Nova in the cache; run `trace fetch nova liberty` or pass --source TREE")
    return root


def draft_options(trace: list[str], detail: str | None) -> list[str]:
    """`--detail LEVEL` when asked for; an error when this `trace` does not take it yet."""
    if detail is None:
        return []
    help_text = subprocess.run([*trace, "nova", "--help"], capture_output=True, text=True).stdout
    if "--detail" not in help_text:
        sys.exit(f"fidelity_bench: this trace has no --detail option; run without --detail {detail}")
    return ["--detail", detail]


def score(op: str, ref: Path, tree: Path | None, trace: list[str], options: list[str], work: Path) -> Score:
    """Draft `op` into `work` (or, without a tree, score the draft already there)."""
    draft = work / f"{op}.wsd"
    if tree is not None:
        made = subprocess.run([*trace, "nova", op, "--source", str(tree), "-o", str(draft), "--force", *options],
                              capture_output=True, text=True)
        if made.returncode != 0 or not draft.is_file():
            return Score(op, error=_last_line(made.stderr) or f"trace exited {made.returncode}")
    elif not draft.is_file():
        return Score(op, error=f"no {draft}")
    aliases = [arg for pair in ALIASES for arg in ("--alias", pair)]
    compared = subprocess.run([*trace, "diff", "--json", *aliases, str(ref), str(draft)],
                              capture_output=True, text=True)
    if compared.returncode not in (0, 1):
        return Score(op, error=_last_line(compared.stderr) or f"trace diff exited {compared.returncode}")
    doc = json.loads(compared.stdout)
    totals = {side: sum(c[f"total_{side}"] for c in doc["stat"].values()) for side in ("a", "b")}
    shares = doc["shares"]
    return Score(op, totals["a"], totals["b"], shares["a_found_in_b"] / 100, shares["b_found_in_a"] / 100,
                 _f1(shares["a_equal_in_b"] / 100, shares["b_equal_in_a"] / 100))


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:160] if lines else ""


def table(scores: list[Score], watched: list[str], baseline: dict[str, float] | None) -> str:
    """The per-operation rows and the aggregates with their aims; `baseline` None: this run is it."""
    lines = ["| operation | reference steps | draft steps | recall | precision | F1 | exact F1 | length ratio |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in scores:
        if s.error:
            lines.append(f"| {s.op} | - | - | - | - | - | - | - | {s.error} |")
            continue
        mark = " (watched)" if s.op in watched else ""
        lines.append(f"| {s.op}{mark} | {s.ref_steps} | {s.draft_steps} | {s.recall:.2f} | {s.precision:.2f} | "
                     f"{s.f1:.2f} | {s.exact_f1:.2f} | {s.ratio:.2f} |")
    lines += ["", "| aggregate | value | aim |", "| --- | ---: | --- |"]
    ok = [s for s in scores if not s.error]
    untuned = [s for s in ok if s.op not in watched]
    figures = {
        "mean F1": statistics.fmean(s.f1 for s in ok) if ok else 0.0,
        "median length ratio": statistics.median(s.ratio for s in ok) if ok else 0.0,
        "max length ratio": max((s.ratio for s in ok), default=0.0),
    }
    for name, value in figures.items():
        sign, aim = AIMS[name]
        met = value >= aim if sign == ">=" else value <= aim
        lines.append(f"| {name} | {value:.2f} | {sign} {aim:g} {'met' if met and len(ok) == len(scores) else 'MISSED'} |")
    if untuned:
        lines.append(f"| mean F1, operations not watched ({len(untuned)}) | "
                     f"{statistics.fmean(s.f1 for s in untuned):.2f} |  |")
    lines.append(f"| operations above 2x | {sum(s.ratio > 2 for s in ok)} of {len(ok)} |  |")
    for op in watched:
        now = next((s for s in ok if s.op == op), None)
        if now is None:
            continue
        before = baseline.get(op) if baseline is not None else None
        aim = "this run is the baseline" if baseline is None else "no baseline saved" if before is None else \
            f"no worse than the baseline's {before:.2f}: {'met' if now.f1 >= before - 0.005 else 'MISSED'}"
        lines.append(f"| {op} F1 | {now.f1:.2f} | {aim} |")
    if len(ok) < len(scores):
        lines.append(f"| drafts that failed | {len(scores) - len(ok)} | none |")
    return "\n".join(lines) + "\n"


def write_section(results: Path, label: str, heading: str, body: str) -> None:
    """Replace (or append) the section between this label's markers; the rest of the file stays."""
    start, end = f"<!-- fidelity:{label}:start -->", f"<!-- fidelity:{label}:end -->"
    block = f"{start}\n{heading}\n\n{body}{end}\n"
    text = results.read_text() if results.is_file() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block
    tmp = results.with_suffix(".md.tmp")
    tmp.write_text(text.lstrip("\n"))
    tmp.replace(results)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, help="Liberty Nova tree (default: `trace fetch nova liberty`'s cache)")
    ap.add_argument("--reference", type=Path, default=REFERENCE, help="Folder of the hand-drawn OP.wsd files.")
    ap.add_argument("--detail", help="Passed to `trace nova OP --detail LEVEL` (left out when not given).")
    ap.add_argument("--watched", default=",".join(WATCHED), help="Operations that must not get worse (comma list).")
    ap.add_argument("--label", default="current", help="Which section of RESULTS.md to write (baseline, current...).")
    ap.add_argument("--title", default="", help="Heading of the section (default from the label).")
    ap.add_argument("--note", default="", help="A sentence added to the section (how this run was made).")
    ap.add_argument("--drafts", type=Path, help="Score the OP.wsd drafts in this folder (made earlier, by "
                    "another version say) instead of drafting.")
    ap.add_argument("--save-baseline", action="store_true", help=f"Also write each F1 to {BASELINE.name}.")
    ap.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--no-write", action="store_true", help="Print the table only.")
    args = ap.parse_args()
    refs = sorted(args.reference.glob("*.wsd")) if args.reference.is_dir() else []
    if not refs:
        sys.exit(f"fidelity_bench: no reference diagrams in {args.reference}; pass --reference DIR")
    tree = None if args.drafts else args.source or default_source()
    if tree is not None and not (tree / "nova" / "__init__.py").is_file():
        sys.exit(f"fidelity_bench: {tree}: no nova/ package there; give --source the folder holding nova/")
    trace = trace_command()
    options = draft_options(trace, args.detail)
    watched = [w for w in args.watched.split(",") if w]
    baseline = json.loads(BASELINE.read_text()) if BASELINE.is_file() else {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fidelity-") as tmp:
        scores = [score(ref.stem, ref, tree, trace, options, args.drafts or Path(tmp)) for ref in refs]
    version = subprocess.run([*trace, "--version"], capture_output=True, text=True).stdout.strip()
    detail = f" --detail {args.detail}" if args.detail else ""
    made = f"drafted from `{tree.name}` (`trace nova OP{detail}`, {version}, {time.perf_counter() - started:.0f} s)" \
        if tree is not None else f"drafts read from `{args.drafts}`"
    body = (f"{len(scores)} Nova operations with a hand-drawn Liberty diagram, {made} and scored with "
            f"`trace diff --json {' '.join('--alias ' + a for a in ALIASES)} REFERENCE DRAFT`. Recall = share "
            "of the reference's steps the draft has, precision = share of the draft's steps the reference has "
            "(equal or changed wording between the same participants; exact F1 counts equal wording only); "
            "length ratio = draft steps / reference steps. Watched operations must not get worse than the "
            "baseline." + (f" {args.note}" if args.note else "") + "\n\n" + table(scores, watched, None if args.save_baseline else baseline))
    body += "\nRun: `.venv/bin/python benchmarks/fidelity_bench.py [--source TREE] [--detail LEVEL] [--label NAME]`.\n"
    heading = "## Fidelity: " + (args.title or args.label)
    print(f"{heading}\n\n{body}")
    if args.save_baseline:
        BASELINE.write_text(json.dumps({s.op: round(s.f1, 4) for s in scores if not s.error}, indent=2) + "\n")
    if not args.no_write:
        write_section(args.output, args.label, heading, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
