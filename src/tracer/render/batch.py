"""Render many .wsd files: find them, map outputs, skip fresh ones, write atomically.

One bad file becomes a failed `Outcome`, never an exception that stops the rest.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

from tracer.problems import Problem, TracerError
from tracer.render.layout import layout
from tracer.render.online import OnlineOptions, ServiceError, render_online
from tracer.render.png import render_png
from tracer.render.svg import SourceLinks, render_svg
from tracer.wsd.model import Diagram
from tracer.wsd.parse import parse_file

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
    outputs: tuple[Path, ...]


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: Literal["rendered", "skipped", "failed"]
    warnings: tuple[Problem, ...] = ()
    error: str | None = None


def find_jobs(paths: Iterable[Path], out_dir: Path, formats: tuple[str, ...]) -> list[Job]:
    """One job per .wsd file; outputs mirror the tree under each given folder."""
    jobs: list[Job] = []
    for path in paths:
        if path.is_dir():
            root, files = path, sorted(path.rglob("*.wsd"))
        elif path.is_file():
            root, files = path.parent, [path]
        else:
            raise TracerError(f"{path}: no such file or folder", 2)
        for f in files:
            rel = f.relative_to(root)
            jobs.append(Job(f, tuple(out_dir / rel.with_suffix("." + fmt) for fmt in formats)))
    return jobs


def is_fresh(job: Job) -> bool:
    """Every output exists and is newer than its source."""
    src = job.source.stat().st_mtime_ns
    return all(o.is_file() and o.stat().st_mtime_ns > src for o in job.outputs)


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
    for out in job.outputs:
        fmt = out.suffix.lstrip(".")
        if opts.renderer == "online":
            text = job.source.read_text(encoding="utf-8-sig")
            result = render_online(text, fmt, opts.online)
            warnings += [Problem(str(job.source), n, m) for n, m in result.errors]
            data = result.image
        else:
            data = draw_offline(parsed.diagram, fmt, opts)
        atomic_write(out, data)
    return tuple(warnings)


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
