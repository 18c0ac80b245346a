"""Real OpenStack releases from PyPI, downloaded once into a cache.

The cache is $TRACER_TEST_CACHE, else ~/.cache/tracer/test-sources. An
sdist is unpacked into a temporary folder and renamed into place, so an
interrupted run leaves nothing half-made.
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
from tracer.rules import load_rules


def cache_dir() -> Path:
    env = os.environ.get("TRACER_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "tracer" / "test-sources"


def release_tree(project: str, version: str) -> Path:
    """The unpacked sdist of project==version (downloaded with pip once)."""
    root = cache_dir()
    final = root / f"{project}-{version}"
    if (final / project).is_dir():
        return final
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", f"{project}=={version}", "-d", tmp],
                       check=True, stdin=subprocess.DEVNULL)
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
