"""Requests to other services: client calls, routes, and the walk going on
inside another service's tree; also runners and tuple unpacking."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tracer.analysis.resolve import Ref, Resolver
from tracer.analysis.services import Services
from tracer.analysis.walk import Limits, Walker
from tracer.examples import step_line
from tracer.index.tree import SourceTree
from tracer.pipeline import Project
from tracer.problems import TracerError
from tracer.rules import parse_rules
from tracer.wsd.model import Comment, Message, Note, walk

from treehelp import rules_from, write_tree

CALLER_RULES = """
[[participants]]
name = "api"
modules = ["demo.api"]

[[participants]]
name = "database"
modules = ["demo.db"]

[[clients]]
service = "store"
objects = ["storeclient.*", "demo.volumes.Wrapper"]

[[clients]]
service = "images"
objects = ["demo.images.Dispatcher"]
methods = ["call"]
method_arg = 1
prefix = "images."
prefix_kw = "controller"

[runners]
calls = ["*.spawn"]

[[persist]]
call = "demo.db.*"
"""

STORE_RULES = """
[project]
name = "store"
package = "store"

[discovery]
api_modules = ["store/api/*.py"]
action_decorator = "action"
resource_methods = { create = "{module}.create" }

[[participants]]
name = "store_api"
modules = ["store.api.*"]

[[participants]]
name = "database"
modules = ["store.db"]

[[persist]]
call = "store.db.*"

[[routes]]
client = 'volumes\\.(?P<action>reserve|unreserve)'
request = "POST /volumes/{{id}}/action {action}"
operation = "{action}"

[[routes]]
client = 'volumes\\.create'
request = "POST /volumes"
operation = "volumes.create"

[[routes]]
client = '(?P<what>\\w+)\\.list'
request = "GET /{what}"
"""

CALLER = {
    "demo/api.py": """
        from storeclient import client as store_client
        from demo import db
        from demo import images
        from demo import volumes
        from demo import utils

        def store():
            return store_client.Client('3')

        class API(object):
            def __init__(self):
                self.images = images.Dispatcher()

            def attach(self, ctx, volume_id):
                store().volumes.reserve(volume_id)
                db.attach(volume_id)

            def wrapped(self, ctx):
                client = volumes.get_client(ctx)
                client.volumes.create(size=1)

            def image(self, ctx, image_id):
                self.images.call(ctx, 'get', image_id)
                self.images.call(ctx, method_name)

            def members(self, ctx, image_id):
                self.images.call(ctx, 'create', image_id, controller='image_members')
                self.images.call(ctx, 'get', controller=name)

            def listing(self, ctx):
                names = store().volumes.list().items()
                self._deep(ctx)

            def _deep(self, ctx):
                self._deeper(ctx)

            def _deeper(self, ctx):
                store().volumes.list()
                store().volumes.unreserve('v')

            def later(self, ctx, volume_id):
                utils.spawn(self._reserve, ctx, volume_id)

            def _reserve(self, ctx, volume_id):
                store().volumes.reserve(volume_id)

            def retried(self, ctx, volume_id):
                utils.spawn(store().volumes.reserve, volume_id)

            def pair(self, ctx):
                client, name = self._pair(ctx)
                client.volumes.create(name)

            def _pair(self, ctx):
                found = volumes.get_client(ctx)
                return found, 'name'
    """,
    "demo/db.py": """
        def attach(volume_id):
            pass
    """,
    "demo/utils.py": """
        def spawn(func, *args):
            pass
    """,
    "demo/volumes.py": """
        from storeclient import client

        def get_client(ctx):
            return Wrapper(client.Client('3'))

        class Wrapper(client.Client):
            def __init__(self, base):
                self.base = base
    """,
    "demo/images.py": """
        class Dispatcher(object):
            def call(self, ctx, method, *args, controller=None):
                return self._client().dispatch(method, *args)

            def _client(self):
                pass
    """,
}

STORE = {
    "store/api/volumes.py": """
        from store import db

        class VolumeController(object):
            @action('reserve')
            def reserve(self, req, id, body):
                db.volume_reserve(id)

            @action('unreserve')
            def unreserve(self, req, id, body):
                db.volume_unreserve(id)

            def create(self, req, body):
                db.volume_create(body)
    """,
    "store/db.py": """
        def volume_reserve(id):
            pass

        def volume_unreserve(id):
            pass

        def volume_create(values):
            pass
    """,
}


def _store_rules():
    return parse_rules(textwrap.dedent(STORE_RULES), "rules/store.toml")


def steps(root: Path, entry: str, services: Services | None = None, limits: Limits = Limits(),
          comments: bool = False, notes: bool = False) -> list[str]:
    """The messages drawn (and anchors, with `comments`); notes of empty
    helpers (`store()`) are the walk's usual business, not these tests'."""
    rules = rules_from(CALLER_RULES)
    tree = SourceTree(root / "caller")
    services = services or Services(load=lambda name: _store_rules() if name == "store" else None)
    result = Walker(Resolver(tree, rules), rules, limits, services).walk(
        Ref("method", f"demo.api.API.{entry}"), "api", entry)
    kinds = (Message, *((Comment,) if comments else ()), *((Note,) if notes else ()))
    return [step_line(s) if not isinstance(s, Comment) else f"# {s.text}"
            for s in list(walk(tuple(result.statements)))[1:] if isinstance(s, kinds)]


@pytest.fixture
def trees(tmp_path: Path) -> Path:
    write_tree(tmp_path / "caller", CALLER)
    write_tree(tmp_path / "store", STORE)
    return tmp_path


def with_store(root: Path) -> Services:
    store = Project(_store_rules(), root / "store")
    return Services({"store": store})


def test_a_library_client_call_is_a_request_named_by_the_services_routes(trees):
    assert steps(trees, "attach") == [
        "api->store: volumes reserve: POST /volumes/{id}/action reserve",
        "store->api: done",
        "api->database: attach",
        "database->api: done",
    ]


def test_without_rules_for_the_service_the_request_is_named_by_the_client_method(trees):
    bare = Services(load=lambda name: None)
    assert steps(trees, "attach", bare)[0] == "api->store: volumes reserve"


def test_a_wrapper_class_in_the_tree_counts_as_the_client(trees):
    # Wrapper subclasses the library's client; `create` is not defined in the tree
    assert steps(trees, "wrapped") == ["api->store: volumes create: POST /volumes", "store->api: done"]


def test_a_dispatcher_names_the_method_in_a_literal_argument(trees):
    # the second call names its method in a variable: not a request the walk can name
    assert steps(trees, "image") == ["api->images: images get", "images->api: done"]


def test_a_dispatcher_call_may_name_its_prefix_by_keyword(trees):
    # `controller='image_members'` picks the prefix; a keyword that is no
    # literal leaves the rule's own
    assert steps(trees, "members") == ["api->images: image members create", "images->api: done",
                                       "api->images: images get", "images->api: done"]


def test_a_call_on_what_a_request_returned_is_no_second_request(trees):
    # `store().volumes.list().items()`: one request; in a deep helper, the read
    # (GET) is left out and the write kept
    assert steps(trees, "listing") == [
        "api->store: volumes list: GET /volumes",
        "store->api: done",
        "api->store: volumes unreserve: POST /volumes/{id}/action unreserve",
        "store->api: done",
    ]


def test_with_the_services_tree_the_walk_goes_on_inside_it(trees):
    got = steps(trees, "attach", with_store(trees), comments=True)
    assert got == [
        "# demo/api.py attach()",
        "api->store: volumes reserve: POST /volumes/{id}/action reserve",
        "store->store_api: reserve",               # the service's REST front hands it to its handler
        "# store/api/volumes.py reserve()",
        "store_api->store_database: volume reserve",  # its database, named apart from ours
        "store_database->store_api: done",
        "store->api: done",
        "# demo/api.py attach()",
        "api->database: attach",
        "database->api: done",
    ]


def test_a_route_to_an_operation_the_tree_lacks_is_drawn_and_reported(trees, tmp_path):
    store = Project(_store_rules(), trees / "store")
    (trees / "store" / "store" / "api" / "volumes.py").write_text("class VolumeController(object):\n    pass\n")
    walker = Walker(Resolver(SourceTree(trees / "caller"), rules_from(CALLER_RULES)), rules_from(CALLER_RULES),
                    Limits(), Services({"store": store}))
    result = walker.walk(Ref("method", "demo.api.API.attach"), "api", "attach")
    assert [step_line(s) for s in result.statements if isinstance(s, Message)][1:3] == [
        "api->store: volumes reserve: POST /volumes/{id}/action reserve", "store->api: done"]
    assert any("no operation 'reserve' in store" in u.reason for u in result.unresolved)


def test_each_services_walk_has_the_step_limit_of_its_own(trees):
    got = steps(trees, "attach", with_store(trees), Limits(steps=2), notes=True)
    assert got == [
        "note over api: store",
        "api->store: volumes reserve: POST /volumes/{id}/action reserve",
        "store->store_api: reserve",
        "store_api->store_database: volume reserve",
        "store_database->store_api: done",
        "store->api: done",                          # the store's two steps did not count against ours
        "note over api: walk stopped: step limit 2 reached",
    ]


def test_a_runner_walks_the_function_handed_to_it(trees):
    assert steps(trees, "later") == [
        "api->store: volumes reserve: POST /volumes/{id}/action reserve", "store->api: done"]


def test_a_client_method_handed_to_a_runner_is_a_request(trees):
    assert steps(trees, "retried") == [
        "api->store: volumes reserve: POST /volumes/{id}/action reserve", "store->api: done"]


def test_names_unpacked_from_a_returned_tuple_are_typed(trees):
    assert steps(trees, "pair") == ["api->store: volumes create: POST /volumes", "store->api: done"]


@pytest.mark.parametrize("entry, message", [
    ("client = '(oops'\nrequest = 'GET /x'", "'client' is not a regular expression"),
    ("client = '(?P<a>x)'\nrequest = 'GET /{b}'", "'request' may use only the named groups of 'client' (a)"),
    ("client = 'x'", "'request' is required"),
])
def test_bad_routes_are_one_line_with_file_and_line(entry, message):
    with pytest.raises(TracerError) as err:
        parse_rules(textwrap.dedent(STORE_RULES) + f"\n[[routes]]\n{entry}\n", "rules/store.toml")
    assert str(err.value).startswith("rules/store.toml:")
    assert message in str(err.value)


def test_bad_client_rules_are_refused():
    with pytest.raises(TracerError, match="'method_arg' must be a position"):
        rules_from('[[clients]]\nservice = "s"\nobjects = ["x"]\nmethod_arg = -1\n')
    with pytest.raises(TracerError, match="'objects' is required"):
        rules_from('[[clients]]\nservice = "s"\n')
    with pytest.raises(TracerError, match="'prefix_kw' must be a keyword argument's name"):
        rules_from('[[clients]]\nservice = "s"\nobjects = ["x"]\nprefix_kw = "a b"\n')
    with pytest.raises(TracerError, match="'prefix_kw' must be a string"):
        rules_from('[[clients]]\nservice = "s"\nobjects = ["x"]\nprefix_kw = 2\n')



def test_steps_inside_another_service_never_count_against_the_callers_limit(trees):
    # `_deeper` is past the inline limit: what it keeps is counted where it is
    # kept, but the store's own steps are not (they had their own limit)
    rules = rules_from(CALLER_RULES)
    tree = SourceTree(trees / "caller")

    def count(services: Services) -> int:
        walker = Walker(Resolver(tree, rules), rules, Limits(), services)
        walker.walk(Ref("method", "demo.api.API.listing"), "api", "listing")
        return walker.count

    bare = Services(load=lambda name: _store_rules() if name == "store" else None)
    assert count(with_store(trees)) == count(bare)


def test_a_service_operation_requested_twice_is_walked_once(trees):
    files = dict(CALLER)
    files["demo/api.py"] = CALLER["demo/api.py"] + """
            def twice(self, ctx, volume_id):
                store().volumes.reserve(volume_id)
                store().volumes.reserve(volume_id)
    """
    write_tree(trees / "caller", files)
    got = steps(trees, "twice", with_store(trees), notes=True)
    request = "api->store: volumes reserve: POST /volumes/{id}/action reserve"
    assert got.count(request) == 2
    assert got.count("store->store_api: reserve") == 1
    second = got.index(request, got.index(request) + 1)
    assert got[second + 1] == "note over store: reserve: as drawn above"
