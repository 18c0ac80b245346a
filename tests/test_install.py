"""A real install: build the wheel from this tree, install it into a fresh
virtual environment and run `trace` from a folder outside the repository.

The wheel is built with the build backend of the test environment and
installed without its dependencies, which the fresh environment reads from
the test environment's site-packages (a path in a .pth file, so that
environment's editable install of tracer is not seen): no network needed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds; generous, so that a hang fails instead of blocking


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding tracer's wheel."""
    base = tmp_path_factory.mktemp("install")
    # build from a copy, so the shared checkout gets no build/ or egg-info
    src = base / "src"
    ignore = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".hypothesis", "output", "diagrams", "tests", "benchmarks")
    shutil.copytree(ROOT, src, symlinks=True, ignore=ignore)
    wheels = base / "wheels"
    built = sh(sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "--no-index",
               "-w", wheels, src, cwd=base)  # -v: the build backend's warnings are shown
    assert built.returncode == 0, built.stdout + built.stderr
    assert "deprecat" not in (built.stdout + built.stderr).lower(), built.stdout + built.stderr
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)}))
    (purelib / "test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    wheel = next(wheels.glob("tracer-*.whl"))
    done = sh(sys.executable, "-m", "pip", "--python", env_dir / "bin" / "python", "install", "--no-deps",
              "--no-index", wheel, cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return env_dir / "bin"


@pytest.fixture
def elsewhere(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder outside the repository and an environment without the
    repository's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACER_") or k == "TRACER_CACHE_DIR"}
    return tmp_path, env


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path, elsewhere):
    cwd, env = elsewhere
    where = sh(installed / "python", "-c", "import tracer; print(tracer.__file__)", cwd=cwd, env=env)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.parent)


def test_trace_a_copied_tree_from_another_folder(installed: Path, elsewhere):
    cwd, env = elsewhere
    tree = cwd / "tree"
    shutil.copytree(ROOT / "fixtures" / "liberty", tree)
    result = sh(installed / "trace", "nova", "pause", "--source", tree, "-o", "-", cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("title pause a server\n")
    assert re.search(r"^nova_api-+>+\+?nova_compute: pause_instance$", result.stdout, re.M)


def test_the_bundled_fixture_and_rules_ship_in_the_wheel(installed: Path, elsewhere):
    cwd, env = elsewhere
    result = sh(installed / "trace", "nova", "pause", "-o", "-", cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    assert "bundled fixture tree 'liberty'" in result.stderr
    assert re.search(r"^nova_compute-+>+\+?libvirt: pause$", result.stdout, re.M)
    check = sh(installed / "trace", "rules", "check", cwd=cwd, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    for project in ("nova", "cinder", "neutron", "sahara", "magnum"):
        assert f"{project}: rules load" in check.stdout


def test_tracer_rules_dir_overrides_the_shipped_rules(installed: Path, elsewhere):
    cwd, env = elsewhere
    mine = cwd / "my-rules"
    mine.mkdir()
    text = (ROOT / "rules" / "nova.toml").read_text(encoding="utf-8")
    (mine / "nova.toml").write_text(text.replace('title = "', 'title = "mine: ', 1), encoding="utf-8")
    assert text != (mine / "nova.toml").read_text(encoding="utf-8")
    env = {**env, "TRACER_RULES_DIR": str(mine)}
    result = sh(installed / "trace", "nova", "pause", "-o", "-", cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("title mine: pause a server\n")
    check = sh(installed / "trace", "rules", "check", cwd=cwd, env=env)
    assert check.stdout.splitlines()[-1].startswith("nova: rules load")
    assert "cinder" not in check.stdout
