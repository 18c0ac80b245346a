"""A release's source from a git repository: `trace fetch PROJECT RELEASE --git URL|PATH`.

The tree at the release's tag (its eol tag where the release table names
one: `liberty-eol`) comes out of `git archive`: from the repository itself
when it is a folder here (a bare mirror will do), else from a shallow fetch
of that one tag into a temporary repository. The tar is unpacked within the
size limit into a temporary folder in the cache and renamed into place, the
same cache and the same whole-trees-only promise as a download.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tracer.fetch import Fetched, Options, cached, place, tree_path
from tracer.problems import TracerError
from tracer.releases import Target
from tracer.scratch import Scratch, sweep
from tracer.unpack import Refused, unpack


def fetch_git(target: Target, repo: str, options: Options = Options()) -> Fetched:
    """The tree of `target` at its tag in `repo` (a URL or a folder), into the cache."""
    sweep(tree_path(target).parent)
    root = cached(target)
    if root is not None:
        return Fetched(root, None, f"using {target.label} from the cache: {root}")
    if shutil.which("git") is None:
        raise TracerError("git is not installed (needed for --git): install git, or fetch without --git")
    local = Path(repo).expanduser()
    where = str(local.resolve()) if local.exists() else repo
    end = time.monotonic() + options.deadline
    with Scratch(tree_path(target).parent) as scratch:
        source = where if local.exists() else _shallow(repo, target.tag, scratch, end)
        commit = _commit(source, where, target)
        archive = scratch.file("git", ".tar")
        _git(["-C", source, "archive", "--format=tar", f"--prefix={target.project}-{target.version}/",
              "-o", str(archive), commit], where, end)
        try:
            tree = unpack(archive, scratch.dir("unpack"), target.package, options.max_size)
        except Refused as err:
            raise TracerError(f"{where} at {target.tag}: {err}") from None
        final = place(tree, target, {"git": where, "tag": target.tag, "commit": commit})
    return Fetched(final, where, f"fetched {target.label} from {where} at {target.tag} into {final}")


def _shallow(url: str, tag: str, scratch: Scratch, end: float) -> str:
    """A temporary bare repository holding only `tag`, fetched from `url`."""
    bare = scratch.dir("git")
    _git(["init", "--quiet", "--bare", str(bare)], url, end)
    _git(["-C", str(bare), "fetch", "--quiet", "--depth", "1", "--no-tags", url,
          f"+refs/tags/{tag}:refs/tags/{tag}"], url, end, missing=tag)
    return str(bare)


def _commit(source: str, where: str, target: Target) -> str:
    """The commit the tag names, or one line saying the repository lacks it."""
    found = subprocess.run(["git", "-C", source, "rev-parse", "--verify", "--quiet",
                            f"refs/tags/{target.tag}^{{commit}}"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, env=_env())
    if found.returncode != 0:
        is_repo = subprocess.run(["git", "-C", source, "rev-parse", "--git-dir"], capture_output=True,
                                 stdin=subprocess.DEVNULL, env=_env()).returncode == 0
        if not is_repo:
            raise TracerError(f"{where}: not a git repository (--git takes a repository's URL or folder)")
        raise TracerError(f"{where} has no tag '{target.tag}' (the tag of {target.label} in the release "
                          f"table); pass a repository of {target.project} that has it")
    return found.stdout.strip()


def _git(args: list[str], where: str, end: float, missing: str | None = None) -> None:
    """Run git; a failure or the deadline is one line naming `where`."""
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              env=_env(), timeout=max(end - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        raise TracerError(f"{where}: git did not finish before the deadline (--deadline to allow more)") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.startswith(("fatal:", "error:"))]
        said = lines[0].split(":", 1)[1].strip() if lines else f"git exited {done.returncode}"
        if missing and ("couldn't find remote ref" in said or "not our ref" in said):
            raise TracerError(f"{where} has no tag '{missing}'; pass a repository that has it")
        raise TracerError(f"cannot read the git repository {where}: {said}")


def _env() -> dict[str, str]:
    """git never asks for a password (a bad URL fails instead of waiting)."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes", "LC_ALL": "C"}
