"""Bodies put off: a module is indexed without the bodies of its functions,
each parsed when first read, and the records are the ones a whole reading gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from tracer.index.build import build_module
from tracer.index.codec import dumps, loads
from tracer.index.model import Call, Function, Module
from tracer.index.skeleton import outline
from tracer.fetch import cache_root
from tracer.source import FIXTURES

# where the real-tree tests keep their trees (read before any test moves TRACER_CACHE_DIR)
REAL_TREES = Path(os.environ.get("TRACER_TEST_CACHE") or cache_root())

SOURCE = textwrap.dedent('''\
    import functools

    from nova import utils


    def check_instance_lock(function):
        @functools.wraps(function)
        def inner(self, context, instance, *args, **kwargs):
            if instance.locked:
                raise ValueError(instance)
            return function(self, context, instance, *args, **kwargs)
        return inner


    def one_line(x): return utils.spawn(x)


    class API(object):
        """The compute API."""

        def __init__(self, rpcapi=None):
            self.compute_rpcapi = rpcapi or utils.RPC()

        @check_instance_lock
        def pause(self, context,
                  instance):
            """Pause."""
            # a comment in the body
            self._record_action_start(context, instance, 'pause')
            self.compute_rpcapi.pause_instance(context,
                                               instance=instance)

        def lazy_import(self):
            from nova import objects
            return objects.Instance()

        if utils.PY2:
            def guarded(self):
                return self.pause(None, None)

    # a comment after the class
    ''')


def line_of(text: str) -> int:
    """The line of SOURCE that holds `text`."""
    return next(i for i, line in enumerate(SOURCE.split("\n"), 1) if text in line)


def index(text: str, put_off: bool = True) -> Module:
    return build_module("nova.compute.api", "nova/compute/api.py", False, text, put_off=put_off)


def everything(fn: Function) -> tuple:
    """A function as the walk sees it: its fields, events and nested functions, read through."""
    return (fn.name, fn.qualname, fn.params, fn.decorators, fn.line, fn.is_classmethod, fn.events,
            tuple((name, everything(inner)) for name, inner in fn.nested.items()))


def functions(mod: Module) -> dict[str, tuple]:
    found = {name: everything(fn) for name, fn in mod.functions.items()}
    for cls in mod.classes.values():
        found.update({f"{cls.name}.{name}": everything(fn) for name, fn in cls.methods.items()})
    return found


def same_records(lazy: Module, whole: Module) -> None:
    assert (lazy.imports, lazy.assigns, lazy.problems, lazy.star_imports, lazy.constants) == \
           (whole.imports, whole.assigns, whole.problems, whole.star_imports, whole.constants)
    assert {n: (c.bases, c.attrs, c.decorators, c.line) for n, c in lazy.classes.items()} == \
           {n: (c.bases, c.attrs, c.decorators, c.line) for n, c in whole.classes.items()}
    assert functions(lazy) == functions(whole)


def test_bodies_are_left_out_and_lines_mapped_back():
    found = outline(SOURCE)
    assert "_record_action_start" not in found.text and "a comment in the body" not in found.text
    pause = line_of("def pause(")
    assert found.spans[pause] == line_of("instance=instance)")
    skeleton = found.text.split("\n")
    stub = skeleton.index("    def pause(self, context,") + 3  # the def, its second line, then the stub
    assert skeleton[stub - 1] == "        pass" and found.real[stub] == line_of('"""Pause."""')
    assert [found.real[n] for n in range(1, len(skeleton) + 1) if skeleton[n - 1] and "pass" not in skeleton[n - 1]] \
        == [line_of(text) for text in skeleton if text and "pass" not in text]


LITERALS = textwrap.dedent('''\
    opts = [
        cfg.StrOpt('a', help="""one
    two"""),
        cfg.IntOpt('b'),
    ]; LIMIT = 3
    NAMED = API = {'é': 1,
                   'x': (2,
                         3)}


    class Schema(base.Base):
        fields = {
            'id': fields.IntegerField(),
        }
        pair = (1,
                2)

        def get(self, context):
            return self.fields
    ''')


def test_container_literals_are_left_out_with_their_lines():
    found = outline(LITERALS)
    rows = found.text.split("\n")
    assert rows[:6] == ["opts = []; LIMIT = 3", "", "", "", "", "NAMED = API = {}"]
    assert "    fields = {}" in rows and "    pair = ()" in rows and "cfg" not in found.text
    assert len(rows) == len(LITERALS.split("\n")) and found.real == list(range(len(rows) + 1))
    lazy, whole = index(LITERALS), index(LITERALS, put_off=False)
    same_records(lazy, whole)
    assert lazy.assigns == {"opts": "", "LIMIT": "", "NAMED": "", "API": ""}
    assert lazy.classes["Schema"].methods["get"].line == LITERALS.split("\n").index("    def get(self, context):") + 1


def test_a_long_literal_on_one_line_is_left_out_too():
    data = "TABLE = [" + ", ".join(f"({n}, 'x{n}')" for n in range(100)) + "]; SHORT = [1, 2]\n" \
           "class Plan(object):\n    steps = {" + ", ".join(f"'s{n}': {n}" for n in range(60)) + "}\n"
    found = outline(data)
    assert found.text.split("\n")[:3] == ["TABLE = []; SHORT = [1, 2]", "class Plan(object):", "    steps = {}"]
    same_records(index(data), index(data, put_off=False))


def test_a_put_off_body_is_read_when_asked_for_with_its_own_lines():
    mod = index(SOURCE)
    pause = mod.classes["API"].methods["pause"]
    assert pause.body is None and pause.source is not None
    calls = [(e.callee, e.line) for e in pause.events if isinstance(e, Call)]
    assert calls == [("self._record_action_start", line_of("self._record_action_start(")),
                     ("self.compute_rpcapi.pause_instance", line_of("self.compute_rpcapi.pause_instance("))]
    assert pause.body is not None  # read once, then kept
    inner = mod.functions["check_instance_lock"].nested["inner"]
    assert (inner.qualname, inner.line, inner.decorators[0].name) == \
           ("check_instance_lock.inner", line_of("def inner("), "functools.wraps")


def test_what_the_module_index_reads_in_bodies_is_read_with_them_put_off_or_not():
    """Imports in a body are the module's (that body is kept), `self.x = ...`
    a class attribute (read from the stdlib's tree, the body left out)."""
    mod = index(SOURCE)
    assert mod.imports["objects"] == "nova.objects"
    assert mod.classes["API"].attrs["compute_rpcapi"] == "utils.RPC()"
    assert mod.classes["API"].methods["lazy_import"].body is not None
    assert mod.classes["API"].methods["__init__"].body is None
    assert mod.functions["one_line"].body is not None  # no body of its own to leave out


SETS = textwrap.dedent('''\
    class Driver(base.Driver):
        def __init__(self, virtapi, read_only=False):
            self.a = self.b = host.Host(virtapi) or None
            self._x: int = 1
            self.c, self.d = 1, 2
            if read_only:
                self.e = conn.open().ro
            elif virtapi:
                self.e = None
                self.f = virtapi if read_only else api.API()
            else:
                self.g = x[0].y
            try:
                self.h = a and b
            except Exception:
                self.i = make()
            finally:
                self.j = done
            for item in items:
                self.k = item.value
            with lock:
                self.l = lock.owner

            def inner():
                self.m = nope()

            class Inner:
                n = 1
            self.a = later()

        def reset(self):
            self.a = reset()
            self.o = (yield)
    ''')


def test_what_a_left_out_body_sets_on_self_is_what_a_whole_reading_finds():
    lazy, whole = index(SETS), index(SETS, put_off=False)
    assert lazy.classes["Driver"].methods["__init__"].body is None
    assert lazy.classes["Driver"].attrs == whole.classes["Driver"].attrs == {
        "a": "host.Host()", "b": "host.Host()", "e": "conn.open().ro", "f": "virtapi", "g": "x[].y",
        "h": "b", "i": "make()", "j": "done", "k": "item.value", "l": "lock.owner"}
    same_records(lazy, whole)


def test_put_off_and_whole_give_the_same_records():
    same_records(index(SOURCE), index(SOURCE, put_off=False))


def test_a_module_ast_cannot_read_is_indexed_whole():
    """Python-2-era `async` as a name: LibCST reads it renamed, as before."""
    text = "def spawn(f, async=False):\n    return f(async=async)\n"
    assert outline(text) is None
    mod = index(text)
    assert mod.functions["spawn"].body is not None
    assert mod.problems == ("nova/compute/api.py: read 'async' used as a name on line 1",)


def test_put_off_bodies_survive_the_index_cache():
    mod = index(SOURCE)
    again = loads(dumps(mod))
    assert again.classes["API"].methods["pause"].body is None
    same_records(again, index(SOURCE, put_off=False))


@pytest.mark.parametrize("tree", ["liberty", "glance", "heat"])
def test_every_fixture_module_reads_the_same_put_off_and_whole(tree: str):
    paths = sorted((FIXTURES / tree).rglob("*.py"))
    assert paths
    for path in paths:
        text = path.read_text()
        rel = path.relative_to(FIXTURES / tree).as_posix()
        same_records(build_module("m", rel, False, text), build_module("m", rel, False, text, put_off=False))


def test_real_modules_read_the_same_put_off_and_whole():
    """The largest modules of a real tree, when one is at hand (test data, not needed)."""
    root = REAL_TREES / "sources" / "nova-34.0.0"
    if not root.is_dir():
        pytest.skip(f"no real Nova tree at {root} (`trace fetch nova 34.0.0` puts one there)")
    for rel in ("nova/compute/api.py", "nova/virt/libvirt/driver.py", "nova/objects/instance.py"):
        text = (root / rel).read_text()
        same_records(build_module("m", rel, False, text), build_module("m", rel, False, text, put_off=False))


def test_a_tree_with_crlf_is_indexed_whole(tmp_path: Path):
    assert outline("def f():\r\n    return g()\r\n") is None


def test_old_escapes_warn_nobody():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = outline('PATTERN = "\\d+"\n\ndef f():\n    return "\\D"\n')
    assert found.text.endswith("    pass\n")


def test_a_body_nested_too_deep_is_empty_and_says_why():
    """Calls 150 deep around an attribute chain 400 long, within what the
    guard lets LibCST parse, are past what the tracer's own recursion indexes."""
    mod = index("def f(a):\n    return " + "f(" * 150 + "a." * 400 + "b" + ")" * 150 + "\n")
    body = mod.functions["f"].parsed()
    assert body.events == () and body.problem == (
        "cannot read the body of f() (an expression nested too deep for the tracer to index); not walked")


def test_a_body_the_guard_refuses_costs_that_body_only():
    mod = index("def f(a):\n    return " + " + ".join(["a"] * 1000) + "\n\ndef g(a):\n    return a.b()\n")
    body = mod.functions["f"].parsed()
    assert body.events == () and body.problem == (
        "cannot read the body of f() (an expression chained more than 500 operators, attributes or calls long); "
        "not walked")
    assert [e.callee for e in mod.functions["g"].parsed().events if isinstance(e, Call)] == ["a.b"]


def test_a_walked_body_that_cannot_be_read_is_one_warning(tmp_path: Path):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    api = tree / "nova" / "compute" / "api.py"
    text = api.read_text()
    head = "    def pause(self, context, instance):\n"
    assert head in text
    api.write_text(text.replace(head, head + "        x = " + " + ".join(["1"] * 1000) + "\n"))
    line = text[:text.index(head)].count("\n") + 1
    trace = Path(sys.executable).with_name("trace")
    result = subprocess.run([str(trace), "nova", "pause", "--source", str(tree), "-o", "-", "--no-cache"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.startswith("title pause")
    assert f"warning: nova/compute/api.py:{line}: cannot read the body of pause() (an expression chained more " \
           "than 500 operators, attributes or calls long); not walked" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr and "pause_instance" not in result.stdout


def test_a_body_read_once_is_kept_in_the_index_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from tracer.index import build
    from tracer.index.cache import IndexCache, bodies
    cache = IndexCache(tmp_path / "cache")
    monkeypatch.setattr(bodies, "cache", cache)
    first = index(SOURCE).classes["API"].methods["pause"].events
    assert cache.misses == 1 and cache.path.exists()

    def unparsed(*args: object) -> None:
        raise AssertionError("parsed again")
    monkeypatch.setattr(build, "_parse_body", unparsed)
    assert index(SOURCE).classes["API"].methods["pause"].events == first  # another process: from the cache
    moved = index("\n" + SOURCE)  # the same text a line lower is another body (its lines differ)
    with pytest.raises(AssertionError, match="parsed again"):
        moved.classes["API"].methods["pause"].events
