"""Find the source tree to trace: --source, --release (a fetched release),
an environment variable, or the bundled fixture named by the rules."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tracer.bundled import bundled
from tracer.problems import TracerError
from tracer.rules import Rules

FIXTURES = bundled("fixtures")


@dataclass(frozen=True)
class Located:
    root: Path
    how: str   # said once on stderr: which tree is traced and why


def locate(rules: Rules, source: Path | None) -> Located:
    env = f"TRACER_{rules.project.upper()}_SOURCE"
    if source is not None:
        found = Located(source, f"tracing {rules.project} from {source}")
    elif os.environ.get(env):
        found = Located(Path(os.environ[env]), f"tracing {rules.project} from {os.environ[env]} (${env})")
    elif rules.fixture:
        found = Located(FIXTURES / rules.fixture,
                        f"tracing {rules.project} from the bundled fixture tree '{rules.fixture}' "
                        f"(pass --source TREE or set ${env} for a real tree)")
    else:
        raise TracerError(f"no source tree for {rules.project}: pass --source TREE or set ${env}")
    check_tree(found.root, rules.package)
    return found


def locate_release(rules: Rules, what: str, offline: bool = False, cache: Path | None = None) -> Located:
    """The cached tree of a release or version, fetched first unless offline
    (into `cache`; default: the cache's usual place)."""
    from tracer.fetch import fetch  # network code only when asked for
    from tracer.releases import resolve

    fetched = fetch(resolve(rules.project, what), offline=offline, cache=cache)
    check_tree(fetched.root, rules.package)
    return Located(fetched.root, f"{fetched.how}\ntracing {rules.project} from {fetched.root}")


def check_tree(root: Path, package: str) -> None:
    """A tree that holds `package`, readable; else one line saying what to do."""
    try:
        _check_tree(root, package)
    except OSError as err:  # a folder without read or search permission
        where = err.filename or root
        raise TracerError(f"{where}: cannot read ({err.strerror or err}); check the tree's permissions: "
                          "you need to read its folders and files") from None


def _check_tree(root: Path, package: str) -> None:
    if not root.is_dir():
        raise TracerError(f"{root}: no such directory; pass --source a directory that holds {package}/")
    os.scandir(root).close()  # listed by the walk: a folder it cannot list would look empty
    if not (root / package / "__init__.py").is_file():
        raise TracerError(f"{root}: no '{package}/' package in this tree; pass --source the directory "
                          f"that holds {package}/ (a git checkout or an unpacked sdist)")
    os.scandir(root / package).close()
