"""`trace fetch PROJECT RELEASE --git URL|PATH` against real git repositories
made here: a folder (as a local mirror is), a file:// URL (fetched as a
remote is, shallow), and the release table's default repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.fetch import MARKER

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "liberty"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository of the fixture tree: liberty-eol on the first commit, a later commit on top."""
    work = tmp_path / "nova-repo"
    shutil.copytree(FIXTURE, work)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "liberty")
    git(work, "tag", "-a", "liberty-eol", "-m", "liberty end of life")
    (work / "nova" / "later.py").write_text("LATER = True\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "after liberty")
    return work


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def leftovers(cache: Path) -> list[str]:
    sources = cache / "sources"
    return sorted(p.name for p in sources.iterdir() if p.name.startswith(".")) if sources.is_dir() else []


def test_a_release_from_a_local_repository_lands_in_the_cache_and_traces(repo, cache):
    runner = CliRunner()
    first = runner.invoke(main, ["fetch", "nova", "liberty", "--git", str(repo)])
    assert first.exit_code == 0, first.stderr
    tree = cache / "sources" / "nova-12.0.6"
    assert first.stdout == f"{tree}\n"
    assert f"fetched nova 12.0.6 (liberty) from {repo} at liberty-eol into {tree}" in first.stderr
    assert (tree / "nova" / "compute" / "api.py").read_bytes() == \
        (FIXTURE / "nova" / "compute" / "api.py").read_bytes()
    assert not (tree / "nova" / "later.py").exists()  # the tag's tree, not the branch's
    marker = json.loads((tree / MARKER).read_text())
    assert marker["tag"] == "liberty-eol" and marker["commit"] == git(repo, "rev-parse", "liberty-eol^{commit}")
    assert leftovers(cache) == []
    drafted = runner.invoke(main, ["nova", "pause", "--release", "liberty", "--offline", "-o", "-"])
    assert drafted.exit_code == 0, drafted.stderr
    assert drafted.stdout.startswith("title pause a server\n") and "pause_instance" in drafted.stdout
    again = runner.invoke(main, ["fetch", "nova", "12.0.6", "--git", str(repo)])
    assert again.stdout == first.stdout and "from the cache" in again.stderr


def test_a_release_from_a_url_is_fetched_shallow(repo, cache, tmp_path):
    bare = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--mirror", str(repo), str(bare))
    result = CliRunner().invoke(main, ["fetch", "nova", "liberty", "--git", bare.as_uri()])
    assert result.exit_code == 0, result.stderr
    assert (Path(result.stdout.strip()) / "nova" / "compute" / "manager.py").is_file()
    assert leftovers(cache) == []


def test_without_a_url_the_release_tables_repository_is_used(repo, cache, tmp_path, monkeypatch):
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(ROOT / "rules" / "nova.toml", folder)
    table = (ROOT / "rules" / "_releases.toml").read_text()
    git_line = next(line for line in table.splitlines() if line.startswith("git = "))
    (folder / "_releases.toml").write_text(table.replace(git_line, f'git = "{tmp_path.as_uri()}/{{repo}}.git"'))
    monkeypatch.setenv("TRACER_RULES_DIR", str(folder))
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(tmp_path / "openstack" / "nova.git"))
    result = CliRunner().invoke(main, ["fetch", "nova", "liberty", "--git"])
    assert result.exit_code == 0, result.stderr
    assert f"from {tmp_path.as_uri()}/openstack/nova.git at liberty-eol" in result.stderr


def test_the_offline_message_names_the_git_command(cache):
    result = CliRunner().invoke(main, ["nova", "pause", "--release", "liberty", "--offline", "-o", "-"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "`trace fetch nova 12.0.6 --git URL|PATH` from a git repository of nova" in result.stderr


@pytest.mark.parametrize("where, said", [
    ("missing", "trace: cannot read the git repository {where}: '{where}' does not appear to be a git repository"),
    ("plain", "trace: {where}: not a git repository (--git takes a repository's URL or folder)"),
    ("untagged", "trace: {where} has no tag 'liberty-eol' (the tag of nova 12.0.6 (liberty) in the release "
                 "table); pass a repository of nova that has it"),
    ("untagged-url", "trace: {where} has no tag 'liberty-eol'; pass a repository that has it"),
])
def test_a_bad_repository_or_tag_is_one_line(repo, cache, tmp_path, where, said):
    if where == "missing":
        place = str(tmp_path / "nowhere")
    elif where == "plain":
        (tmp_path / "plain").mkdir()
        place = str(tmp_path / "plain")
    else:
        git(repo, "tag", "-d", "liberty-eol")
        place = str(repo) if where == "untagged" else repo.as_uri()
    result = CliRunner().invoke(main, ["fetch", "nova", "liberty", "--git", place])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == said.format(where=place) + "\n"
    assert leftovers(cache) == [] and not (cache / "sources" / "nova-12.0.6").exists()


def test_without_git_installed_it_says_so(repo, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = CliRunner().invoke(main, ["fetch", "nova", "liberty", "--git", str(repo)])
    assert result.exit_code == 2
    assert result.stderr == "trace: git is not installed (needed for --git): install git, or fetch without --git\n"
