"""The LibCST index of one module: imports, definitions, events, lines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from tracer.index.build import build_module, rename_py2_keywords
from tracer.index.model import Bind, Call, If, Loop, Raise, Return, SetAttr, Try, straight
from tracer.index.tree import SourceTree
from tracer.source import FIXTURES


def index(source: str, name: str = "pkg.mod", is_package: bool = False):
    return build_module(name, name.replace(".", "/") + ".py", is_package, textwrap.dedent(source))


def test_imports_absolute_relative_and_aliased():
    mod = index("""
        import os.path
        import oslo_messaging as messaging
        from nova import objects
        from nova.compute import api as compute_api
        from . import sibling
        from .. import top
        from .rpcapi import ComputeAPI as RPC
    """, name="nova.compute.manager")
    assert mod.imports == {
        "os": "os", "messaging": "oslo_messaging", "objects": "nova.objects",
        "compute_api": "nova.compute.api", "sibling": "nova.compute.sibling",
        "top": "nova.top", "RPC": "nova.compute.rpcapi.ComputeAPI",
    }


def test_relative_import_inside_a_package_init():
    mod = index("from .api import API\n", name="nova.compute", is_package=True)
    assert mod.imports == {"API": "nova.compute.api.API"}


def test_calls_in_evaluation_order_with_nested_flag():
    mod = index("""
        def f(self):
            self.a(self.b(x), c())
            y = self.d().e()
    """)
    calls = [(e.callee, e.nested) for e in mod.functions["f"].events if isinstance(e, Call)]
    assert calls == [("self.b", True), ("c", True), ("self.a", False),
                     ("self.d", False), ("self.d().e", False)]


def test_attribute_sets_binds_returns_and_raises_keep_their_lines():
    mod = index("""
        class API(object):
            def pause(self, context, instance):
                instance.task_state = task_states.PAUSING
                cctxt = self.client.prepare(server=host)
                if not instance:
                    raise ValueError()
                return cctxt
    """)
    fn = mod.classes["API"].methods["pause"]
    assert fn.line == 3 and fn.params == ("self", "context", "instance")
    set_attr, prepare, bind, branch, ret = fn.events
    assert set_attr == SetAttr("instance", "task_state", "task_states.PAUSING", 4)
    assert isinstance(prepare, Call) and prepare.callee == "self.client.prepare" and prepare.line == 5
    assert bind == Bind("cctxt", "self.client.prepare()", 5)
    assert isinstance(branch, If) and branch.test == "not instance" and branch.body == (Raise(7),)
    assert ret == Return("cctxt", 8)


def test_decorators_with_arguments_and_classmethods():
    mod = index("""
        class Instance(object):
            @check_instance_state(vm_state=[vm_states.ACTIVE])
            @wsgi.action('pause')
            def pause(self):
                pass

            @base.remotable_classmethod
            def get_by_uuid(cls, context, uuid):
                pass
    """)
    pause = mod.classes["Instance"].methods["pause"]
    names = [d.name for d in pause.decorators]
    assert names == ["check_instance_state", "wsgi.action"]
    assert pause.decorators[1].args[0].literal == "pause"
    assert pause.decorators[0].args[0].keyword == "vm_state"
    assert mod.classes["Instance"].methods["get_by_uuid"].is_classmethod


def test_self_attributes_prefer_init_and_see_through_or():
    mod = index("""
        class Manager(Base):
            driver = None

            def start(self):
                self.driver = other()

            def __init__(self, network_api=None):
                self.network_api = network_api or network.API()
                self.driver = driver.load_compute_driver(None)
    """)
    cls = mod.classes["Manager"]
    assert cls.bases == ("Base",)
    assert cls.attrs["driver"] == "driver.load_compute_driver()"
    assert cls.attrs["network_api"] == "network.API()"


def test_a_try_keeps_its_body_and_handlers_apart_then_else_and_finally():
    mod = index("""
        def f():
            try:
                a()
            except (NotImplementedError, KeyError):
                b()
            except Exception:
                e()
            else:
                g()
            finally:
                c()
            for x in items:
                d(x)
    """)
    events = mod.functions["f"].events
    block = events[0]
    assert isinstance(block, Try)
    assert [e.callee for e in block.body if isinstance(e, Call)] == ["a"]
    assert [(h.types, [e.callee for e in h.events]) for h in block.handlers] == \
        [("(NotImplementedError, KeyError)", ["b"]), ("Exception", ["e"])]
    assert [e.callee for e in events if isinstance(e, Call)] == ["g", "c"]
    assert [e.callee for e in straight(events) if isinstance(e, Call)] == ["a", "g", "c"]  # the way, no error
    loop = events[-1]
    assert isinstance(loop, Loop) and loop.header == "x in items"


def test_nested_functions_are_indexed_with_their_parent():
    mod = index("""
        class M(object):
            def stop_instance(self, context, instance):
                @utils.synchronized(instance.uuid)
                def do_stop_instance():
                    self.driver.power_off(instance)
                do_stop_instance()
    """)
    outer = mod.classes["M"].methods["stop_instance"]
    assert list(outer.nested) == ["do_stop_instance"]
    inner = outer.nested["do_stop_instance"]
    assert [e.callee for e in inner.events] == ["self.driver.power_off"]


def test_python2_async_parameter_is_read_and_reported():
    source = "def abort_job(self, async=False):\n    return async and 1\n"
    mod = index(source)
    assert "abort_job" in mod.functions
    assert mod.problems == ("pkg/mod.py: read 'async' used as a name on line 1",)


def test_async_keywords_stay_names_are_renamed():
    fixed, lines = rename_py2_keywords("async def f(async=1):\n    await g(async and 2)\n")
    assert fixed == "async def f(async_=1):\n    await g(async_ and 2)\n"
    assert lines == [1, 2]


def test_unparseable_text_raises_parser_error():
    with pytest.raises(cst.ParserSyntaxError):
        index("def f(:\n")


def test_star_imports_are_kept_for_lookup():
    mod = index("from nova.db.api import *\nfrom .sub import *\n", name="nova.db", is_package=True)
    assert mod.star_imports == ("nova.db.api", "nova.db.sub") and mod.imports == {}


def test_string_locals_tuple_targets_and_returned_tuples():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the project's own '\s' warns nobody
        mod = index('''
            def f(self):
                method = 'migrate_volume'
                pattern = '\\s+'
                client, name = self._pair()
                return client, name
        ''')
    events = mod.functions["f"].events
    binds = [e for e in events if isinstance(e, Bind)]
    assert [(b.name, b.literal, b.index) for b in binds] == [
        ("method", "migrate_volume", None), ("pattern", "\\s+", None),
        ("client", None, 0), ("name", None, 1)]
    assert binds[2].value == "self._pair()"
    assert [e for e in events if isinstance(e, Return)][0].items == ("client", "name")


# hostile input: what the parser cannot take is reported, never a crash ----

def test_the_nesting_guard_skips_strings_and_comments_and_names_the_line():
    from tracer.index.guard import MAX_NESTING, too_deep

    deep = "(" * (MAX_NESTING + 1) + ")" * (MAX_NESTING + 1)
    assert too_deep(f"x = 1\ny = {deep}\n") == (2, f"brackets nested more than {MAX_NESTING} deep, "
                                                   "which Python refuses too")
    assert too_deep("(" * MAX_NESTING + ")" * MAX_NESTING) is None  # Python's own limit still reads
    hidden = f"a = '{deep[:300]}'\nb = '''\n{deep[:300]}\n'''\n# {deep[:300]}\nc = \"\\\"(\" + ([1])\n"
    assert too_deep(hidden) is None


@pytest.mark.parametrize("expression", [
    "a." * 600 + "b", "f" + "(1)" * 600, "x" + "[1]" * 600, "-" * 600 + "1", "not " * 600 + "x",
    " + ".join(["1"] * 600), " and ".join(["x"] * 600), "'a' " * 600,
])
def test_the_guard_refuses_expressions_chained_past_its_bound(expression: str):
    from tracer.index.guard import MAX_CHAIN, too_deep

    assert too_deep(f"import os\n\ny = {expression}\n") == (
        3, f"an expression chained more than {MAX_CHAIN} operators, attributes or calls long")


def test_a_chain_over_many_lines_is_named_where_it_passes_the_bound():
    from tracer.index.guard import too_deep

    text = "import os\n\ny = (x\n" + "    .f(1, 2)\n" * 300 + ")\n"  # two links a line: the 501st on line 254
    assert too_deep(text) == (254, "an expression chained more than 500 operators, attributes or calls long")


def test_the_chain_starts_again_where_an_expression_ends():
    """Long modules and literals chain a few dozen at most: separators,
    statements and lines end each chain; strings and comments say nothing."""
    from tracer.index.guard import too_deep

    assert too_deep("x = [" + "a.b + c.d, " * 2000 + "]\n") is None
    assert too_deep("x = {" + "'k': a.b.c(1)[2],\n" * 2000 + "}\n") is None
    assert too_deep("a.b(c).d()\n" * 3000) is None
    assert too_deep("x = 1\n# " + "a." * 3000 + "\ns = '" + "-" * 3000 + "'\n") is None
    assert too_deep("x = '''\\\n" + "a.\n" * 3000 + "'''\n") is None  # a line continued inside a string


def hostile_tree(tmp_path: Path) -> Path:
    """The fixture with API modules the parser cannot take (each mentions
    `pause`, so drafting pause reads them all)."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    api = tree / "nova" / "api" / "openstack" / "compute"
    (api / "deep.py").write_text("# pause\nX = " + "(" * 3000 + "1" + ")" * 3000 + "\n")
    (api / "long_sum.py").write_text("# pause\nY = " + " + ".join(["1"] * 1000) + "\n")
    (api / "chain.py").write_text("# pause\n\nZ = " + "a." * 10000 + "b\n")  # LibCST: a segmentation fault
    (api / "calls.py").write_text("# pause\ndef f():\n    return f" + "(1)" * 6000 + "\n")  # LibCST: minutes
    (api / "broken.py").write_text("# pause\ndef f(:\n")
    (api / "folder.py").mkdir()
    (api / "loop.py").symlink_to("loop.py")
    return tree


def test_modules_the_parser_cannot_take_are_reported_and_skipped(tmp_path: Path):
    tree = hostile_tree(tmp_path)
    trace = Path(sys.executable).with_name("trace")
    result = subprocess.run([str(trace), "nova", "pause", "--source", str(tree), "-o", "-", "--no-cache"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # was 139 (segmentation fault) for deep.py
    assert result.stdout.startswith("title pause")
    where = "warning: nova/api/openstack/compute/"
    warnings = [line for line in result.stderr.splitlines() if line.startswith(where)]
    assert sorted(line[len(where):] for line in warnings) == [
        "broken.py:2: cannot read (syntax error: expected one of ), *, **, NAME); skipped",
        "calls.py:3: cannot read (an expression chained more than 500 operators, attributes or calls long); "
        "skipped",
        "chain.py:3: cannot read (an expression chained more than 500 operators, attributes or calls long); "
        "skipped",
        "deep.py:2: cannot read (brackets nested more than 200 deep, which Python refuses too); skipped",
        "folder.py: cannot read (a directory, not a file); skipped",
        "long_sum.py:2: cannot read (an expression chained more than 500 operators, attributes or calls long); "
        "skipped",
        "loop.py: cannot read (a symlink that loops); skipped",
    ]
    assert "Traceback" not in result.stderr


def test_an_operation_whose_module_is_not_read_is_missing_and_says_why(tmp_path: Path):
    """Its handler's module refused by the guard: the error names the file
    not read, and `trace ops` warns of it."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    handler = tree / "nova" / "api" / "openstack" / "compute" / "pause_server.py"
    text = handler.read_text()
    handler.write_text(text + "\nX = " + "a." * 20000 + "b\n")  # ast refuses it too: the whole module is checked
    line = text.count("\n") + 2
    trace = Path(sys.executable).with_name("trace")
    why = (f"nova/api/openstack/compute/pause_server.py:{line}: cannot read (an expression chained more than 500 "
           "operators, attributes or calls long); skipped")
    drafted = subprocess.run([str(trace), "nova", "pause", "--source", str(tree), "-o", "-", "--no-cache"],
                             capture_output=True, text=True, timeout=300)
    assert drafted.returncode == 2
    assert drafted.stderr.splitlines()[-1] == (f"trace: no operation 'pause' in nova; `trace ops nova` lists them "
                                               f"(1 file of the tree not read: {why})")
    listed = subprocess.run([str(trace), "ops", "nova", "--source", str(tree), "--no-cache"],
                            capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0 and "lock" in listed.stdout and "pause" not in listed.stdout
    assert f"warning: {why}" in listed.stderr.splitlines()


def test_a_directory_or_looping_symlink_is_no_outside_library(tmp_path: Path):
    tree = hostile_tree(tmp_path)
    source = SourceTree(tree)
    for name in ("folder", "loop", "absent"):
        assert source.module_file(f"nova.api.openstack.compute.{name}") is None
        assert source.module(f"nova.api.openstack.compute.{name}") is None
    assert source.problems == ["nova/api/openstack/compute/folder.py: cannot read (a directory, not a file); "
                               "skipped",
                               "nova/api/openstack/compute/loop.py: cannot read (a symlink that loops); skipped"]


def test_a_pipe_a_device_or_a_huge_file_is_skipped_never_read(tmp_path: Path):
    """A pipe would never end, /dev/zero never stop, a file of gigabytes
    fill the memory: each is a one-line problem, and drafting goes on."""
    from tracer.index.tree import MAX_MODULE_BYTES
    from tracer.pipeline import Project
    from tracer.rules import load_rules
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    api = tree / "nova" / "api" / "openstack" / "compute"
    os.mkfifo(api / "pipe.py")
    (api / "zero.py").symlink_to("/dev/zero")
    with open(api / "huge.py", "wb") as fh:
        fh.truncate(MAX_MODULE_BYTES + 1)
    proj = Project(load_rules("nova"), tree)
    assert "pause_instance" in proj.drafted("pause").text  # the quick look passes them by
    assert {op.name for op in proj.operations()} >= {"pause", "suspend"}
    assert sorted(p for p in proj.tree.problems if "compute/" in p) == [
        "nova/api/openstack/compute/huge.py: cannot read (8 MB, more than any module a project ships: 8 MB at "
        "most); skipped",
        "nova/api/openstack/compute/pipe.py: cannot read (not a regular file); skipped",
        "nova/api/openstack/compute/zero.py: cannot read (not a regular file); skipped"]


def test_a_file_or_folder_not_named_in_utf8_is_skipped_with_a_warning(tmp_path: Path):
    """Such a name cannot be a module's, nor key a kept draft: it was a
    UnicodeEncodeError (exit 3), now a warning, on a kept draft's replay too."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    api = os.fsencode(tree / "nova" / "api" / "openstack" / "compute")
    Path(os.fsdecode(api + b"/\xff.py")).write_text("# pause\n")
    os.mkdir(api + b"/\xfe")
    Path(os.fsdecode(api + b"/\xfe/x.py")).write_text("# pause\n")
    trace = Path(sys.executable).with_name("trace")
    for run in ("drawn", "kept"):
        result = subprocess.run([str(trace), "nova", "pause", "--source", str(tree), "-o", "-",
                                 "--cache-dir", str(tmp_path / "cache")], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (run, result.stderr)
        assert result.stdout.startswith("title pause")
        warnings = sorted(line for line in result.stderr.splitlines() if line.startswith("warning: nova/api/"))
        assert warnings == [
            r"warning: nova/api/openstack/compute/\xfe/x.py: cannot read (its name is not UTF-8: rename it); skipped",
            r"warning: nova/api/openstack/compute/\xff.py: cannot read (its name is not UTF-8: rename it); skipped",
        ], run


def test_a_package_whose_folder_loops_is_reported(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub").symlink_to("sub")
    source = SourceTree(tmp_path)
    assert source.module("pkg.sub") is None
    assert source.problems == ["pkg/sub/__init__.py: cannot read (a symlink that loops); skipped"]


WITH_AS = """
    class Task(object):
        def execute(self, path):
            with self.wrapper as action, open(path) as (a, b), lock(path) as self.held:
                action.go()
"""


@pytest.mark.parametrize("put_off", [True, False])
def test_with_as_binds_the_name_to_what_enter_returns(put_off: bool):
    """Item by item: the manager's calls, its __enter__ (a plain chain's
    too), the `as` name bound to `__enter__()`'s result; a tuple or an
    attribute target binds nothing; the __exit__s after the body, in
    reverse. The same whether the body is read with the module or later."""
    mod = build_module("pkg.mod", "pkg/mod.py", False, textwrap.dedent(WITH_AS), put_off=put_off)
    fn = mod.classes["Task"].methods["execute"]
    assert (fn.body is None) == put_off
    shown = [(type(e).__name__, e.callee if isinstance(e, Call) else f"{e.name} = {e.value}", e.line)
             for e in fn.events]
    assert shown == [
        ("Call", "self.wrapper.__enter__", 4), ("Bind", "action = self.wrapper.__enter__()", 4),
        ("Call", "open", 4), ("Call", "open().__enter__", 4),
        ("Call", "lock", 4), ("Call", "lock().__enter__", 4),
        ("Call", "action.go", 5),
        ("Call", "lock().__exit__", 4), ("Call", "open().__exit__", 4), ("Call", "self.wrapper.__exit__", 4),
    ]


def test_the_parse_skips_libcsts_node_checks_only_while_it_parses():
    """The parser's own trees are the same with or without LibCST's check of
    each node; outside a parse, a node built by hand is checked as before."""
    from tracer.index.build import parse
    text = (FIXTURES / "liberty/nova/compute/api.py").read_text()
    assert parse(text).deep_equals(cst.parse_module(text))
    assert parse(text).code == text
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    with pytest.raises(cst.ParserSyntaxError):
        parse("def broken(:\n")
    with pytest.raises(cst.CSTValidationError):  # put back after a failed parse too
        cst.Name("not a name")


@pytest.mark.parametrize("text, expected", [
    # LibCST stops at the token after the fault (line 7 here, 'error at 6:8'); Python names the def's line
    ("import os\n\n\nclass API(object):\n    def pause(self, context, instance)\n        return 1\n",
     "m.py:5: cannot read (syntax error: expected ':'); skipped"),
    # Python-2-era `async` names are renamed before Python is asked, as they are for LibCST
    ('def f(async=False):\n    print "x"\n',
     "m.py:2: cannot read (syntax error: Missing parentheses in call to 'print'. Did you mean print(...)?); "
     "skipped"),
])
def test_a_syntax_error_is_reported_where_python_finds_it(text: str, expected: str):
    from tracer.index.tree import _build
    assert _build("m", "m.py", False, text) == expected
