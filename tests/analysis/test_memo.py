"""Callee walks kept and reused (tracer.analysis.memo): a walk that reuses
them draws and records exactly what a walk without them does, whatever the
order the operations are walked in, the limits, the stack, the options
named and the RPC methods drawn before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.analysis.memo import CalleeMemo
from tracer.analysis.resolve import Ref, Resolver
from tracer.analysis.walk import Limits, Walker
from tracer.index.tree import SourceTree

from treehelp import rules_from

RULES = """
[[participants]]
name = "api"
modules = ["demo.compute.api", "demo.compute.rpcapi", "demo.helpers"]

[[participants]]
name = "compute"
modules = ["demo.compute.manager"]

[[rpc]]
client = "demo.compute.rpcapi.RPC"
service = "compute"
server = "demo.compute.manager.Manager"
roles = { "instance.host" = "src" }

[[participants]]
name = "driver"
modules = ["demo.driver"]

[[clients]]
service = "store"
objects = ["storeclient.*"]

[[persist]]
call = "*.save"
text = "{changes}"

[[notes]]
call = "*.notify"
text = "notify: {1}"

[[notes]]
decorator = "marked"
text = "marked"
"""

TREE = {
    "demo/compute/api.py": """
        from demo import helpers
        from demo.compute import rpcapi

        class API(object):
            def __init__(self):
                self.rpc = rpcapi.RPC()

            def boot(self, ctx, instance):
                self._send(ctx, instance)
                self.rpc.get_state(ctx, instance)
                self._send(ctx, instance)
                helpers.slow(instance)

            def reboot(self, ctx, instance):
                self.rpc.get_state(ctx, instance)
                self._send(ctx, instance)

            def flag(self, ctx, instance):
                helpers.mark(instance)
                instance.save()
                helpers.mark(instance)
                instance.save()

            def _send(self, ctx, instance):
                self.rpc.start_instance(ctx, instance)
                instance.sent = True
                instance.save()

            def twice(self, ctx, instance):
                helpers.prepare(instance)
                self._fast_or_slow(instance)
                helpers.prepare(instance)
                self._fast_or_slow(instance)

            def deep(self, ctx, instance):
                self._a(instance)

            def late(self, ctx, instance):
                helpers.fast(instance)
                helpers.slow(instance)
                helpers.both(instance)

            def early(self, ctx, instance):
                helpers.other(instance)

            @marked
            def marked_last(self, ctx, instance):
                helpers.other(instance)

            def last(self, ctx, instance):
                helpers.fast(instance)
                helpers.slow(instance)
                helpers.fast(instance)
                helpers.other(instance)

            def many(self, ctx, instance):
                helpers.prepare(instance)
                helpers.both(instance)
                helpers.fast(instance)
                helpers.prepare(instance)
                helpers.fast(instance)
                helpers.prepare(instance)
                helpers.fast(instance)

            def _a(self, instance):
                self._b(instance)

            def _b(self, instance):
                helpers.prepare(instance)
                self._fast_or_slow(instance)

            def ping(self, ctx, instance):
                self._ping(instance)

            def _ping(self, instance):
                self.notify(ctx, 'ping')
                self._pong(instance)

            def _pong(self, instance):
                instance.pongs = 1
                instance.save()
                self._ping(instance)

            def pong(self, ctx, instance):
                self._pong(instance)

            def near(self, ctx, instance):
                helpers.outer(instance)
                instance.save()

            def far(self, ctx, instance):
                helpers.wrap(instance)
                instance.save()

            def placed(self, ctx, instance):
                self.rpc.get_state(ctx, instance)
                helpers.outer(instance)

            def _fast_or_slow(self, instance):
                if CONF.fast_stop:
                    helpers.fast(instance)
                else:
                    helpers.slow(instance)
    """,
    "demo/helpers.py": """
        from storeclient import client as store_client
        from demo import driver

        def prepare(instance):
            instance.task_state = 'preparing'
            driver.Driver().start(instance)
            fast(instance)
            _busy(instance)

        def fast(instance):
            driver.Driver().start(instance)
            instance.save()

        def slow(instance):
            instance.save()

        def _busy(instance):
            instance.check()
            instance.refresh()
            instance.validate()
            instance.lock()

        def mark(instance):
            instance.flagged = True

        def other(instance):
            prepare(instance)
            slow(instance)

        def wrap(instance):
            instance.check()
            outer(instance)

        def outer(instance):
            instance.check()
            leaf(instance)

        def leaf(instance):
            instance.leaf = True
            instance.save()
            store_client.Client().volumes.reserve(instance.volume)

        def both(instance):
            slow(instance)
            prepare(instance)
            slow(instance)
    """,
    "demo/compute/rpcapi.py": """
        class RPC(object):
            def start_instance(self, ctx, instance):
                cctxt = self.client.prepare(server=instance.host)
                cctxt.cast(ctx, 'start_instance', instance=instance)

            def get_state(self, ctx, instance):
                cctxt = self.client.prepare(server=instance.host)
                return cctxt.call(ctx, 'get_state', instance=instance)
    """,
    "demo/compute/manager.py": """
        from demo import driver, helpers

        class Manager(object):
            def __init__(self):
                self.driver = driver.Driver()

            def start_instance(self, ctx, instance):
                helpers.fast(instance)
                self._power(instance)
                self.driver.start(instance)

            def get_state(self, ctx, instance):
                self._power(instance)
                return instance.state

            def _power(self, instance):
                instance.power = 'on'
                instance.save()
    """,
    "demo/driver.py": """
        class Driver(object):
            def start(self, instance):
                self.notify(instance, 'start')
                self._boot(instance)

            def _boot(self, instance):
                self.notify(instance, 'boot')
    """,
    "demo/conf.py": """
        from oslo_config import cfg

        opts = [cfg.BoolOpt('fast_stop', default=True)]
    """,
}

OPERATIONS = ("twice", "deep", "ping", "pong", "many", "late", "early", "last", "boot", "reboot", "flag", "near", "far",
              "placed")
ORDERS = [ops[i:] + ops[:i] for ops in (OPERATIONS, OPERATIONS[::-1]) for i in range(len(ops))]


def walked(root: Path, names: tuple[str, ...], limits: Limits, memo: CalleeMemo | None) -> list[tuple]:
    """Each operation's statements, edges, calls not followed and reads,
    walked one after another (sharing `memo`, or each without one)."""
    tree = SourceTree(root)
    rules = rules_from(RULES)
    resolver = Resolver(tree, rules)
    out = []
    for name in names:
        tree.log = {}
        walk = Walker(resolver, rules, limits, memo=memo).walk(Ref("method", f"demo.compute.api.API.{name}"),
                                                              "api", name)
        out.append((name, walk.statements, walk.edges, walk.unresolved, walk.roles, set(tree.log)))
    return out


@pytest.mark.parametrize("limits", [Limits(), Limits(depth=3), Limits(steps=12), Limits(steps=30), Limits(detail="full"),
                                    Limits(depth=4, steps=20)], ids=repr)
def test_reuse_draws_and_records_what_a_fresh_walk_does(make_tree, limits: Limits):
    root = make_tree(TREE)
    fresh = {name: walked(root, (name,), limits, None)[0] for name in OPERATIONS}
    hits = 0
    for order in ORDERS:
        memo = CalleeMemo(limits.steps, limits.depth)
        for got in walked(root, order, limits, memo):
            assert got == fresh[got[0]], f"{got[0]} after {order[:order.index(got[0])]}"
        hits += memo.hits
    assert hits  # some walks were reused: the comparison is not between two fresh walks


@pytest.mark.parametrize("steps", range(8, 60))
def test_a_walk_is_reused_only_where_the_step_limit_is_not_met_inside(make_tree, steps: int):
    """Whether the limit stops a walk depends on the count it starts at, and
    on the most the walks it reused inside added."""
    root = make_tree(TREE)
    limits = Limits(steps=steps)
    memo = CalleeMemo(limits.steps, limits.depth)
    for name in ("late", "last", "marked_last"):  # a walk kept after another, with one kept before inside
        fresh = walked(root, (name,), limits, None)[0]
        assert walked(root, ("many", "early", name), limits, memo)[2] == fresh


def test_a_walk_kept_before_the_step_limit_is_not_reused_after_it(make_tree):
    root = make_tree(TREE)
    memo = CalleeMemo(12, 24)
    twice = walked(root, ("twice",), Limits(steps=12), memo)[0][1]
    stops = [s for s in twice if "step limit" in str(s)]
    assert len(stops) == 1  # the second prepare() runs into the limit: not drawn as the first was


def test_an_option_named_once_per_walk_even_where_its_helper_is_reused(make_tree):
    root = make_tree(TREE)
    memo = CalleeMemo(800, 24)
    runs = walked(root, ("twice", "deep", "twice"), Limits(), memo)
    for name, statements, *_ in runs:
        named = [s for s in statements if "fast_stop = True by default" in str(s)]
        assert len(named) == 1, name  # in each walk, the first time only
    assert memo.hits


def test_a_reused_walk_logs_the_modules_it_read(make_tree):
    """A kept draft is trusted while what it read is unchanged: a reused
    walk's reads count for the draft that reused it."""
    root = make_tree(TREE)
    memo = CalleeMemo(800, 24)
    first, second = walked(root, ("deep", "twice"), Limits(), memo)
    assert memo.hits
    assert ("module", "demo.driver") in second[5]
    assert second[5] >= {("module", "demo.helpers"), ("package", "demo")}


def test_answers_the_resolver_remembers_log_their_reads_again(make_tree):
    """Without kept walks too: an operation walked after others reads (for
    its kept draft's record) what it reads walked alone."""
    root = make_tree(TREE)
    after = walked(root, OPERATIONS, Limits(), None)
    for got in after:
        assert got[5] == walked(root, (got[0],), Limits(), None)[0][5], got[0]


def _hits(root: Path, names: tuple[str, ...]) -> int:
    memo = CalleeMemo(800, 24)
    walked(root, names, Limits(), memo)
    return memo.hits


@pytest.mark.parametrize("first, then", [
    ("near", "far"),     # leaf() two helpers deep, then three: past the helpers drawn either way
    ("near", "placed"),  # outer() before and after a host role is known, which it never asks about
    ("far", "near"),     # leaf() sends a request to a service whose tree is not given: a step like others
])
def test_a_walk_is_reused_where_what_differs_changes_nothing(make_tree, first: str, then: str):
    root = make_tree(TREE)
    assert _hits(root, (first, then)) > _hits(root, (first,)) + _hits(root, (then,))


def test_reads_since_a_point_come_once_each_and_an_earlier_reader_still_sees_them_all(tmp_path: Path):
    tree = SourceTree(tmp_path)
    a, b, c = ("module", "demo.a"), ("module", "demo.b"), ("class", "demo.c.C")
    tree.trail.extend([c])
    outer = len(tree.trail)
    tree.trail.extend([a, b])
    inner = len(tree.trail)
    tree.trail.extend([b, c, b, a, c])
    assert tree.trail_since(inner) == (b, c, a)  # first made first
    assert tree.trail == [c, a, b, b, c, a]  # kept once each past the inner reader's start
    tree.trail.append(a)
    assert tree.trail_since(outer) == (a, b, c)
    assert tree.trail_since(0) == (c, a, b)
