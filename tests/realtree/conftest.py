"""Real OpenStack releases from PyPI, downloaded once into a cache.

The cache is $TRACER_TEST_CACHE, else ~/.cache/tracer/test-sources. An
sdist is unpacked into a temporary folder and renamed into place, so an
interrupted run leaves nothing half-made. Where the package index cannot be
reached, the tests that need a download are skipped with that reason (once
found, the rest skip without trying again); under CI=true they fail instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from tracer.pipeline import Project
from tracer.releases import load_table
from tracer.rules import load_rules


def cache_dir() -> Path:
    env = os.environ.get("TRACER_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "tracer" / "test-sources"


# what pip says when the index is out of reach (not when a release is missing)
OFFLINE_SIGNS = ("Failed to establish a new connection", "Temporary failure in name resolution",
                 "Name or service not known", "Network is unreachable", "No route to host",
                 "ConnectTimeoutError", "Read timed out", "ProxyError", "Connection refused")
_unreachable: list[str] = []  # the reason, once the index was found out of reach


def skip_offline(reason: str) -> None:
    """Skip with the reason; under CI=true, fail loudly instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the real-tree tests must run there)", pytrace=False)
    pytest.skip(reason)


def distribution(project: str) -> str:
    """The project's name on PyPI (the release table's `pypi`: heat is
    openstack-heat); its sdist still holds the project's package (heat/)."""
    names = {p.name: p.dist for p in load_table().projects}
    return names.get(project) or project


def release_tree(project: str, version: str) -> Path:
    """The unpacked sdist of project==version (downloaded with pip once)."""
    dist = distribution(project)
    root = cache_dir()
    final = root / f"{project}-{version}"
    if (final / project).is_dir():
        return final
    if _unreachable:
        skip_offline(_unreachable[0])
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
        # pip names a connection error only when it retries: at least one retry
        env = {**os.environ, "PIP_RETRIES": str(max(1, int(os.environ.get("PIP_RETRIES") or 2)))}
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--timeout", "20",
                               "--no-binary", ":all:", f"{dist}=={version}", "-d", tmp],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            if any(sign in done.stderr for sign in OFFLINE_SIGNS):
                _unreachable.append(f"cannot reach the package index to download {dist}=={version} "
                                    f"(offline?); real-tree tests need it once, then ~/.cache/tracer/test-sources")
                skip_offline(_unreachable[0])
            raise RuntimeError(f"pip download {dist}=={version} failed:\n{done.stderr}")
        sdist = next(Path(tmp).glob("*.tar.gz"))
        with tarfile.open(sdist) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # pragma: no cover - Python before 3.10.12
                tar.extractall(tmp)
        unpacked = next(p for p in Path(tmp).iterdir() if p.is_dir())
        if not final.exists():
            os.replace(unpacked, final)
    return final


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
