"""Render many .wsd files: find them, map outputs, skip fresh ones, write atomically.

One bad file becomes a failed `Outcome`, never an exception that stops the rest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

from tracer.files import write_atomic
from tracer.problems import Problem, TracerError
from tracer.render.layout import layout
from tracer.render.online import OnlineOptions, ServiceError, render_online
from tracer.render.png import render_png
from tracer.render.svg import SourceLinks, render_svg
from tracer.wsd.model import Diagram
from tracer.wsd.parse import Parsed, parse_file
from tracer.wsd.reader import read_wsd

OFFLINE_FORMATS = ("svg", "png")


@dataclass(frozen=True)
class RenderOptions:
    formats: tuple[str, ...] = ("svg",)
    renderer: Literal["offline", "online"] = "offline"
    force: bool = False
    scale: float = 1.0
    links: SourceLinks | None = None
    embed_font: bool = True
    online: OnlineOptions = field(default_factory=OnlineOptions)


@dataclass(frozen=True)
class Job:
    source: Path
    outputs: tuple[Path, ...]  # one per RenderOptions.formats, in that order


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: Literal["rendered", "skipped", "failed"]
    warnings: tuple[Problem, ...] = ()
    error: str | None = None


def find_jobs(paths: Iterable[Path], out_dir: Path, formats: tuple[str, ...]) -> list[Job]:
    """One job per .wsd file; outputs mirror the tree under the given folder
    (several: under the folder they share, so `PROJECT/ocata PROJECT/2026.2` keep
    their release folders apart)."""
    found: list[tuple[Path, Path]] = []  # (file, its folder as given)
    for path in paths:
        if path.is_dir():
            found += [(f, path) for f in sorted(path.rglob("*.wsd"))]
        elif path.exists():  # read_wsd refuses what is not a regular file, with the reason
            found.append((path, path.parent))
        else:
            raise TracerError(f"{path}: no such file or folder", 2)
    roots = {os.path.abspath(root) for _, root in found}
    base = os.path.commonpath(roots) if roots else ""
    jobs: dict[str, Job] = {}  # by the file's absolute path: one given twice is drawn once
    for f, _ in found:
        where = os.path.abspath(f)
        rel = Path(os.path.relpath(where, base)).with_suffix("")
        jobs.setdefault(where, Job(f, tuple(out_dir / f"{rel}.{fmt}" for fmt in formats)))
    return list(jobs.values())


def is_fresh(job: Job) -> bool:
    """Every output exists and is newer than its source."""
    src = job.source.stat().st_mtime_ns
    return all(o.is_file() and o.stat().st_mtime_ns > src for o in job.outputs)


def draw_offline(diagram: Diagram, fmt: str, opts: RenderOptions) -> bytes:
    lay = layout(diagram)
    if fmt == "svg":
        return render_svg(lay, opts.links, opts.embed_font).encode("utf-8")
    if fmt == "png":
        return render_png(lay, opts.scale)
    raise TracerError(f"offline renderer draws svg and png, not {fmt}; try --renderer online", 2)


def render_job(job: Job, opts: RenderOptions) -> tuple[Problem, ...]:
    """Render one file to all its outputs; returns the warnings, raises TracerError."""
    parsed = parse_file(job.source)
    warnings = list(parsed.problems)
    for out, fmt in zip(job.outputs, opts.formats):
        data, more = draw(job.source, parsed, fmt, opts)
        warnings += more
        write_atomic(out, data)
    return tuple(warnings)


def draw(source: Path, parsed: Parsed, fmt: str, opts: RenderOptions) -> tuple[bytes, list[Problem]]:
    """One picture of a parsed file, with the online renderer's warnings."""
    if opts.renderer == "online":
        result = render_online(read_wsd(source), fmt, opts.online)
        return result.image, [Problem(str(source), n, m) for n, m in result.errors]
    return draw_offline(parsed.diagram, fmt, opts), []


def run(jobs: list[Job], opts: RenderOptions,
        each: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    """Render every job that needs it; `each` sees every outcome as it comes."""
    outcomes = []
    for job in jobs:
        outcome = _one(job, opts)
        each(outcome)
        outcomes.append(outcome)
    return outcomes


def _one(job: Job, opts: RenderOptions) -> Outcome:
    if not opts.force and is_fresh(job):
        return Outcome(job, "skipped")
    try:
        return Outcome(job, "rendered", render_job(job, opts))
    except ServiceError as err:
        lines = [f"{job.source}:{n}: {m}" if n else f"{job.source}: {m}" for n, m in err.errors]
        return Outcome(job, "failed", error="\n".join(lines))
    except TracerError as err:
        return Outcome(job, "failed", error=_located(job, str(err)))
    except OSError as err:
        return Outcome(job, "failed", error=f"{job.source}: cannot write ({err.strerror})")
    except Exception as err:  # a renderer bug must not stop the other files
        return Outcome(job, "failed", error=f"{job.source}: internal error: {type(err).__name__}: {err}")


def _located(job: Job, message: str) -> str:
    """Errors that do not name the file yet get `file.wsd: ` in front."""
    return message if message.startswith(str(job.source)) else f"{job.source}: {message}"
