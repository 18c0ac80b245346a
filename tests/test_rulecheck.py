"""`trace rules check --source TREE`: the rules' glob patterns that match
nothing in the tree are warnings at their line; the ones that match are not."""

from __future__ import annotations

import os
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from tracer.index.tree import SourceTree
from tracer.rulecheck import names_in, patterns, unmatched
from tracer.rules import available_projects, load_rules, parse_rules

REPO = Path(__file__).resolve().parents[1]
TRACE = str(Path(sys.executable).parent / "trace")
FIXTURE = REPO / "fixtures" / "sahara"


def copied_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in (REPO / "rules").glob("*.toml"):
        (rules / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return rules


def check(rules: Path, project: str, tree: Path, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([TRACE, "rules", "check", project, "--source", str(tree), "--cache-dir", str(cache)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TRACER_RULES_DIR": str(rules)})


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_a_pattern_added_that_matches_nothing_is_reported_at_its_line(tmp_path: Path):
    rules = copied_rules(tmp_path)
    sahara = rules / "sahara.toml"
    text = sahara.read_text(encoding="utf-8")
    text = text.replace('"*.warning", "*.error", "*.exception"]',
                        '"*.warning", "*.error", "*.exception",\n         "*.never_called_anywhere"]', 1)
    text = text.replace('[[notes]]\ndecorator = "v.validate"',
                        '[[notes]]\ndecorator = "nowhere.decorated"\ntext = "x"\n\n[[notes]]\ndecorator = "v.validate"', 1)
    text = text.replace('modules = ["sahara.plugins.*.*"]', 'modules = ["sahara.plugins.*.*", "sahara.nowhere.*"]', 1)
    sahara.write_text(text, encoding="utf-8")
    run = check(rules, "sahara", FIXTURE, tmp_path / "cache")
    assert run.returncode == 0, run.stdout + run.stderr  # warnings, not failures: a pattern may suit another release
    said = run.stdout.splitlines()
    where = f"{sahara}:{line_of(sahara, '*.never_called_anywhere')}"
    assert f"warning: {where}: [skip] calls '*.never_called_anywhere' matches nothing in {FIXTURE}" in said
    where = f"{sahara}:{line_of(sahara, 'nowhere.decorated')}"
    assert any(line.startswith(f"warning: {where}: [[notes]] #") and
               line.endswith(f" decorator 'nowhere.decorated' matches nothing in {FIXTURE}") for line in said)
    where = f"{sahara}:{line_of(sahara, 'sahara.nowhere.*')}"
    assert f"warning: {where}: [[participants]] #3 modules 'sahara.nowhere.*' matches nothing in {FIXTURE}" in said
    # the cache given holds the indexed modules, so a second run reads them instead of parsing
    assert any((tmp_path / "cache").rglob("*")), "nothing written into --cache-dir"


def test_the_shipped_rules_on_their_fixture_do_not_report_what_matches(tmp_path: Path):
    run = check(REPO / "rules", "sahara", FIXTURE, tmp_path / "cache")
    assert run.returncode == 0, run.stdout + run.stderr
    reported = [line for line in run.stdout.splitlines() if "matches nothing" in line]
    for used in ("'sahara.api.*'", "'*.status_notify'", "'*.get_plugin'", "'*quotas.check_cluster'",
                 "'acl.enforce'", "'v.validate'", "'*change_cluster_status'", "'sahara.conductor.api.LocalApi.*'",
                 "'sahara.context.*'"):
        assert not any(used in line for line in reported), used
    # the fixture writes no logging: those skip patterns match nothing there, and say so
    assert any("[skip] calls 'LOG.*' matches nothing" in line for line in reported)
    assert f"sahara: {len(reported)} patterns match nothing in {FIXTURE}" in run.stdout


@pytest.mark.parametrize("project", [p for p in available_projects(REPO / "rules")
                                     if load_rules(p, REPO / "rules").fixture])
def test_a_module_pattern_some_fixture_file_matches_is_not_reported(project: str):
    """Checked against the files themselves, not the index."""
    rules = load_rules(project, REPO / "rules")
    root = REPO / "fixtures" / rules.fixture
    files = [p.relative_to(root).with_suffix("") for p in root.rglob("*.py")]
    modules = {".".join(p.parts[:-1] if p.name == "__init__" else p.parts) for p in files}
    said = {(u.pattern.where, u.pattern.glob) for u in unmatched(rules, names_in(SourceTree(root), rules.package))}
    for p in patterns(rules):
        if p.kind == "module" and any(fnmatchcase(m, p.glob) for m in modules):
            assert (p.where, p.glob) not in said


DEMO = """[project]
name = "demo"
package = "demo"

[discovery]
api_modules = ["demo/api/*.py"]
action_decorator = "wsgi.action"
removed_decorator = "removed"

[[participants]]
name = "demo_api"
modules = ["demo.api.*", "demo.gone.*"]

[[notes]]
decorator = "check_state"
text = "check state"

[[persist]]
call = "demo.db.api.*"

[runners]
calls = ["demo.utils.spawn"]

[skip]
calls = [
    "LOG.*",
    "*.vanished",
]
"""


def test_calls_are_read_through_imports_and_decorators_by_their_last_name(tmp_path: Path):
    (tmp_path / "demo" / "api").mkdir(parents=True)
    (tmp_path / "demo" / "tests").mkdir()
    (tmp_path / "demo" / "__init__.py").write_text("")
    (tmp_path / "demo" / "api" / "__init__.py").write_text("")
    (tmp_path / "demo" / "api" / "servers.py").write_text(
        "from demo import utils\nfrom demo.db import api as db\nfrom demo.compute import state\n\n"
        "class Controller:\n"
        "    @wsgi.action('pause')\n    @state.check_state\n"
        "    def pause(self, req, id):\n"
        "        if id:\n            utils.spawn(self.go, id)\n            db.instance_get(id)\n"
        "        LOG.info('paused')\n")
    (tmp_path / "demo" / "tests" / "test_x.py").write_text("def test():\n    thing.vanished()\n")
    path = tmp_path / "demo.toml"
    path.write_text(DEMO)
    rules = parse_rules(DEMO, str(path))
    names = names_in(SourceTree(tmp_path), "demo")
    assert "demo.tests.test_x" not in names.modules  # test modules are left out
    assert {"utils.spawn", "demo.utils.spawn", "demo.db.api.instance_get"} <= names.calls
    said = {u.pattern.glob: u for u in unmatched(rules, names)}
    assert set(said) == {"removed", "demo.gone.*", "*.vanished"}
    assert said["*.vanished"].line == DEMO.splitlines().index('    "*.vanished",') + 1
    assert said["demo.gone.*"].line == DEMO.splitlines().index('modules = ["demo.api.*", "demo.gone.*"]') + 1
    assert said["removed"].pattern.where == "[discovery] removed_decorator"


def test_a_module_not_named_in_utf8_is_left_out(tmp_path: Path):
    """No import can name it; indexing it into the cache was a UnicodeEncodeError."""
    from tracer.index.cache import IndexCache
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "__init__.py").write_text("")
    (tmp_path / "demo" / "ok.py").write_text("x = 1\n")
    Path(os.fsdecode(os.fsencode(tmp_path / "demo") + b"/\xff.py")).write_text("x = 1\n")
    names = names_in(SourceTree(tmp_path, IndexCache(tmp_path / "cache")), "demo")
    assert names.modules == {"demo", "demo.ok"}
