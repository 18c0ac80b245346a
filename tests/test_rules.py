"""Rules files: validation with `file:line` messages, and every rule's examples."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracer.backtrack import hazard
from tracer.examples import examples, run_example
from tracer.problems import TracerError
from tracer.rules import PYTHON_METHODS, Example, available_projects, load_rules, parse_rules

GOOD = """[project]
name = "demo"
package = "demo"

[discovery]
api_modules = ["demo/api/*.py"]
action_decorator = "action"
"""


def error_of(text: str) -> str:
    with pytest.raises(TracerError) as err:
        parse_rules(text, "rules/demo.toml")
    return str(err.value)


def test_a_good_file_loads():
    rules = parse_rules(GOOD, "rules/demo.toml")
    assert rules.project == "demo" and rules.client == "client" and rules.database == "database"


def test_toml_syntax_error_names_the_line():
    assert error_of(GOOD + "\n[[notes]\n").startswith("rules/demo.toml:9: not valid TOML:")


def test_missing_field_names_entry_and_field():
    text = GOOD + '\n[[participants]]\nname = "api"\n\n[[participants]]\nname = "db"\nmodules = []\n'
    assert error_of(text.replace('modules = []\n', '')) == \
        "rules/demo.toml:9: [[participants]] #1: 'modules' is required"


def test_wrong_type_names_the_line_of_the_field():
    text = GOOD + '\n[[rpc]]\nclient = "a.B"\nservice = "svc"\nserver = 3\n'
    assert error_of(text) == "rules/demo.toml:12: [[rpc]] #1: 'server' must be a string, not an integer"


def test_unknown_field_lists_the_known_ones():
    text = GOOD + '\n[[bindings]]\ncall = "a.f"\nreturn = "a.C"\n'
    message = error_of(text)
    assert message.startswith("rules/demo.toml:11: [[bindings]] #1: 'return' is not a known field")
    assert "returns" in message


def test_note_needs_exactly_one_of_call_or_decorator():
    text = GOOD + '\n[[notes]]\ntext = "x"\n'
    assert "'call' or 'decorator' is required" in error_of(text)


@pytest.mark.parametrize("text, where", [
    ('[[participant]]\nname = "a"\n', "9: [[participant]] is not a known table; did you mean [[participants]]?"),
    ('[skipp]\ncalls = []\n', "9: [skipp] is not a known table; did you mean [skip]?"),
    ('[catalogue.more]\nx = 1\n', "9: [catalogue]: 'more' is not a known field (known: operations)"),
    ('[skip]\ncals = ["a.*"]\n', "10: [skip]: 'cals' is not a known field; did you mean 'calls'?"),
    ('[runners]\nwrappers = "a.wrap"\n', "10: [runners]: 'wrappers' must be a list of strings"),
    ('[[notes]]\ncall = "a"\ntext = "b"\nexample = { path = "a.py", sorce = "", entry = "f", steps = [] }\n',
     "12: [[notes]] #1: 'example' has an unknown field 'sorce'"),
    ('[participants]\nname = "a"\n', "9: 'participants' must be written as [[participants]] entries"),
    ('[[clients]]\nservice = "x"\nobjects = ["a"]\nmethod_arg = true\n',
     "12: [[clients]] #1: 'method_arg' must be an integer, not a boolean"),
    ('[[rpc]]\nclient = "a"\nservice = "b"\nserver = "c"\nroles = { host = 1 }\n',
     "13: [[rpc]] #1: 'roles' must map names to strings ('host' does not)"),
    ('[aliases]\na = "x"\nb = 2\n', "11: [aliases]: 'b' must map a name to an operation name"),
    ('[[bindings]]\ncall = "a.f"\nreturns = []\n',
     "11: [[bindings]] #1: 'returns' must be a class's qualified name, or a list of them"),
    ('[[attributes]]\nname = "base"\ntype = ["a.B", 3]\n',
     "11: [[attributes]] #1: 'type' must be a class's qualified name, or a list of them"),
    ('[[attributes]]\nname = "base"\n', "9: [[attributes]] #1: 'type' is required"),
    ('[[bindings]]\ncall = "a.f"\nreturns = "a.B"\nitem = "0"\n',
     "12: [[bindings]] #1: 'item' must be an integer, not a string"),
    ('[[bindings]]\ncall = "a.f"\nreturns = "a.B"\nitem = -1\n',
     "12: [[bindings]] #1: 'item' must be 0 or more (the tuple item's position)"),
])
def test_unknown_names_and_wrong_types_anywhere_name_the_line(text, where):
    assert error_of(GOOD + "\n" + text).startswith(f"rules/demo.toml:{where}")


@pytest.mark.parametrize("text, where", [
    ('project = "demo"\n', "1: 'project' must be a table, not a string (write [project])"),
    ('skip = 3\n' + GOOD, "1: 'skip' must be a table, not an integer (write [skip])"),
    ('notes = ["a"]\n' + GOOD, "1: 'notes' must be written as [[notes]] entries"),
    ('[project]\nnmae = "demo"\n', "2: [project]: 'nmae' is not a known field; did you mean 'name'?"),
])
def test_wrong_types_at_the_top_level_are_errors_not_crashes(text, where):
    assert error_of(text).startswith(f"rules/demo.toml:{where}")


TITLE = "[project]\ntitle = "


@pytest.mark.parametrize("title", ["{op} {", "x }", "{0}", "{}", "{nope}", "{op.x}", "{op[0]}", "{op!z}",
                                   "{op:>99999999999}"])
def test_a_title_template_other_than_op_is_refused(title: str):
    """Each was an internal error when drafting (ValueError, KeyError, ...,
    MemoryError) and passed `trace rules check`."""
    message = error_of(GOOD.replace("[project]\n", f"{TITLE}{title!r}\n"))
    assert message == "rules/demo.toml:2: [project]: 'title' may use only {op} (the operation's name); " \
                      "write {{ and }} for braces"


def test_a_resource_title_is_held_to_the_same_template_and_defaults_to_op():
    assert parse_rules(GOOD, "d.toml").resource_title == "{op}"
    message = error_of(GOOD.replace("[project]\n", "[project]\nresource_title = '{nope}'\n"))
    assert message == "rules/demo.toml:2: [project]: 'resource_title' may use only {op} (the operation's " \
                      "name); write {{ and }} for braces"



def test_file_titles_map_a_file_to_a_title_held_to_the_same_template():
    assert parse_rules(GOOD, "d.toml").file_titles == ()
    good = parse_rules(GOOD.replace("[project]\n", "[project]\nfile_titles = { b = '{op} a b', a = '{op} an a' }\n"),
                       "d.toml")
    assert good.file_titles == (("a", "{op} an a"), ("b", "{op} a b"))
    message = error_of(GOOD.replace("[project]\n", "[project]\nfile_titles = { a = '{0}' }\n"))
    assert message == "rules/demo.toml:2: [project]: 'file_titles' may use only {op} (the operation's " \
                      "name); write {{ and }} for braces"
    message = error_of(GOOD.replace("[project]\n", "[project]\nfile_titles = { a = 1 }\n"))
    assert "'file_titles' must map names to strings ('a' does not)" in message


def test_a_title_with_op_and_braces_loads_and_a_bad_one_is_one_line(tmp_path: Path):
    assert parse_rules(GOOD.replace("[project]\n", TITLE + "'{{x}} {op} a server'\n"), "d.toml").title == \
        "{{x}} {op} a server"
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "demo.toml").write_text(GOOD.replace("[project]\n", TITLE + "'{nope}'\n"))
    env = {**os.environ, "TRACER_RULES_DIR": str(folder)}
    for args in (["rules", "check"], ["demo", "x", "--source", str(tmp_path)]):
        done = subprocess.run([TRACE, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode in (1, 2), done.stderr
        said = (done.stdout + done.stderr).strip()
        assert said.endswith(f"{folder / 'demo.toml'}:2: [project]: 'title' may use only {{op}} (the operation's "
                             "name); write {{ and }} for braces") and "\n" not in said, said


@pytest.mark.parametrize("pattern", ["/etc/*", "../*/*.py", "demo/../../x/*.py", "demo/..", ""])
def test_api_modules_outside_the_tree_are_refused(pattern: str):
    """An absolute glob was a NotImplementedError when drafting; one with
    `..` listed files outside the tree."""
    message = error_of(GOOD.replace('"demo/api/*.py"', repr(pattern)))
    assert message == "rules/demo.toml:6: [discovery]: 'api_modules' must be glob patterns relative to the " \
                      f"tree's root, without '..' (pkg/api/*.py), not {pattern!r}"
    assert parse_rules(GOOD.replace('"demo/api/*.py"', '"demo/**/..x/*.py"'), "d.toml")  # a name with dots is fine


ROUTE = '\n[[routes]]\nclient = \'{}\'\nrequest = "GET /x"\n'


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"(\w+)*\.get", r"(?P<x>[a-z_]*_?)+", r"(x+x+)+y",
                                     r"(a*b*)*c", r"((ab)+)+", r"(a?){20}a{20}", r"(.*,)*x", r"(\d+|\w+)*!",
                                     r"(?P<x>" + r"\w*" * 14 + ")Z", r"\w*\w*\w*\w*Z", r".*.*.*.*x",
                                     r"(?:" + r"\w*" * 16 + "!|create_port_binding)", r"(?:\w*\w*\w*\w*){0,1}Z",
                                     r"(?=(?:\w*\w*\w*\w*\w*)?)x", r"\w+_\w+_\w+_\w+"])
def test_a_route_that_can_backtrack_catastrophically_is_refused(pattern):
    message = error_of(GOOD + ROUTE.format(pattern))
    assert message.startswith("rules/demo.toml:10: [[routes]] #1: 'client' can backtrack catastrophically")


@pytest.mark.parametrize("pattern", [r"create_(?P<resource>\w+)", r"(?P<what>\w+)\.(?:list|find)",
                                     r"(\w+\.)*\w+", r"(?:(?:ab)+c)+", r"\w+\w+", r"(a|b)*", r"([^,]*,)*x",
                                     r"volumes\.(?P<action>reserve|unreserve)", r"(?:\w|\d)+", r"a++",
                                     r"\w*\w*Z", r"(?P<a>\w+)\.(?P<b>\w+)\.(?P<c>\w+)", r".*foo.*bar.*", r"a*b*a*",
                                     r"\w*\w*\w*Z", r"(?P<verb>\w+)_(?P<resource>\w+)_(?P<sub>\w+)"])
def test_an_unambiguous_route_loads(pattern):
    assert hazard(pattern) is None
    assert parse_rules(GOOD + ROUTE.format(pattern), "rules/demo.toml").routes[0].client == pattern


def test_rules_check_reports_a_hostile_route_instead_of_hanging(tmp_path: Path):
    """With the route in a real rules file, `trace rules check` answers at once (the
    timeout only turns a hang into a failure)."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "demo.toml").write_text(GOOD + ROUTE.format("(a+)+b"))
    env = {**os.environ, "TRACER_RULES_DIR": str(folder)}
    done = subprocess.run([sys.executable, "-c", "from tracer.cli import main; main()", "rules", "check"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [f"{folder / 'demo.toml'}:10: [[routes]] #1: 'client' can backtrack "
                                        "catastrophically: " + done.stdout.split("catastrophically: ")[1].strip()]
    assert "Traceback" not in done.stderr


def test_unknown_project_lists_known_ones():
    with pytest.raises(TracerError, match=r"no rules for project 'nope' .*known: .*nova"):
        load_rules("nope")


def all_examples():
    for project in available_projects():
        for name, example in examples(load_rules(project)):
            yield pytest.param(project, example, id=f"{project}:{name}")


@pytest.mark.parametrize("project, example", list(all_examples()))
def test_rule_example(project, example):
    """Each rule's example source draws exactly the steps it promises."""
    assert run_example(load_rules(project), example) == example.steps


def test_every_rule_kind_of_nova_has_an_example():
    names = {name.split(" #")[0] for name, _ in examples(load_rules("nova"))}
    assert names == {"participants", "bindings", "rpc", "notes", "persist", "clients"}


def test_rules_check_loads_the_release_table_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from click.testing import CliRunner

    from tracer.cli import main

    (tmp_path / "demo.toml").write_text(GOOD)
    (tmp_path / "_releases.toml").write_text('[sites]\ntarball = "t"\narchive = "a"\ngti = "g"\n')
    monkeypatch.setenv("TRACER_RULES_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "demo: rules load, 0 of 0 examples draw what they promise",
        f"{tmp_path / '_releases.toml'}:4: [sites]: 'gti' is not a known field; did you mean 'git'? "
        "(known: archive, git, tarball)"]


def test_a_rules_file_with_a_byte_order_mark_loads_and_one_not_in_utf8_is_one_line(tmp_path: Path):
    """A BOM was 'not valid TOML' at line 1; a byte not UTF-8 was an
    internal error (UnicodeDecodeError), in `trace --help` a traceback."""
    from tracer.releases import load_table
    (tmp_path / "demo.toml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_rules("demo", tmp_path) == parse_rules(GOOD, str(tmp_path / "demo.toml"))
    (tmp_path / "demo.toml").write_bytes(GOOD.replace('"demo"\n', '"d\xe9mo"\n', 1).encode("latin-1"))
    with pytest.raises(TracerError) as err:
        load_rules("demo", tmp_path)
    assert str(err.value) == f"{tmp_path / 'demo.toml'}:2: not UTF-8 (bad byte 0xe9 at offset 19); save it as UTF-8"
    (tmp_path / "_releases.toml").write_bytes(b"# r\xe9leases\n")
    with pytest.raises(TracerError, match=r"_releases.toml:1: not UTF-8 \(bad byte 0xe9 at offset 3\)"):
        load_table(tmp_path / "_releases.toml")
    env = {**os.environ, "TRACER_RULES_DIR": str(tmp_path)}
    for args in (["--help"], ["rules", "check", "demo"], ["demo", "x"]):
        done = subprocess.run([TRACE, *args], env=env, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, (args, done.stderr)
        assert args == ["--help"] or "demo.toml:2: not UTF-8" in done.stdout + done.stderr


LANGUAGE = '''
def create(context, names, row):
    names.add("a")
    names.discard("b")
    context.session.add(row)
    names.frobnicate()
'''


def language_steps(extra: str) -> tuple[str, ...]:
    rules = parse_rules(GOOD + '\n[[participants]]\nname = "api"\nmodules = ["demo.api*"]\n' + extra,
                        "rules/demo.toml")
    return run_example(rules, Example("demo/api/servers.py", LANGUAGE, "create", ()))


def test_python_methods_on_values_of_unknown_type_are_skipped_by_the_engine():
    """No `[skip] unknown` in the file: a set's add and discard are no steps, a
    call the engine knows nothing of still is."""
    steps = language_steps("")
    assert not any("names.add" in s or "names.discard" in s or "session.add" in s for s in steps), steps
    assert "note over api: names.frobnicate()" in steps


def test_a_projects_own_rule_draws_a_call_the_engine_would_skip():
    """A persist rule naming `*.session.add` (a database write) beats the engine's `*.add`."""
    steps = language_steps('\n[[persist]]\ncall = "*.session.add"\ntext = "add {0}"\n')
    assert "api->database: add row" in steps and not any("names.add" in s for s in steps), steps


def test_a_projects_own_unknown_patterns_are_skipped_too():
    rules = parse_rules(GOOD + '\n[skip]\nunknown = ["req.*"]\n', "rules/demo.toml")
    assert rules.skips_unknown("req.get_header") and rules.skips_unknown("names.append")
    assert not rules.skips_unknown("names.frobnicate") and "*.append" in PYTHON_METHODS


def test_settings_are_python_literals_in_strings():
    base = '[project]\nname = "demo"\npackage = "demo"\n[discovery]\napi_modules = ["demo.api"]\n' \
           'action_decorator = "wsgi.action"\n'
    rules = parse_rules(base + '[settings]\n"*.cell_type" = "None"\n"*.mode" = "\'api\'"\n', "rules/demo.toml")
    assert rules.settings == (("*.cell_type", None), ("*.mode", "api"))
    with pytest.raises(TracerError, match=r"rules/demo.toml:\d+: \[settings\]: '\*.cell_type' must be a Python literal"):
        parse_rules(base + '[settings]\n"*.cell_type" = "cells_opts.get()"\n', "rules/demo.toml")


REPO = Path(__file__).resolve().parents[1]
TRACE = str(Path(sys.executable).parent / "trace")


def test_rules_check_with_a_tree_warns_where_a_skip_pattern_hides_a_rules_call(tmp_path: Path):
    """A skip pattern wide enough to swallow the notifications a notes rule draws."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in (REPO / "rules").glob("*.toml"):
        (rules / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    nova = rules / "nova.toml"
    nova.write_text(nova.read_text(encoding="utf-8").replace('calls = [\n    "LOG.*",',
                                                            'calls = [\n    "*._notify*", "LOG.*",'),
                    encoding="utf-8")
    env = {**os.environ, "TRACER_RULES_DIR": str(rules)}
    run = subprocess.run([TRACE, "rules", "check", "nova", "--source",
                          str(REPO / "fixtures" / "liberty")], capture_output=True, text=True, env=env)
    assert "notes #1: example draws other steps" in run.stdout  # the rule's own example fails too
    warnings = [line for line in run.stdout.splitlines() if line.startswith("warning:") and "hides" in line]
    assert warnings and all("skip pattern '*._notify*' hides a call a notes rule would draw" in w for w in warnings)
    assert any("self._notify_about_instance_usage" in w and "in pause" in w for w in warnings)
    clean = subprocess.run([TRACE, "rules", "check", "nova", "--source",
                            str(REPO / "fixtures" / "liberty")], capture_output=True, text=True)
    assert "hides" not in clean.stdout and "0 calls hidden by skip patterns" in clean.stdout


def test_rules_check_with_a_tree_names_the_classes_and_operations_it_lacks(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in (REPO / "rules").glob("*.toml"):
        (rules / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    nova = rules / "nova.toml"
    nova.write_text(nova.read_text(encoding="utf-8").replace("[aliases]\n", '[aliases]\nhalt = "os-halt"\n', 1),
                    encoding="utf-8")
    run = subprocess.run([TRACE, "rules", "check", "nova", "--source", str(REPO / "fixtures" / "liberty")],
                         capture_output=True, text=True, env={**os.environ, "TRACER_RULES_DIR": str(rules)})
    warnings = [line for line in run.stdout.splitlines() if line.startswith("warning:")]
    fixture = str(REPO / "fixtures" / "liberty")
    # the small fixture has no VMware driver: a class the rules name that this tree lacks
    assert f"warning: {nova}: [[bindings]] choices 'nova.virt.vmwareapi.driver.VMwareVCDriver' is no class " \
           f"of {fixture}" in warnings
    assert f"warning: {nova}: [aliases] halt = 'os-halt', an operation {fixture} does not serve" in warnings
    # what the fixture has is not reported
    assert not any("nova.virt.libvirt.driver.LibvirtDriver" in w or "nova.compute.rpcapi.ComputeAPI" in w
                   for w in warnings)


VARIANTS = {
    "demo/__init__.py": "",
    "demo/api/__init__.py": "",
    "demo/api/things.py": "class Controller(object):\n    pass\n",
    "demo/old.py": "class Layer(object):\n    pass\n",
}


def test_rules_check_reports_a_list_of_variants_only_when_the_tree_has_none(tmp_path: Path):
    """`returns`/`type` as a list: one release's class or another's; the
    tree lacking one of them is no mistake, lacking all of them is."""
    for rel, text in VARIANTS.items():
        (tmp_path / "tree" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "tree" / rel).write_text(text, encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "demo.toml").write_text(GOOD + """
[[bindings]]
call = "demo.api.things.make"
returns = ["demo.new.Layer", "demo.old.Layer"]

[[attributes]]
name = "base"
type = ["demo.new.Base", "demo.newer.Base"]
""", encoding="utf-8")
    run = subprocess.run([TRACE, "rules", "check", "demo", "--source", str(tmp_path / "tree"), "--no-cache"],
                         capture_output=True, text=True, env={**os.environ, "TRACER_RULES_DIR": str(rules)})
    warnings = [line for line in run.stdout.splitlines() if "is no class of" in line]
    assert warnings == [f"warning: {rules / 'demo.toml'}: [[attributes]] type 'demo.new.Base' nor "
                        f"'demo.newer.Base' is no class of {tmp_path / 'tree'}"], run.stdout + run.stderr


@pytest.mark.parametrize("line, message", [
    ('name = ""', "'name' must be a project's name, one word, not ''"),
    ('name = "../x"', "'name' must be a project's name, one word, not '../x'"),
    ('package = "demo/sub"', "'package' must be a package's name, the tree's top folder, not 'demo/sub'"),
    ('package = "demo.core"', "'package' must be a package's name, the tree's top folder, not 'demo.core'"),
    ('fixture = "../.."', "'fixture' must be a folder's name under fixtures/, not '../..'"),
    ('fixture = ""', "'fixture' must be a folder's name under fixtures/, not ''"),
])
def test_project_names_are_one_word_never_a_path(line: str, message: str):
    key = line.split(" ")[0]
    text = GOOD.replace(f'{key} = "demo"\n', "") if key in ("name", "package") else GOOD
    assert error_of(text.replace("[project]\n", f"[project]\n{line}\n")).endswith(f"[project]: {message}")


def test_a_plain_fixture_name_loads():
    rules = parse_rules(GOOD.replace("[project]\n", '[project]\nfixture = "demo-1.0"\n'), "rules/demo.toml")
    assert (rules.package, rules.fixture) == ("demo", "demo-1.0")


def test_titles_name_one_operations_title_held_to_the_same_template():
    assert parse_rules(GOOD, "d.toml").titles == ()
    good = parse_rules(GOOD.replace("[project]\n", "[project]\ntitles = { list = 'list all {op}s' }\n"), "d.toml")
    assert good.titles == (("list", "list all {op}s"),)
    message = error_of(GOOD.replace("[project]\n", "[project]\ntitles = { list = '{op.x}' }\n"))
    assert "'titles' may use only {op}" in message
    for bad in ('"list\\nparticipant evil"', '"  "', '"tab\\there"'):
        message = error_of(GOOD.replace("[project]\n", f"[project]\ntitles = {{ list = {bad} }}\n"))
        assert "'titles' must be one line of text (a diagram's title)" in message, bad


def test_a_folder_named_like_a_rules_file_is_no_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import shutil
    from click.testing import CliRunner
    from tracer.cli import main
    from tracer.rules import rules_dir
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    (folder / "x.toml").mkdir()
    monkeypatch.setenv("TRACER_RULES_DIR", str(folder))
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    assert "x" not in available_projects(folder)
    result = CliRunner().invoke(main, ["nova", "pause", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("title pause")
