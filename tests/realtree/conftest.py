"""Real OpenStack releases from PyPI, downloaded once into the cache `trace
fetch` uses, so a tree either one fetched serves both.

The cache is $TRACER_TEST_CACHE when set, else trace's own cache root
($TRACER_CACHE_DIR, else $XDG_CACHE_HOME/tracer, else ~/.cache/tracer), read
when this module is imported (the suite then points TRACER_CACHE_DIR at a
private index cache); trees go in its `sources/<project>-<version>`, placed
by tracer.fetch (downloaded and unpacked beside it, renamed into place, so an
interrupted run leaves nothing half-made). The tests download from the
package index only. Where the index cannot be reached, the tests that need a
download are skipped with that reason (once found, the rest skip without
trying again); under CI=true they fail instead.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tracer.fetch import NotFetched, Options, cache_root, cached, fetch, tree_path
from tracer.pipeline import Project
from tracer.releases import resolve
from tracer.rules import load_rules

_TRACE_CACHE = cache_root()  # trace's own, before any test swaps TRACER_CACHE_DIR
_unreachable: list[str] = []  # the reason, once the index was found out of reach
_OPTIONS = Options(timeout=20.0, retries=2, progress=False)


def cache_dir() -> Path:
    """The cache root the real-tree tests share with `trace fetch`."""
    env = os.environ.get("TRACER_TEST_CACHE")
    return Path(env) if env else _TRACE_CACHE


def index_dir() -> Path:
    """An index cache for the tests' `trace --cache-dir`, beside the trees
    (not the user's own index cache)."""
    return cache_dir() / "test-index"


def skip_offline(reason: str) -> None:
    """Skip with the reason; under CI=true, fail loudly instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the real-tree tests must run there)", pytrace=False)
    pytest.skip(reason)


def release_tree(project: str, version: str) -> Path:
    """The unpacked sdist of project==version, fetched from the package index
    into the shared cache once (the release table gives its PyPI name:
    heat is openstack-heat, its tree still heat-VERSION holding heat/)."""
    target = dataclasses.replace(resolve(project, version), pypi=True, urls=())
    root = cache_dir()
    found = cached(target, root)
    if found is not None:
        return found
    if _unreachable:
        skip_offline(_unreachable[0])
    try:
        return fetch(target, options=_OPTIONS, cache=root).root
    except NotFetched as err:
        if not err.unreachable:
            raise
        _unreachable.append(f"cannot reach the package index to download {target.distribution}=={version} "
                            f"(offline?); real-tree tests need it once, into {tree_path(target, root).parent}: {err}")
        skip_offline(_unreachable[0])
        raise  # not reached: skip_offline raises


@pytest.fixture(scope="session")
def nova_15() -> Path:
    return release_tree("nova", "15.1.5")


@pytest.fixture(scope="session")
def nova_34() -> Path:
    return release_tree("nova", "34.0.0")


_PROJECTS: dict[tuple[str, str], Project] = {}


def release_project(project: str, version: str) -> Project:
    """One Project per release for the whole session, so its index is built
    once however many test modules trace it."""
    if (project, version) not in _PROJECTS:
        _PROJECTS[project, version] = Project(load_rules(project), release_tree(project, version))
    return _PROJECTS[project, version]
