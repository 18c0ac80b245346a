"""Time `trace diff` on long diagrams, as a ratio to reading them.

    .venv/bin/python benchmarks/diff_bench.py [--rounds 3]

Each case is a pair of generated diagrams (seeded: the same every run):
B is A with a tenth of its steps reworded and a twentieth left out. The
yardstick, in the same run, is reading and parsing both files in a fresh
interpreter (what diff must do before it pairs anything); the ratio is the
median diff time over the median yardstick. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARTICIPANTS = ["api", "compute", "conductor", "scheduler", "libvirt"]
WORDS = "pause resume get instance build save claim notify start end check host volume attach detach".split()
CASES = [  # (steps a side, sections of 20 steps under anchors?, how B differs)
    (1_000, True, "reworded"), (5_000, True, "reworded"), (20_000, True, "reworded"),
    (5_000, False, "reworded"), (20_000, False, "reworded"), (40_000, False, "every other"),
]


def diagram(steps: int, anchored: bool, changed: str, seed: int) -> str:
    """Messages between five participants; seed 0 is A, any other B."""
    base, edit = random.Random(1), random.Random(seed)
    lines, last = [], None
    for n in range(steps):
        if changed == "every other":
            lines.append(f"a->b: call {'numbr' if seed and n % 2 else 'number'} {n}")
            continue
        src, dst = base.sample(PARTICIPANTS, 2)
        text = " ".join(base.sample(WORDS, 3))
        if seed and edit.random() < 0.1:
            text = " ".join(edit.sample(WORDS, 3))
        if seed and edit.random() < 0.05:
            continue
        if anchored and n // 20 != last:
            last = n // 20
            lines.append(f"# pkg/mod{last % 50}.py step{last}()")
        lines.append(f"{src}->{dst}: {text}")
    return "\n".join(lines) + "\n"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    trace = str(Path(sys.executable).with_name("trace"))
    print("| steps a side | anchors | B differs by | diff (s) | read both (s) | ratio |")
    print("| ---: | --- | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for steps, anchored, changed in CASES:
            a, b = Path(tmp, "a.wsd"), Path(tmp, "b.wsd")
            a.write_text(diagram(steps, anchored, changed, 0))
            b.write_text(diagram(steps, anchored, changed, 5))
            read = [sys.executable, "-c", "import sys; from tracer.wsd.parse import parse_file; "
                    "[parse_file(__import__('pathlib').Path(p)) for p in sys.argv[1:]]", str(a), str(b)]
            diffs, reads = [], []
            for _ in range(rounds):  # alternating: the machine's noise falls on both
                reads.append(timed(read))
                diffs.append(timed([trace, "diff", "--stat", str(a), str(b)]))
            d, r = statistics.median(diffs), statistics.median(reads)
            print(f"| {steps:,} | {'yes' if anchored else 'no'} | {changed} | {d:.2f} | {r:.2f} | {d / r:.1f}x |")


if __name__ == "__main__":
    main()
