"""lint_anchors against small hand-made source trees."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from tracer.lint import defines, lint_anchors
from tracer.problems import TracerError
from tracer.wsd.parse import parse_text

SERVERS = '''\
class ServersController(wsgi.Controller):
    def _stop_server(self, req, id, body):
        pass

    # a comment at column 0 does not end the class
def helper():
    pass
'''

PY2 = '''\
class ComputeAPI(object):
    def start_instance(self, ctxt, instance, async=True):
        print "python 2"
'''


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    files = {
        "nova/api/openstack/compute/servers.py": SERVERS,
        "nova/compute/rpcapi.py": PY2,
        "nova/conductor/rpcapi.py": "def build_instances():\n    pass\n",
        "nova/compute/api.py": "class API(object):\n    def pause(self):\n        pass\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def lint(text: str, tree: Path) -> list[str]:
    diagram = parse_text(dedent(text)).diagram
    return [str(p).replace(str(tree), "TREE") for p in lint_anchors(diagram, "d.wsd", tree)]


def test_good_anchors_are_clean(tree: Path) -> None:
    assert lint("""\
        # nova/compute/api.py pause()
        # nova/compute/api.py API.pause()
        # nova/compute/rpcapi.py ComputeAPI.start_instance()
        # nova/api/openstack/compute/servers.py
        # build_instances()
        # just a remark, not an anchor
        """, tree) == []


def test_missing_file_suggests_where_the_function_is(tree: Path) -> None:
    assert lint("\n# nova/api/compute/servers.py _stop_server()\n", tree) == [
        "d.wsd:2: anchor 'nova/api/compute/servers.py _stop_server()': no such file under TREE;"
        " defined in nova/api/openstack/compute/servers.py"
    ]


def test_missing_file_without_function_suggests_closest_path(tree: Path) -> None:
    assert lint("# nova/compute.rpcapi.py\n", tree) == [
        "d.wsd:1: anchor 'nova/compute.rpcapi.py': no such file under TREE; closest is nova/compute/rpcapi.py"
    ]


def test_an_anchor_leading_out_of_the_tree_is_not_read(tree: Path) -> None:
    (tree.parent / "outside.py").write_text("def secret():\n    pass\n")
    assert lint(f"# ../{tree.parent.name}/../outside.py secret()\n# nova/../../outside.py secret()\n", tree) == [
        f"d.wsd:1: anchor '../{tree.parent.name}/../outside.py secret()': leads out of TREE ('..'): "
        "an anchor names a file inside the tree",
        "d.wsd:2: anchor 'nova/../../outside.py secret()': leads out of TREE ('..'): "
        "an anchor names a file inside the tree",
    ]


def test_missing_function(tree: Path) -> None:
    assert lint("# nova/compute/api.py unpause()\n# nova/compute/api.py Other.pause()\n", tree) == [
        "d.wsd:1: anchor 'nova/compute/api.py unpause()': no def unpause in nova/compute/api.py;"
        " not defined anywhere under TREE",
        "d.wsd:2: anchor 'nova/compute/api.py Other.pause()': no def Other.pause in nova/compute/api.py;"
        " not defined anywhere under TREE",
    ]


def test_function_in_another_file_is_named(tree: Path) -> None:
    assert lint("# nova/compute/api.py build_instances()\n", tree) == [
        "d.wsd:1: anchor 'nova/compute/api.py build_instances()': no def build_instances in"
        " nova/compute/api.py; defined in nova/conductor/rpcapi.py"
    ]


def test_bare_file_names(tree: Path) -> None:
    assert lint("# servers.py _stop_server()\n# rpcapi.py start_instance()\n", tree) == []
    assert lint("# rpcapi.py\n# nothere.py\n", tree) == [
        "d.wsd:1: anchor 'rpcapi.py': ambiguous: 2 files named rpcapi.py"
        " (nova/compute/rpcapi.py, nova/conductor/rpcapi.py); give the path",
        "d.wsd:2: anchor 'nothere.py': no file named nothere.py under TREE",
    ]


def test_method_must_be_inside_its_class() -> None:
    assert defines(SERVERS, "ServersController._stop_server")
    assert not defines(SERVERS, "ServersController.helper")
    assert defines(SERVERS, "helper") and defines(SERVERS, "ServersController")
    assert defines(PY2, "ComputeAPI.start_instance")


def test_missing_tree_is_trouble(tmp_path: Path) -> None:
    with pytest.raises(TracerError, match="not a directory"):
        lint_anchors(parse_text("# a.py f()").diagram, "d.wsd", tmp_path / "nope")


def test_known_wrong_reference_anchors(reference_dir: Path, tree: Path) -> None:
    from tracer.wsd.parse import parse_file

    for name in ("reboot.wsd", "stop.wsd"):
        problems = lint_anchors(parse_file(reference_dir / "nova" / name).diagram, name, tree)
        flagged = [p for p in problems if "_stop_server()" in p.message]
        assert len(flagged) == 1 and flagged[0].line == 10
        assert flagged[0].message.endswith("defined in nova/api/openstack/compute/servers.py")
