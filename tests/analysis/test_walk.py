"""The walk on small trees: messages, RPC, persistence, notes, branches, limits."""

from __future__ import annotations

from tracer.analysis.resolve import Ref, Resolver
from tracer.analysis.walk import Limits, Walker
from tracer.examples import step_line
from tracer.index.tree import SourceTree
from tracer.wsd.emit import emit
from tracer.wsd.model import Comment, Diagram, Lifeline, Message, Note, walk

from treehelp import rules_from

RULES = """
[[participants]]
name = "api"
modules = ["demo.api.*", "demo.compute.api", "demo.compute.rpcapi"]

[[participants]]
name = "compute"
modules = ["demo.compute.manager"]

[[participants]]
name = "driver"
modules = ["demo.driver"]

[[participants]]
name = "network"
opaque = true
modules = ["demo.network"]

[[rpc]]
client = "demo.compute.rpcapi.RPC"
service = "compute"
server = "demo.compute.manager.Manager"

[[persist]]
call = "*.save"
text = "{changes}"

[[notes]]
call = "*.notify"
text = "notify: {1}"

[skip]
calls = ["LOG.*", "*.prepare"]
"""

TREE = {
    "demo/compute/api.py": """
        from demo.compute import rpcapi

        class API(object):
            def __init__(self):
                self.rpc = rpcapi.RPC()

            def pause(self, ctx, instance):
                LOG.info("pausing")
                instance.task_state = 'pausing'
                instance.save()
                self.rpc.pause_instance(ctx, instance)
                self.rpc.get_console(ctx, instance)
    """,
    "demo/compute/rpcapi.py": """
        class RPC(object):
            def pause_instance(self, ctx, instance):
                cctxt = self.client.prepare(server=instance.host)
                cctxt.cast(ctx, 'pause_instance', instance=instance)

            def get_console(self, ctx, instance):
                cctxt = self.client.prepare(server=instance.host)
                return cctxt.call(ctx, 'get_console', instance=instance)
    """,
    "demo/compute/manager.py": """
        from demo import driver
        from demo import network

        class Manager(object):
            def __init__(self):
                self.driver = driver.Driver()
                self.network = network.API()

            def pause_instance(self, ctx, instance):
                self.notify(ctx, 'pause.start')
                if instance.broken:
                    raise ValueError()
                if instance.soft:
                    self.driver.pause(instance)
                else:
                    self.driver.pause(instance, hard=True)
                self.network.get_info(instance)

            def get_console(self, ctx, instance):
                return self.driver.console(instance)

            def notify(self, ctx, event):
                pass
    """,
    "demo/driver.py": """
        class Driver(object):
            def pause(self, instance, hard=False):
                self._domain(instance).suspend()

            def console(self, instance):
                return self.console(instance)

            def _domain(self, instance):
                pass
    """,
    "demo/network.py": """
        class API(object):
            def get_info(self, instance):
                self.client.show_port(instance)
    """,
}


def draft(make_tree, entry: str = "demo.compute.api.API.pause", limits: Limits = Limits(),
          files: dict[str, str] = TREE) -> list[str]:
    tree = SourceTree(make_tree(files))
    rules = rules_from(RULES)
    result = Walker(Resolver(tree, rules), rules, limits).walk(Ref("method", entry), "api", "pause")
    return [step_line(s) for s in walk(tuple(result.statements)) if isinstance(s, (Message, Note))]


def manager_walk(make_tree, files: dict[str, str], method: str) -> list:
    """Every statement (groups entered) of a walk from Manager.<method>, in compute."""
    tree = SourceTree(make_tree(files))
    rules = rules_from(RULES)
    result = Walker(Resolver(tree, rules), rules, Limits()).walk(
        Ref("method", f"demo.compute.manager.Manager.{method}"), "compute", method)
    return list(walk(result.statements))


def test_the_whole_path_across_participants(make_tree):
    assert draft(make_tree) == [
        "client->api: pause",
        "api->database: task_state = 'pausing'",   # persistence, with the fields set before it
        "database->api: done",
        "api->compute: pause_instance",            # RPC cast: no reply, and the sender goes on
        "api->compute: get_console",               # RPC call: drawn inline, with its result
        "compute->driver: console",
        "note over driver: console (recursive call: not followed)",
        "driver->compute: done",
        "compute->api: get_console result",
        # what the cast started comes after the sender's remaining steps
        "note over compute: notify: pause.start",  # note rule
        "note over compute: ensure not instance.broken",  # the raising branch: a precondition
        # both arms call driver.pause: drawn once
        "compute->driver: pause",
        "note over driver: domain",
        "note over driver: self._domain().suspend()",
        "driver->compute: done",
        "compute->network: get info",              # opaque: not walked into
        "network->compute: done",
    ]


def test_lifelines_mark_requests_replies_and_the_work_a_cast_starts(make_tree):
    tree = SourceTree(make_tree(TREE))
    rules = rules_from(RULES)
    steps = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.compute.api.API.pause"), "api",
                                                      "pause").statements
    arrows = {(m.source, m.target, m.text): (m.style, m.head, m.activation) for m in steps if isinstance(m, Message)}
    assert arrows["client", "api", "pause"] == ("solid", "filled", "+")
    assert arrows["api", "compute", "pause_instance"] == ("solid", "open", "")  # a cast: asynchronous
    assert arrows["api", "compute", "get_console"] == ("solid", "filled", "+")  # a call waits
    assert arrows["compute", "api", "get_console result"] == ("dotted", "filled", "-")
    assert arrows["database", "api", "done"] == ("dotted", "filled", "")
    lifelines = [(s.action, s.participant) for s in steps if isinstance(s, Lifeline)]
    # the API answers, then the compute service works on what the cast asked
    assert lifelines == [("deactivate", "api"), ("activate", "compute"), ("deactivate", "compute")]
    assert isinstance(steps[-1], Lifeline) and steps[-1].participant == "compute"


def test_anchors_name_each_function_with_steps(make_tree):
    tree = SourceTree(make_tree(TREE))
    rules = rules_from(RULES)
    result = Walker(Resolver(tree, rules), rules).walk(
        Ref("method", "demo.compute.api.API.pause"), "api", "pause")
    text = emit(Diagram("t", tuple(result.statements)))
    anchors = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert anchors[:2] == ["# demo/compute/api.py pause()", "# demo/compute/rpcapi.py pause_instance()"]
    # the work the cast starts is drawn last, under its own anchors
    assert anchors[-3:-1] == ["# demo/compute/manager.py pause_instance()", "# demo/driver.py pause()"]


SHAPES = {
    "demo/compute/rpcapi.py": """
        class RPC(object):
            def stop_instance(self, ctx, instance, do_cast=True):
                cctxt = self.client.prepare(server=instance.host)
                rpc_method = cctxt.cast if do_cast else cctxt.call
                return rpc_method(ctx, 'stop_instance', instance=instance)
    """,
    "demo/compute/manager.py": """
        class Manager(object):
            def stop_instance(self, ctx, instance):
                def do_stop():
                    instance.vm_state = 'stopped'
                    instance.save()
                do_stop()

            def resize(self, ctx, instance):
                self._notify_phase(ctx, 'resize', 'start')
                self._notify_phase(ctx, instance.action, 'end')

            def _notify_phase(self, ctx, action, phase):
                self.notify(ctx, "%s.%s" % (action, phase))

            def reboot(self, ctx, instance, soft):
                if soft:
                    self.notify(ctx, 'soft')
                    return
                self.notify(ctx, 'hard')

            def loop(self, ctx):
                self.loop(ctx)

            def notify(self, ctx, event):
                pass
    """,
}


def test_rpc_method_held_in_a_local_and_a_nested_def(make_tree):
    steps = draft(make_tree, "demo.compute.rpcapi.RPC.stop_instance", files=SHAPES)
    assert steps == ["client->api: pause", "api->compute: stop_instance",
                     "compute->database: vm_state = 'stopped'", "database->compute: done"]


def test_an_early_return_makes_the_rest_an_else_branch(make_tree):
    tree = SourceTree(make_tree(SHAPES))
    rules = rules_from(RULES)
    # in full detail (at normal an early way out that sends nothing is left out: test_detail)
    result = Walker(Resolver(tree, rules), rules, Limits(detail="full")).walk(
        Ref("method", "demo.compute.manager.Manager.reboot"), "compute", "reboot")
    text = emit(Diagram("t", tuple(result.statements)))
    assert "alt soft\n    note over compute: notify: soft\nelse\n    note over compute: notify: hard\nend" in text


def test_a_note_on_a_formatted_name_fills_in_what_the_caller_passed(make_tree):
    steps = manager_walk(make_tree, SHAPES, "resize")
    notes = [s.text for s in steps if isinstance(s, Note)]
    assert notes == ["notify: resize.start", "notify: <action>.end"]


def test_a_note_formatted_with_a_modules_constant_reads_the_constant(make_tree):
    files = dict(SHAPES)
    files["demo/policies.py"] = """
        ROOT = 'compute:%s'
    """
    files["demo/compute/manager.py"] = """
        from demo import policies
        from demo.policies import ROOT

        class Manager(object):
            def lock(self, ctx):
                self.notify(ctx, policies.ROOT % 'lock')
                self.notify(ctx, ROOT % 'unlock')
                self.notify(ctx, policies.MISSING % 'x')

            def notify(self, ctx, event):
                pass
    """
    steps = manager_walk(make_tree, files, "lock")
    notes = [s.text for s in steps if isinstance(s, Note)]
    assert notes == ["notify: compute:lock", "notify: compute:unlock", "notify: MISSING % 'x'"]  # the last as written


def test_a_note_reads_the_string_a_class_constant_or_a_known_parameter_holds(make_tree):
    files = dict(SHAPES)
    files["demo/fields.py"] = """
        class BaseEnum(object):
            ERROR = 'error'

        class Phase(BaseEnum):
            START = 'start'
            ALL = (START,)
    """
    files["demo/compute/manager.py"] = """
        from demo import fields

        class Manager(object):
            def lock(self, ctx):
                self.notify(ctx, fields.Phase.START)
                self.notify(ctx, fields.Phase.ERROR)
                self.notify(ctx, fields.Phase.ALL)
                self._send(ctx, fields.Phase.START)
                self._send(ctx, 'end')
                self._send(ctx, self.phase)

            def _send(self, ctx, phase):
                self.notify(ctx, phase)

            def notify(self, ctx, event):
                pass
    """
    steps = manager_walk(make_tree, files, "lock")
    notes = [s.text for s in steps if isinstance(s, Note)]
    # a base class's constant too; a tuple is no string (as written); a parameter the
    # caller gave a constant or a literal holds its string, one given something else its name
    assert notes == ["notify: start", "notify: error", "notify: ALL", "notify: start", "notify: end",
                     "notify: phase"], notes


def test_a_generator_context_manager_draws_what_follows_its_yield_where_the_block_ends(make_tree):
    files = dict(SHAPES)
    files["demo/compute/manager.py"] = """
        import contextlib

        class Manager(object):
            def lock(self, ctx):
                with self._notifying(ctx, 'lock'):
                    self.notify(ctx, 'inside')
                with self._notifying(ctx, 'empty'):
                    pass
                self._notifying(ctx, 'called')

            @contextlib.contextmanager
            def _notifying(self, ctx, name):
                self.notify(ctx, 'start')
                try:
                    yield
                finally:
                    self.notify(ctx, 'end')

            def notify(self, ctx, event):
                pass
    """
    steps = manager_walk(make_tree, files, "lock")
    notes = [s.text for s in steps if isinstance(s, Note)]
    # entered by `with`: its end where the block ends; called (a generator made, not run): as it reads
    assert notes == ["notify: start", "notify: inside", "notify: end", "notify: start", "notify: end",
                     "notify: start", "notify: end"], notes
    assert not any(isinstance(s, Comment) and "\0" in s.text for s in steps)


def test_recursion_and_the_step_limit_leave_a_note(make_tree):
    steps = draft(make_tree, "demo.compute.manager.Manager.loop", files=SHAPES)
    assert steps[-1] == "note over api: loop (recursive call: not followed)"
    limited = draft(make_tree, limits=Limits(steps=3))
    assert limited[-1] == "note over compute: walk stopped: step limit 3 reached"
    assert len(limited) < len(draft(make_tree))


def test_depth_limit_leaves_a_note(make_tree):
    steps = draft(make_tree, limits=Limits(depth=2))
    assert "note over compute: pause (not followed: depth limit)" in steps


def test_an_rpc_method_name_held_in_a_local_is_the_first_one_set(make_tree):
    files = dict(TREE)
    files["demo/compute/rpcapi.py"] = """
        class RPC(object):
            def pause_instance(self, ctx, instance):
                if self.client.can_send_version('5.0'):
                    method = 'pause_instance'
                else:
                    method = 'pause_instance_legacy'
                cctxt = self.client.prepare(server=instance.host)
                cctxt.cast(ctx, method, instance=instance)

            def get_console(self, ctx, instance):
                pass
    """
    tree = SourceTree(make_tree(files))
    rules = rules_from(RULES)
    result = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.compute.api.API.pause"), "api", "pause")
    lines = [step_line(s) for s in walk(tuple(result.statements)) if isinstance(s, Message)]
    assert "api->compute: pause_instance" in lines
    assert any("one of pause_instance, pause_instance_legacy" in u.reason for u in result.unresolved)


def test_the_host_role_follows_what_the_caller_passed_for_the_server(make_tree):
    # the client prepares `server=host` for both casts; the caller passes the
    # source for one (`host=self.source`) and a destination for the other
    files = {
        "demo/compute/api.py": """
            from demo.compute import rpcapi

            class API(object):
                def __init__(self):
                    self.rpc = rpcapi.RPC()
                    self.source = None

                def pause(self, ctx, instance, host):
                    self.rpc.live_migration(ctx, instance, host=self.source)
                    self.rpc.prep(ctx, instance, host)
        """,
        "demo/compute/rpcapi.py": """
            class RPC(object):
                def live_migration(self, ctx, instance, host):
                    cctxt = self.client.prepare(server=host)
                    cctxt.cast(ctx, 'live_migration', instance=instance)

                def prep(self, ctx, instance, host):
                    cctxt = self.client.prepare(server=host)
                    cctxt.cast(ctx, 'prep', instance=instance)
        """,
        "demo/compute/manager.py": """
            class Manager(object):
                def live_migration(self, ctx, instance):
                    pass

                def prep(self, ctx, instance):
                    pass
        """,
    }
    rules = rules_from(RULES.replace('server = "demo.compute.manager.Manager"',
                                     'server = "demo.compute.manager.Manager"\n'
                                     'roles = { "host" = "dest", "source" = "src" }'))
    tree = SourceTree(make_tree(files))
    result = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.compute.api.API.pause"), "api", "pause")
    lines = [step_line(s) for s in walk(tuple(result.statements)) if isinstance(s, Message)]
    assert lines[1:] == ["api->compute_src: live_migration", "api->compute_dest: prep"]


LAYERS = {
    "demo/proxy.py": """
        class Repo(object):
            def __init__(self, base):
                self.base = base

            def add(self, item):
                return self.base.add(item)
    """,
    "demo/layers.py": """
        from demo import proxy

        class NotifierRepo(proxy.Repo):
            def add(self, item):
                super(NotifierRepo, self).add(item)
                self.notify(item, 'image.create')

            def notify(self, item, event):
                pass

        class QuotaRepo(proxy.Repo):
            def add(self, item):
                self.check_quota(item)
                return super(QuotaRepo, self).add(item)

            def check_quota(self, item):
                pass

        class DbRepo(object):
            def add(self, item):
                item.save()
    """,
    "demo/api/images.py": """
        from demo import layers

        class Controller(object):
            def create(self, item):
                layers.NotifierRepo(None).add(item)
    """,
}
LAYER_RULES = """
[[attributes]]
owner = "demo.layers.NotifierRepo"
name = "base"
type = "demo.layers.QuotaRepo"

[[attributes]]
owner = "demo.layers.QuotaRepo"
name = "base"
type = "demo.layers.DbRepo"

[[notes]]
call = "*.check_quota"
text = "check quota"
"""


def test_one_base_method_shared_by_a_chain_of_proxies_is_walked_layer_by_layer(make_tree):
    """`super().add()` reaches proxy.Repo.add from each layer, whose
    `self.base.add()` is the next layer's: the same function with another
    receiver is not a recursion."""
    tree = SourceTree(make_tree(LAYERS))
    rules = rules_from(RULES + LAYER_RULES)
    result = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.api.images.Controller.create"), "api",
                                                       "create")
    steps = [step_line(s) for s in walk(tuple(result.statements)) if isinstance(s, (Message, Note))]
    assert steps == ["client->api: create", "note over api: check quota", "api->database: save item",
                     "database->api: done", "note over api: notify: image.create"]
    assert not any("recursion" in u.reason for u in result.unresolved)


def test_a_note_for_a_class_is_its_construction_not_each_call_of_the_instance(make_tree):
    """`runner = TaskRunner(self.create)` then `runner(timeout=1)`: a note
    rule naming the class draws the first; calling the instance is its
    __call__, not the class again."""
    tree = SourceTree(make_tree({
        "demo/api/sched.py": """
            class TaskRunner(object):
                def __init__(self, task):
                    self.task = task

            class Resource(object):
                def create(self):
                    pass

                def create_convergence(self):
                    runner = TaskRunner(self.create)
                    runner(timeout=1)
        """,
    }))
    rules = rules_from(RULES + '\n[[notes]]\ncall = "demo.api.sched.TaskRunner"\ntext = "run task {0}"\n')
    result = Walker(Resolver(tree, rules), rules).walk(
        Ref("method", "demo.api.sched.Resource.create_convergence"), "api", "create")
    steps = [step_line(s) for s in walk(tuple(result.statements)) if isinstance(s, (Message, Note))]
    assert steps == ["client->api: create", "note over api: run task create"]


def test_an_item_a_helper_hands_back_unchanged_is_the_argument_passed(make_tree):
    """`tmpl, current, new = self._prepare(ctx, current)` where _prepare
    returns the stack it was given: `current` keeps its class."""
    tree = SourceTree(make_tree({
        "demo/api/engine.py": """
            class Stack(object):
                def converge(self):
                    self.row.save()

            class Service(object):
                def _prepare(self, ctx, current, template):
                    new = Stack()
                    return template, current, new

                def update(self, ctx, template):
                    current = Stack()
                    tmpl, current, new = self._prepare(ctx, current, template=template)
                    current.converge()
        """,
    }))
    rules = rules_from(RULES)
    result = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.api.engine.Service.update"), "api",
                                                       "update")
    steps = [step_line(s) for s in walk(tuple(result.statements)) if isinstance(s, (Message, Note))]
    assert steps == ["client->api: update", "note over api: prepare", "api->database: save row",
                     "database->api: done"]
    assert not [u for u in result.unresolved if u.call == "current.converge" and not u.folded]


def test_a_call_through_a_wrapper_the_rules_name_is_the_call_of_what_it_wraps(make_tree):
    """`utils.wrap(self._store)(ctx, 2)` with `[runners] wrappers` naming
    utils.wrap is `self._store(ctx, 2)`; the wrapping is no step."""
    tree = SourceTree(make_tree({
        "demo/api/utils.py": """
            def wrap(func):
                def run(*args, **kwargs):
                    return func(*args, **kwargs)
                return run
        """,
        "demo/api/images.py": """
            from demo.api import utils

            class Images(object):
                def upload(self, ctx):
                    utils.wrap(
                        self._store)(ctx, 2)

                def _store(self, ctx, size):
                    self.row.save()
        """,
    }))
    steps = []
    for extra in ("", '\n[runners]\nwrappers = ["demo.api.utils.wrap"]\n'):
        rules = rules_from(RULES + extra)
        result = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.api.images.Images.upload"), "api",
                                                           "upload")
        steps.append([step_line(s) for s in walk(tuple(result.statements)) if isinstance(s, (Message, Note))])
    assert "api->database: save row" not in steps[0]
    assert steps[1] == ["client->api: upload", "api->database: save row", "database->api: done"]
