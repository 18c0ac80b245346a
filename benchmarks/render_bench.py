"""Time the offline renderer over the 18 reference diagrams; print a Markdown table.

    .venv/bin/python benchmarks/render_bench.py [--repeat N]

Parsing is timed apart; layout, SVG and PNG each from the parsed models,
first run and best of N, one core, fonts loaded once beforehand (as in a batch);
the first run measures text widths afresh, later ones hit the width cache.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from tracer.render.fonts import load_fonts
from tracer.render.layout import layout
from tracer.render.png import render_png
from tracer.render.svg import render_svg
from tracer.wsd.parse import parse_file

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "openstack-workflow"


def timings(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The first run (cold text-width caches) and the best of `repeat`."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0], min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = sorted(REFERENCE.glob("*/*.wsd"))
    if not files:
        print(f"no reference diagrams at {REFERENCE}", file=sys.stderr)
        return 1
    load_fonts(), load_fonts(2.0)
    diagrams = [parse_file(f).diagram for f in files]
    rows = [
        ("parse", lambda: [parse_file(f) for f in files]),
        ("layout", lambda: [layout(d) for d in diagrams]),
        ("layout + SVG", lambda: [render_svg(layout(d)) for d in diagrams]),
        ("layout + PNG", lambda: [render_png(layout(d)) for d in diagrams]),
        ("layout + PNG x2", lambda: [render_png(layout(d), 2.0) for d in diagrams]),
    ]
    print(f"{len(files)} reference diagrams, best of {args.repeat}\n")
    print("| step | first run, all (s) | best, all (s) | best, per file (ms) |")
    print("| --- | ---: | ---: | ---: |")
    for name, fn in rows:
        first, fastest = timings(fn, args.repeat)
        print(f"| {name} | {first:.3f} | {fastest:.3f} | {1000 * fastest / len(files):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
