"""Resolving chains through imports, re-exports, MRO, super(), self
attributes, factories bound by rules, registries and return values."""

from __future__ import annotations

from tracer.analysis.resolve import Context, Ref, Resolver
from tracer.index.tree import SourceTree

from treehelp import rules_from

TREE = {
    "demo/compute/__init__.py": """
        from demo.compute.api import API as ComputeAPI

        def API(*args, **kwargs):
            return importutils.import_object(CONF.api_class)
    """,
    "demo/compute/api.py": """
        from demo.compute import rpcapi

        class Base(object):
            def check(self):
                pass

        class API(Base):
            def __init__(self):
                self.rpc = rpcapi.RPC()

            def pause(self):
                super(API, self).check()
    """,
    "demo/compute/rpcapi.py": """
        class RPC(object):
            def pause_instance(self):
                pass
    """,
    "demo/objects/__init__.py": "",
    "demo/objects/instance.py": """
        class _BaseInstance(object):
            def save(self):
                pass

        Instance = _BaseInstance
    """,
    "demo/host.py": """
        from demo import guest

        class Host(object):
            def get_guest(self):
                return guest.Guest(self.get_domain())
    """,
    "demo/guest.py": """
        class Guest(object):
            def pause(self):
                pass
    """,
    "demo/api/handler.py": """
        from demo import compute
        from demo import objects

        class Controller(object):
            def __init__(self):
                self.compute_api = compute.API()
    """,
}

RULES = """
[[bindings]]
call = "demo.compute.API"
returns = "demo.compute.api.API"

[[registries]]
module = "demo.objects"
"""


def resolver(make_tree) -> Resolver:
    return Resolver(SourceTree(make_tree(TREE)), rules_from(RULES))


def test_factory_bound_by_a_rule_gives_its_class(make_tree):
    r = resolver(make_tree)
    ctx = Context("demo.api.handler", "demo.api.handler.Controller")
    assert r.eval("self.compute_api", ctx) == Ref("instance", "demo.compute.api.API")
    assert r.eval("self.compute_api.pause", ctx) == Ref("method", "demo.compute.api.API.pause")
    assert r.eval("self.compute_api.rpc.pause_instance", ctx) == \
        Ref("method", "demo.compute.rpcapi.RPC.pause_instance")


def test_reexport_through_a_package_init(make_tree):
    r = resolver(make_tree)
    assert r.eval("ComputeAPI", Context("demo.compute")) == Ref("class", "demo.compute.api.API")
    assert r.absolute("demo.compute.ComputeAPI.pause") == Ref("method", "demo.compute.api.API.pause")


def test_methods_through_bases_and_super(make_tree):
    r = resolver(make_tree)
    assert r.mro("demo.compute.api.API") == ["demo.compute.api.API", "demo.compute.api.Base"]
    ctx = Context("demo.compute.api", "demo.compute.api.API")
    assert r.eval("self.check", ctx) == Ref("method", "demo.compute.api.Base.check")
    assert r.eval("super().check", ctx) == Ref("method", "demo.compute.api.Base.check")


def test_registry_finds_a_class_assigned_in_a_submodule(make_tree):
    r = resolver(make_tree)
    ctx = Context("demo.api.handler")
    assert r.eval("objects.Instance.save", ctx) == Ref("method", "demo.objects.instance._BaseInstance.save")


def test_return_value_types_a_chained_call(make_tree):
    r = resolver(make_tree)
    ctx = Context("demo.host", "demo.host.Host")
    assert r.eval("self.get_guest().pause", ctx) == Ref("method", "demo.guest.Guest.pause")


def test_outside_the_tree_is_external_and_unknown_is_none(make_tree):
    r = resolver(make_tree)
    ctx = Context("demo.api.handler", "demo.api.handler.Controller")
    assert r.eval("os.path.join", Context("demo.compute.api")) is None  # never imported there
    assert r.absolute("oslo_messaging.RPCClient").kind == "external"
    assert r.eval("self.nothing.here", ctx) is None


def test_binding_choice_by_option(make_tree):
    rules = rules_from(RULES.replace('returns = "demo.compute.api.API"',
                                     'returns = "demo.compute.api.API"\noption = "api"\n'
                                     'choices = { rpc = "demo.compute.rpcapi.RPC" }'))
    r = Resolver(SourceTree(make_tree(TREE)), rules, {"api": "rpc"})
    ctx = Context("demo.api.handler", "demo.api.handler.Controller")
    assert r.eval("self.compute_api", ctx) == Ref("instance", "demo.compute.rpcapi.RPC")


def test_names_through_a_star_import(make_tree):
    r = Resolver(SourceTree(make_tree({
        "demo/db/__init__.py": "from demo.db.api import *\n",
        "demo/db/api.py": "def instance_get(ctx):\n    pass\n",
    })), rules_from())
    assert r.eval("db.instance_get", Context("demo", None, (("db", Ref("module", "demo.db")),))) == \
        Ref("function", "demo.db.api.instance_get")


def test_a_property_is_what_its_getter_returns_even_with_a_setter_after_it(make_tree):
    tree = SourceTree(make_tree({
        "demo/notify.py": """
            class Notifier(object):
                def cast(self):
                    pass
        """,
        "demo/mixin.py": """
            from demo import notify

            class Mixin(object):
                @property
                def notifier(self):
                    if not hasattr(self, '_notifier'):
                        self._notifier = notify.Notifier()
                    return self._notifier

                @notifier.setter
                def notifier(self, value):
                    self._notifier = value

                @property
                def unknown(self):
                    return lookup()
        """,
    }))
    rules = rules_from('[[attributes]]\nowner = "demo.mixin.*"\nname = "unknown"\ntype = "demo.notify.Notifier"\n')
    r = Resolver(tree, rules)
    ctx = Context("demo.mixin", "demo.mixin.Mixin")
    assert r.eval("self.notifier.cast", ctx) == Ref("method", "demo.notify.Notifier.cast")
    # a property whose value cannot be known falls back to the rules
    assert r.eval("self.unknown.cast", ctx) == Ref("method", "demo.notify.Notifier.cast")


def test_names_unpacked_from_a_call_take_the_items_it_returns(make_tree):
    tree = SourceTree(make_tree({
        "demo/pair.py": """
            class Thing(object):
                def go(self):
                    pass

            def make():
                found = Thing()
                return found, 'name'

            def again():
                return make()
        """,
    }))
    r = Resolver(tree, rules_from())
    ctx = Context("demo.pair")
    assert r.item("make()", 0, ctx) == Ref("instance", "demo.pair.Thing")
    assert r.item("again()", 0, ctx) == Ref("instance", "demo.pair.Thing")  # through `return make()`
    assert r.item("make()", 1, ctx) is None  # a string: nothing to resolve


def test_the_method_order_is_pythons_c3_not_depth_first(make_tree):
    # class Plugin(Mixin, Notifier), both on Base: Python looks in Notifier
    # before Base (depth first would reach Base's create through Mixin first)
    tree = SourceTree(make_tree({"demo/plugin.py": """
        class Base(object):
            def create(self):
                pass

        class Mixin(Base):
            pass

        class Notifier(Base):
            def create(self):
                pass

        class Plugin(Mixin, Notifier):
            pass

        class Broken(Base, Mixin):
            pass
    """}))
    r = Resolver(tree, rules_from())
    assert r.mro("demo.plugin.Plugin") == ["demo.plugin.Plugin", "demo.plugin.Mixin", "demo.plugin.Notifier",
                                           "demo.plugin.Base"]
    assert r.method("demo.plugin.Plugin", "create") == Ref("method", "demo.plugin.Notifier.create")
    # no C3 order exists (Python refuses the class): depth first, once each
    assert r.mro("demo.plugin.Broken") == ["demo.plugin.Broken", "demo.plugin.Base", "demo.plugin.Mixin"]


def test_an_attribute_set_to_none_first_takes_the_value_set_later(make_tree):
    tree = SourceTree(make_tree({"demo/clients.py": """
        from heatclient import client as heatclient

        class Clients(object):
            def __init__(self, context):
                self._heat = None

            def heat(self):
                if self._heat:
                    return self._heat
                self._heat = heatclient.Client(version, **args)
                return self._heat
    """}))
    r = Resolver(tree, rules_from())
    ctx = Context("demo.clients", "demo.clients.Clients")
    assert r.eval("self._heat", ctx) == Ref("external", "heatclient.client.Client()")
    assert r.eval("self.heat().stacks.create", ctx) == Ref("external", "heatclient.client.Client().stacks.create")
    # a chain kept with its arguments reads as the call it is
    assert r.eval("heatclient.Client(version, **args).stacks", Context("demo.clients")) == \
        Ref("external", "heatclient.client.Client().stacks")


def test_a_rule_naming_variants_gives_the_first_class_the_tree_has(make_tree):
    """A class one release has and another not: `returns`/`type` as a list."""
    rules = rules_from(RULES.replace('returns = "demo.compute.api.API"',
                                     'returns = ["demo.compute.gone.API", "demo.compute.api.API"]') + """
[[attributes]]
owner = "demo.compute.api.API"
name = "guest"
type = ["demo.guest.Guest", "demo.compute.rpcapi.RPC"]

[[attributes]]
owner = "demo.compute.api.API"
name = "nowhere"
type = ["demo.gone.A", "demo.gone.B"]
""")
    r = Resolver(SourceTree(make_tree(TREE)), rules)
    ctx = Context("demo.api.handler", "demo.api.handler.Controller")
    assert r.eval("self.compute_api", ctx) == Ref("instance", "demo.compute.api.API")
    assert r.eval("self.compute_api.guest.pause", ctx) == Ref("method", "demo.guest.Guest.pause")
    assert r.eval("self.compute_api.nowhere", ctx) == Ref("instance", "demo.gone.A")  # none: the first


BRANCHED = {
    "demo/conf.py": """
        from oslo_config import cfg

        opts = [cfg.BoolOpt('use_fast', default=True), cfg.StrOpt('flavour', default='slow')]
    """,
    "demo/fast.py": """
        class Driver(object):
            def run(self):
                pass
    """,
    "demo/slow.py": """
        class Driver(object):
            def run(self):
                pass
    """,
    "demo/make.py": """
        from demo import fast
        from demo import slow

        def by_option():
            if CONF.use_fast:
                return fast.Driver()
            else:
                return slow.Driver()

        def by_string():
            if CONF.flavour == 'fast':
                driver = fast.Driver()
            else:
                driver = slow.Driver()
            return driver

        def by_argument(flag):
            if flag:
                return slow.Driver()
            else:
                return fast.Driver()

        def early(flag):
            if flag:
                return slow.Driver()
            return fast.Driver()

        class User(object):
            def go(self, flag):
                by_argument(flag).run()
    """,
}


def test_a_return_decided_by_an_if_takes_the_arm_the_options_defaults_choose(make_tree):
    r = Resolver(SourceTree(make_tree(BRANCHED)), rules_from())
    ctx = Context("demo.make")
    assert r.eval("by_option()", ctx) == Ref("instance", "demo.fast.Driver")
    assert r.eval("by_string().run", ctx) == Ref("method", "demo.slow.Driver.run")  # an arm's local, returned after
    # the rules' settings know better than the declared default
    settled = Resolver(SourceTree(make_tree(BRANCHED)), rules_from('[settings]\n"CONF.use_fast" = "False"\n'))
    assert settled.eval("by_option()", ctx) == Ref("instance", "demo.slow.Driver")


def test_a_return_no_option_decides_is_the_first_arm_and_says_what_else(make_tree):
    r = Resolver(SourceTree(make_tree(BRANCHED)), rules_from())
    got = r.eval("by_argument(True)", Context("demo.make"))
    assert got == Ref("instance", "demo.slow.Driver")
    assert "unresolved: returns demo.slow.Driver or demo.fast.Driver" in got.via
    # a return after an if that may fall through is what it was: the last
    assert r.eval("early(True)", Context("demo.make")) == Ref("instance", "demo.fast.Driver")


def test_explain_lists_the_other_class_of_a_branch_the_walk_could_not_decide(make_tree):
    from tracer.analysis.walk import Walker

    rules = rules_from()
    result = Walker(Resolver(SourceTree(make_tree(BRANCHED)), rules), rules).walk(
        Ref("method", "demo.make.User.go"), "api", "go")
    assert [(u.call, u.reason) for u in result.unresolved if "returns" in u.reason] == [
        ("by_argument().run", "returns demo.slow.Driver or demo.fast.Driver: the first followed")]
    assert any(callee == "demo.slow.Driver.run" for _, callee, _ in result.edges)


def test_a_binding_with_an_item_types_that_item_of_the_tuple_a_call_returns(make_tree):
    """`rsrc, defn, stack = load()` where load builds the resource from a
    class only known at run time: the rules type item 0, the rest is read."""
    tree = SourceTree(make_tree({
        "demo/res.py": """
            class Stack(object):
                pass

            class Resource(object):
                @classmethod
                def load(cls, ctx, registry):
                    res_type = registry.get_class_to_instantiate()
                    resource = res_type()
                    return resource, 'defn', Stack()

            def load_resource(ctx, registry):
                try:
                    return Resource.load(ctx, registry)
                except KeyError:
                    return None, None, None
        """,
    }))
    ctx = Context("demo.res")
    assert Resolver(tree, rules_from()).item("load_resource()", 0, ctx) is None  # a plugin's class
    r = Resolver(tree, rules_from('[[bindings]]\ncall = "demo.res.Resource.load"\nitem = 0\n'
                                  'returns = "demo.res.Resource"\n'))
    assert r.item("load_resource()", 0, ctx) == Ref("instance", "demo.res.Resource")
    assert r.item("load_resource()", 2, ctx) == Ref("instance", "demo.res.Stack")  # still read from the return
    assert r.eval("Resource.load()", ctx) is None  # the whole tuple is not the resource


def test_what_a_with_hands_over_is_what_enter_returns(make_tree):
    """`with X as name` binds what X.__enter__() returns: another object;
    `return self` in a base's __enter__, the subclass's object it was
    called on; a class of the tree entered through a library base's
    __enter__, itself; a library's manager, the library's object; a
    builtin, nothing."""
    tree = SourceTree(make_tree({
        "demo/managers.py": """
            import fixtures

            class Actions(object):
                def go(self):
                    pass

            class Wrapper(object):
                def __enter__(self):
                    self._image = self._repo.get()
                    return Actions(self._image)

            class Base(object):
                def __enter__(self):
                    return self

            class Claim(Base):
                pass

            class Fix(fixtures.Fixture):
                pass

            class Untyped(object):
                def __enter__(self):
                    return self._conn
        """,
    }))
    r = Resolver(tree, rules_from())
    ctx = Context("demo.managers")
    assert r.eval("Wrapper().__enter__()", ctx) == Ref("instance", "demo.managers.Actions")
    assert r.eval("Claim().__enter__()", ctx) == Ref("instance", "demo.managers.Claim")
    assert r.eval("Base().__enter__()", ctx) == Ref("instance", "demo.managers.Base")
    assert r.eval("Fix().__enter__()", ctx) == Ref("instance", "demo.managers.Fix")
    assert r.eval("Untyped().__enter__()", ctx) is None
    assert r.eval("fixtures.Timeout().__enter__()", ctx) == Ref("external", "fixtures.Timeout().__enter__()")
    assert r.eval("open().__enter__()", ctx) is None
