"""Draft every operation of a tree (`trace PROJECT --all`), across processes.

Each worker process (`workers`) builds its own `Project` on the same tree and
shares the index cache on disk. One operation failing never stops the others,
nor does a worker dying while it drafts one (that operation fails with what
ended it); stopping the parent stops the workers. The outcome of each is
written by the parent, and reported in the order of operation names.
"""

from __future__ import annotations

import gc
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from tracer.analysis.limits import Limits
from tracer.files import write_atomic
from tracer.index.cache import IndexCache
from tracer.pipeline import Project
from tracer.problems import TracerError
from tracer.rules import load_rules
from tracer.workers import cores, pooled

try:
    import resource
except ImportError:  # not on Unix
    resource = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Setup:
    """What a worker needs to open the same project the parent opened."""

    project: str
    root: Path
    options: dict[str, str] | None = None
    cache_dir: Path | None = None
    depth: int = Limits.depth
    granularity: str | None = None
    services: tuple[tuple[str, Path], ...] = ()  # other services' trees walked into
    detail: str = "normal"  # --detail

    def open(self) -> Project:
        cache = IndexCache(self.cache_dir) if self.cache_dir else None
        project = Project(load_rules(self.project), self.root, self.options, cache)
        for name, root in self.services:
            project.with_service(Project(load_rules(name), root, None, cache))
        return project


@dataclass(frozen=True)
class Outcome:
    """One operation drafted (`text`) or not (`error`), with the tree's warnings."""

    name: str
    text: str | None
    error: str | None
    problems: tuple[str, ...] = ()


@dataclass
class Summary:
    drafted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (op, reason)
    problems: set[str] = field(default_factory=set)

    def line(self) -> str:
        return f"drafted {len(self.drafted)}, skipped {len(self.skipped)} (exist), failed {len(self.failed)}"


def draft_one(project: Project, name: str, setup: Setup) -> Outcome:
    """Draft one operation; any failure becomes the outcome's one-line reason."""
    try:
        drafted = project.drafted(name, Limits(depth=setup.depth, detail=setup.detail), setup.granularity)
        return Outcome(name, drafted.text, None, tuple(drafted.problems))
    except TracerError as err:
        return Outcome(name, None, str(err), tuple(project.tree.problems))
    except Exception as err:  # a bug in one walk must not stop the catalogue
        return Outcome(name, None, f"internal error: {type(err).__name__}: {err}", tuple(project.tree.problems))


def output_path(out_dir: Path, name: str) -> Path:
    return out_dir / file_name(name)


MAX_FILE_NAME = 200  # bytes; file systems take 255, and write_atomic's temporary name is 10 more


def file_name(name: str) -> str:
    """An operation's draft file: its name, with what would lead out of the
    folder (a route's `/`, a tree's `../x` or `/tmp/x` in a decorator) as `_`;
    a name too long for a file is cut, with a digest of it to stay unique."""
    safe = "".join("_" if c in "/\\\0" else c for c in name)
    data = safe.encode("utf-8", "surrogatepass")
    if len(data) + len(".wsd") <= MAX_FILE_NAME:
        return safe + ".wsd"
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    cut = data[:MAX_FILE_NAME - len(f"-{digest}.wsd")].decode("utf-8", "ignore")  # no half a character
    return f"{cut}-{digest}.wsd"


def draft_all(setup: Setup, names: list[str], out_dir: Path, force: bool, jobs: int,
              tick: Callable[[str], None] = lambda name: None) -> Summary:
    """Draft `names` into `out_dir`, skipping existing files unless `force`."""
    summary = Summary()
    todo = []
    files: dict[Path, str] = {}
    for name in sorted(names):
        path = output_path(out_dir, name)
        if files.setdefault(path, name) != name:  # `a/b` and `a_b`
            summary.failed.append((name, f"its file {path.name} is {files[path]}'s; drafted as {files[path]} only"))
            continue
        # a link there, even one to nowhere, is the user's: kept as any file is
        (todo if force or not (path.exists() or path.is_symlink()) else summary.skipped).append(name)
    for name in summary.skipped:
        tick(name)
    for outcome in _outcomes(setup, todo, jobs):
        _record(summary, outcome, out_dir, force)
        tick(outcome.name)
    summary.drafted.sort()
    summary.failed.sort()
    return summary


def _record(summary: Summary, outcome: Outcome, out_dir: Path, force: bool) -> None:
    summary.problems.update(outcome.problems)
    if outcome.text is None:
        summary.failed.append((outcome.name, outcome.error or "unknown failure"))
        return
    try:
        write_atomic(output_path(out_dir, outcome.name), outcome.text, replace=force)
    except FileExistsError:  # made by someone else since the batch began
        summary.failed.append((outcome.name, "its file appeared while this ran; not overwritten (--force replaces it)"))
        return
    except OSError as err:  # this one file: a name the file system refuses, ...
        summary.failed.append((outcome.name, f"cannot write {output_path(out_dir, outcome.name).name} "
                                             f"({err.strerror or err})"))
        return
    summary.drafted.append(outcome.name)


def _outcomes(setup: Setup, names: list[str], jobs: int) -> Iterator[Outcome]:
    """Outcomes in this process for one job, else from worker processes as
    they finish."""
    if jobs <= 1 or len(names) <= 1:
        project = setup.open()
        collecting = gc.isenabled()
        gc.disable()
        since = [_peak()]
        try:
            yield from (_collected(draft_one(project, name, setup), since) for name in names)
        finally:
            gc.unfreeze()
            if collecting:
                gc.enable()
        return
    yield from pooled(_open, setup, _work, names, jobs, _died)


# A batch keeps its index and its kept walks to the end, and Python's
# automatic collections scan every object alive, again and again: they cost
# a tenth of a batch and find little (a cold batch of a large tree's 187
# operations peaks at 223 MB with no collection at all, 217 MB collecting
# every 20 drafts). A batch collects only when its peak memory has grown by
# COLLECT_GROWTH since it last did (or began), and what outlives a
# collection is not scanned again (gc.freeze).
COLLECT_GROWTH = 256 << 20


def _collected(outcome: Outcome, since: list[int]) -> Outcome:
    """`since[0]`: the peak memory at the last collection."""
    if _peak() - since[0] >= COLLECT_GROWTH:
        gc.collect()
        gc.freeze()
        since[0] = _peak()
    return outcome


def _peak() -> int:
    """This process's peak memory in bytes (0 where it cannot be read)."""
    if resource is None:  # not on Unix
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _open(setup: Setup) -> tuple[Project, Setup, list[int]]:
    gc.disable()  # a worker's whole life is a batch
    return setup.open(), setup, [_peak()]


def _work(opened: tuple[Project, Setup, list[int]], name: str) -> Outcome:
    project, setup, since = opened
    return _collected(draft_one(project, name, setup), since)


def _died(name: str, why: str) -> Outcome:
    return Outcome(name, None, f"{why}; nothing drafted", ())


def default_jobs() -> int:
    """The cores this process may use."""
    return cores()
