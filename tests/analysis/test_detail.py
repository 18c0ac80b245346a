"""The normal level of detail: what the walk folds, settles and moves, on small trees."""

from __future__ import annotations

from tracer.analysis.resolve import Ref, Resolver
from tracer.analysis.sequence import to_diagram
from tracer.analysis.walk import Limits, Walker
from tracer.examples import step_line
from tracer.index.tree import SourceTree
from tracer.wsd.model import Group, Message, Note, walk

from treehelp import rules_from

RULES = """
[[participants]]
name = "api"
modules = ["demo.api", "demo.compute.api", "demo.compute.rpcapi"]

[[participants]]
name = "compute"
modules = ["demo.compute.manager"]

[[participants]]
name = "driver"
modules = ["demo.driver"]

[[rpc]]
client = "demo.compute.rpcapi.RPC"
service = "compute"
server = "demo.compute.manager.Manager"
roles = { "host" = "dest", "instance.host" = "src" }

[[persist]]
call = "*.save"
text = "{changes}"

[[persist]]
call = "demo.db.*"
text = "{name}"

[[notes]]
call = "*.notify"
text = "notify: {0}"

[skip]
calls = ["*.prepare"]
"""

COMMON = {
    "demo/db.py": """
        def get_instance(ctx, uuid):
            pass

        def get_quota(ctx):
            pass
    """,
    "demo/compute/rpcapi.py": """
        class RPC(object):
            def stop_instance(self, ctx, instance):
                cctxt = self.client.prepare(server=instance.host)
                cctxt.cast(ctx, 'stop_instance', instance=instance)

            def prep_resize(self, ctx, instance, host):
                cctxt = self.client.prepare(server=host)
                cctxt.cast(ctx, 'prep_resize', instance=instance)
    """,
    "demo/driver.py": """
        class Driver(object):
            def power_off(self, instance, callback):
                callback(state='powering-off')
                self._destroy(instance)
                callback(state='off')

            def _destroy(self, instance):
                pass
    """,
    "demo/conf.py": """
        from oslo_config import cfg

        opts = [
            cfg.IntOpt('reclaim_interval', default=0, help='Seconds (a '
                       'parenthesis in a string: ) does not end it)'),
            cfg.BoolOpt('fast_stop', default=True),
        ]
    """,
}


def draft(make_tree, files: dict[str, str], entry: str, detail: str = "normal") -> list[str]:
    tree = SourceTree(make_tree({**COMMON, **files}))
    rules = rules_from(RULES)
    result = Walker(Resolver(tree, rules), rules, Limits(detail=detail)).walk(Ref("method", entry), "api", "op")
    diagram = to_diagram("t", result.statements, "api", result.roles)
    return [step_line(s) for s in walk(diagram.statements) if isinstance(s, (Message, Note))]


def test_a_helpers_notes_fold_but_its_landmarks_and_messages_stay(make_tree):
    files = {"demo/compute/api.py": """
        from demo import db

        class API(object):
            def stop(self, ctx, instance):
                self._check(ctx, instance)
                instance.refresh()

            def _check(self, ctx, instance):
                self._inner(ctx, instance)
                instance.validate()
                instance.task_state = 'stopping'
                instance.save()

            def _inner(self, ctx, instance):
                self.notify('stop.start')
    """}
    full = draft(make_tree, files, "demo.compute.api.API.stop", "full")
    normal = draft(make_tree, files, "demo.compute.api.API.stop")
    assert "note over api: instance.validate()" in full
    assert "note over api: instance.validate()" not in normal       # a helper's detail folds
    assert "note over api: notify: stop.start" in normal            # a landmark survives any depth
    assert "api->database: task_state = 'stopping'" in normal      # so do its writes


def test_a_helper_is_drawn_for_its_purpose_not_its_reads(make_tree):
    files = {"demo/compute/api.py": """
        from demo import db

        class API(object):
            def stop(self, ctx, uuid):
                self._get_instance(ctx, uuid)
                self._check_quota(ctx)

            def _get_instance(self, ctx, uuid):
                return db.get_instance(ctx, uuid)

            def _check_quota(self, ctx):
                return db.get_quota(ctx)
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert "api->database: get instance" in steps        # reading is what the getter is for
    assert "api->database: get quota" not in steps       # the check is drawn as what it is
    assert "note over api: check quota" in steps


def test_a_helper_that_runs_the_function_it_is_given_keeps_what_that_reads(make_tree):
    files = {"demo/compute/api.py": """
        from demo import db

        def in_cell(ctx, fn, *args):
            return _gather(ctx, fn, *args)

        def _gather(ctx, fn, *args):
            return fn(ctx, *args)

        class API(object):
            def stop(self, ctx, uuid):
                self._lookup(ctx, uuid)

            def _lookup(self, ctx, uuid):
                return in_cell(ctx, db.get_instance, uuid)
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    # the read is what the runner is handed to do; the function goes by its own name, not `fn`
    assert "api->database: get instance" in steps and not any("fn" in s.split() for s in steps)


def test_a_parameter_the_call_leaves_out_holds_its_default(make_tree):
    files = {"demo/compute/api.py": """
        from demo import db

        class API(object):
            def stop(self, ctx):
                self._get(ctx)
                self._get(ctx, False)
                self._get(ctx, *self.args)
                self._get(ctx, **self.kwargs)

            def _get(self, ctx, by_uuid=True):
                if by_uuid:
                    db.get_instance(ctx, 1)
                else:
                    db.get_quota(ctx)
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    drawn = [s for s in steps if s.startswith("api->database")]
    # left out: the default; passed: what was passed; handed over in *args or **kwargs: either arm may run
    assert drawn == ["api->database: get instance", "api->database: get quota"] + \
        ["api->database: get instance", "api->database: get quota"] * 2, steps


def test_a_branch_on_configuration_takes_the_declared_default(make_tree):
    files = {"demo/compute/api.py": """
        from demo import db

        class API(object):
            def stop(self, ctx, instance):
                if CONF.reclaim_interval:
                    instance.task_state = 'soft-deleting'
                    instance.save()
                else:
                    db.get_instance(ctx, instance)
                if not CONF.fast_stop:
                    instance.slow = True
                    instance.save()
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert steps[1:] == [
        "note over api: reclaim_interval = 0 by default (the other case is not drawn)",
        "api->database: get instance", "database->api: done",
        "note over api: fast_stop = True by default (the other case is not drawn)",
    ]
    full = draft(make_tree, files, "demo.compute.api.API.stop", "full")
    assert "api->database: task_state = 'soft-deleting'" in full  # full detail draws both cases


def test_a_cast_is_drawn_after_the_senders_remaining_steps(make_tree):
    files = {
        "demo/compute/api.py": """
            from demo.compute import rpcapi

            class API(object):
                def __init__(self):
                    self.rpc = rpcapi.RPC()

                def stop(self, ctx, instance):
                    self.rpc.stop_instance(ctx, instance)
                    self.notify('stop.sent')
        """,
        "demo/compute/manager.py": """
            class Manager(object):
                def stop_instance(self, ctx, instance):
                    self.notify('stop.start')
        """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert steps == ["client->api: op", "api->compute: stop_instance", "note over api: notify: stop.sent",
                     "note over compute: notify: stop.start"]


def test_the_same_cast_twice_is_drawn_once(make_tree):
    files = {
        "demo/compute/api.py": """
            from demo.compute import rpcapi

            class API(object):
                def __init__(self):
                    self.rpc = rpcapi.RPC()

                def stop(self, ctx, instance):
                    if instance.local:
                        self.rpc.stop_instance(ctx, instance)
                    else:
                        instance.save()
                        self.rpc.stop_instance(ctx, instance)
        """,
        "demo/compute/manager.py": """
            class Manager(object):
                def stop_instance(self, ctx, instance):
                    self.notify('stop.start')
        """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert steps.count("note over compute: notify: stop.start") == 1
    assert "note over compute: stop_instance: as drawn above" in steps


def test_a_service_calling_anothers_code_runs_it_in_its_own_process(make_tree):
    files = {
        "demo/compute/api.py": """
            from demo.compute import rpcapi

            class API(object):
                def __init__(self):
                    self.rpc = rpcapi.RPC()

                def stop(self, ctx, instance):
                    self.rpc.stop_instance(ctx, instance)

                def record(self, ctx, instance):
                    self.notify('recorded')
        """,
        "demo/compute/manager.py": """
            from demo.compute import api

            class Manager(object):
                def __init__(self):
                    self.compute_api = api.API()

                def stop_instance(self, ctx, instance):
                    self.compute_api.record(ctx, instance)
        """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert "compute->api: record" not in steps               # no message back into the API service
    assert "note over compute: notify: recorded" in steps    # its work is drawn where it runs


def test_host_roles_only_where_two_hosts_meet_on_one_path(make_tree):
    api = """
        from demo.compute import rpcapi

        class API(object):
            def __init__(self):
                self.rpc = rpcapi.RPC()

            def stop(self, ctx, instance, host):
                if instance.moving:
                    self.rpc.prep_resize(ctx, instance, host)
                else:
                    self.rpc.stop_instance(ctx, instance)
                {after}
    """
    manager = {"demo/compute/manager.py": """
        class Manager(object):
            def stop_instance(self, ctx, instance):
                self.notify('stop')

            def prep_resize(self, ctx, instance):
                self.notify('resize')
    """}
    apart = draft(make_tree, {"demo/compute/api.py": api.replace("{after}", "pass"), **manager},
                  "demo.compute.api.API.stop")
    assert "api->compute: prep_resize" in apart and "api->compute: stop_instance" in apart
    both = draft(make_tree, {"demo/compute/api.py": api.replace("{after}", "self.rpc.stop_instance(ctx, instance)"),
                             **manager}, "demo.compute.api.API.stop")
    assert "api->compute_dest: prep_resize" in both and "api->compute_src: stop_instance" in both


def test_a_callback_is_drawn_where_the_callee_calls_it(make_tree):
    files = {"demo/compute/manager.py": """
        from demo import driver

        class Manager(object):
            def __init__(self):
                self.driver = driver.Driver()

            def stop_instance(self, ctx, instance):
                def update_state(state):
                    instance.task_state = state
                    instance.save()

                self.driver.power_off(instance, update_state)
                self.notify('stopped')
    """}
    tree_entry = "demo.compute.manager.Manager.stop_instance"
    steps = draft(make_tree, files, tree_entry)
    inside = steps[steps.index("api->driver: power off"):steps.index("driver->api: done")]
    # each call in the driver saves the state it passes, in the driver's participant
    assert inside[1:] == ["driver->database: task_state = 'powering-off'", "database->driver: done",
                          "note over driver: destroy",
                          "driver->database: task_state = 'off'", "database->driver: done"]


def test_folding_leaves_groups_at_most_two_deep(make_tree):
    files = {"demo/compute/api.py": """
        from demo import db

        class API(object):
            def stop(self, ctx, instance):
                if instance.a:
                    if instance.b:
                        if instance.c:
                            instance.save()
    """}
    tree = SourceTree(make_tree({**COMMON, **files}))
    rules = rules_from(RULES)
    from tracer.analysis.fold import fold
    result = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.compute.api.API.stop"), "api", "op")
    folded = fold(result.statements)

    def depth(steps, level=0):
        return max([level] + [depth(b.steps, level + 1) for s in steps if isinstance(s, Group) for b in s.branches])
    assert depth(result.statements) == 3 and depth(folded) == 2
    lines = [step_line(s) for s in walk(tuple(folded)) if isinstance(s, (Message, Note))]
    assert "note over api: if instance.c" in lines and "api->database: save instance" in lines


def test_a_fallback_handler_is_the_main_path_where_the_body_is_not_implemented(make_tree):
    files = {
        "demo/driver.py": """
            class Base(object):
                def rebuild(self, instance):
                    raise NotImplementedError()

                def resize(self, instance):
                    raise NotImplementedError()


            class Driver(Base):
                def resize(self, instance):
                    self._resize_disk(instance)

                def _resize_disk(self, instance):
                    pass
        """,
        "demo/compute/manager.py": """
            from demo import driver

            class Manager(object):
                def __init__(self):
                    self.driver = driver.Driver()

                def rebuild_instance(self, ctx, instance):
                    try:
                        self.driver.rebuild(instance)
                    except NotImplementedError:
                        self._rebuild_default_impl(instance)
                    except Exception:
                        self.notify('rebuild.error')
                    try:
                        self.driver.resize(instance)
                    except NotImplementedError:
                        self.notify('resize.fallback')

                def _rebuild_default_impl(self, instance):
                    self.notify('rebuild.default')
        """}
    steps = draft(make_tree, files, "demo.compute.manager.Manager.rebuild_instance")
    assert "api->driver: rebuild" not in steps                  # only raises: not the way it goes
    assert "note over api: notify: rebuild.default" in steps    # the fallback is the main path
    assert "note over api: notify: rebuild.error" not in steps  # error handling is left out
    assert "api->driver: resize" in steps                       # implemented: the body is the way
    assert "note over api: notify: resize.fallback" not in steps


def test_fields_a_helper_sets_reach_the_callers_save(make_tree):
    files = {"demo/compute/api.py": """
        class API(object):
            def stop(self, ctx, instance):
                self._mark_stopped(instance)
                instance.save()

            def _mark_stopped(self, inst):
                inst.vm_state = 'stopped'
                inst.task_state = None
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert "api->database: vm_state = 'stopped'\\ntask_state = None" in steps


def test_with_a_class_of_the_tree_enters_and_exits_it(make_tree):
    files = {"demo/compute/api.py": """
        import contextlib

        class Reporter(object):
            def __enter__(self):
                self.notify('event.start')

            def __exit__(self, *exc):
                self.notify('event.finish')


        class API(object):
            def stop(self, ctx, instance):
                with Reporter(ctx, 'stop'), contextlib.suppress(KeyError):
                    instance.save()
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert steps[1:] == ["note over api: notify: event.start", "api->database: save instance", "database->api: done",
                         "note over api: notify: event.finish"]


def test_calls_on_a_with_as_name_go_where_enter_handed_over(make_tree):
    """`with self.wrapper as action`: the wrapper's __enter__ and __exit__
    are walked around the body, and `action.activate()` is a method of what
    __enter__ returned; `with open(p) as f` hands over a builtin's object,
    whose `f.write()` is no step (as before `as` names were bound)."""
    files = {"demo/compute/api.py": """
        class Actions(object):
            def __init__(self, instance):
                self._instance = instance

            def activate(self):
                self.notify('activate')


        class Wrapper(object):
            def __enter__(self):
                self.notify('enter')
                return Actions(self._instance)

            def __exit__(self, *exc):
                self._instance.save()


        class API(object):
            def __init__(self):
                self.wrapper = Wrapper()

            def stop(self, ctx, instance):
                with self.wrapper as action:
                    action.activate()
                with open('/tmp/stopped') as f:
                    f.write('stopped')
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert steps[1:] == ["note over api: notify: enter", "note over api: notify: activate",
                         "api->database: save instance", "database->api: done"]


def test_a_skip_pattern_that_hides_a_rules_call_is_reported(make_tree):
    tree = SourceTree(make_tree({**COMMON, "demo/compute/api.py": """
        class API(object):
            def stop(self, ctx, instance):
                self.notifier.notify('stop.start')
                instance.save()
    """}))
    rules = rules_from(RULES.replace('calls = ["*.prepare"]', 'calls = ["*.prepare", "*.notify"]'))
    walked = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.compute.api.API.stop"), "api", "op")
    assert [(u.call, u.reason) for u in walked.unresolved if "hides" in u.reason] == \
        [("self.notifier.notify", "skip pattern '*.notify' hides a call a notes rule would draw")]


def test_a_precondition_that_raises_is_one_note(make_tree):
    files = {"demo/compute/api.py": """
        class API(object):
            def stop(self, ctx, instance):
                if instance.vm_state != vm_states.ACTIVE:
                    self.notify('refused')
                    raise ValueError(instance)
                instance.save()
    """}
    assert draft(make_tree, files, "demo.compute.api.API.stop")[1:] == [
        "note over api: ensure instance.vm_state == ACTIVE", "api->database: save instance", "database->api: done"]
    assert "note over api: ensure instance.vm_state == ACTIVE" not in \
        draft(make_tree, files, "demo.compute.api.API.stop", "full")


def test_a_local_function_handed_to_what_is_not_followed_is_drawn_at_the_hand_over(make_tree):
    files = {"demo/compute/manager.py": """
        from demo import utils

        class Manager(object):
            def stop_instance(self, ctx, instance):
                def _do_stop():
                    self.notify('stopping')
                utils.spawn_n(_do_stop)
    """, "demo/utils.py": """
        def spawn_n(func, *args):
            pass
    """}
    tree = SourceTree(make_tree({**COMMON, **files}))
    rules = rules_from(RULES.replace('calls = ["*.prepare"]', 'calls = ["*.prepare", "demo.utils.spawn_n"]'))
    walked = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.compute.manager.Manager.stop_instance"),
                                                       "compute", "op")
    assert "note over compute: notify: stopping" in [step_line(s) for s in walk(tuple(walked.statements))
                                                      if isinstance(s, (Message, Note))]


def test_two_hosts_have_a_hypervisor_each_and_a_driver_calls_back_its_own_host(make_tree):
    files = {
        "demo/compute/api.py": """
            from demo.compute import rpcapi

            class API(object):
                def __init__(self):
                    self.rpc = rpcapi.RPC()

                def move(self, ctx, instance, host):
                    self.rpc.prep_resize(ctx, instance, host)
                    self.rpc.stop_instance(ctx, instance)
        """,
        "demo/compute/manager.py": """
            from demo import driver

            class Manager(object):
                def __init__(self):
                    self.driver = driver.Driver()

                def prep_resize(self, ctx, instance):
                    self.driver.power_off(instance, self._powered)

                def stop_instance(self, ctx, instance):
                    self.driver.power_off(instance, self._powered)

                def _powered(self, state):
                    self.notify('powered')
        """}
    steps = draft(make_tree, files, "demo.compute.api.API.move")
    assert "compute_dest->driver_dest: power off" in steps and "compute_src->driver_src: power off" in steps
    # the manager's method handed to the driver is a call back to the same host
    assert "driver_dest->compute_dest: powered" in steps and "driver_src->compute_src: powered" in steps
    assert not any(s.startswith(("compute->", "driver->")) for s in steps)


def test_a_method_that_only_delegates_is_drawn_as_its_helper(make_tree):
    files = {"demo/compute/api.py": """
        class API(object):
            def start(self, ctx, instance):
                self._start(ctx, instance)

            def stop(self, ctx, instance):
                self._stop(ctx, instance)
                instance.validate()

            def _start(self, ctx, instance):
                instance.ready()

            def _stop(self, ctx, instance):
                instance.ready()
    """}
    assert "note over api: instance.ready()" in draft(make_tree, files, "demo.compute.api.API.start")
    stop = draft(make_tree, files, "demo.compute.api.API.stop")
    assert "note over api: instance.ready()" not in stop and "note over api: stop" in stop


def test_an_early_way_out_that_only_notes_is_not_the_path(make_tree):
    files = {"demo/compute/api.py": """
        class API(object):
            def stop(self, ctx, instance):
                if instance.stopped:
                    self.notify('already stopped')
                    return
                instance.save()
    """}
    assert draft(make_tree, files, "demo.compute.api.API.stop")[1:] == ["api->database: save instance",
                                                                         "database->api: done"]
    full = draft(make_tree, files, "demo.compute.api.API.stop", "full")
    assert "note over api: notify: already stopped" in full


def test_a_setting_the_rules_know_settles_a_branch_once_named(make_tree):
    files = {"demo/compute/api.py": """
        class API(object):
            @property
            def cell_type(self):
                return self._lookup()

            def stop(self, ctx, instance):
                if self.cell_type == 'api':
                    instance.relay()
                    return
                instance.save()
                if self.cell_type != 'api':
                    instance.refresh()
    """}
    tree = SourceTree(make_tree({**COMMON, **files}))
    rules = rules_from(RULES + '\n[settings]\n"*.cell_type" = "None"\n')
    walked = Walker(Resolver(tree, rules), rules).walk(Ref("method", "demo.compute.api.API.stop"), "api", "op")
    steps = [step_line(s) for s in walk(tuple(walked.statements)) if isinstance(s, (Message, Note))]
    assert steps[1:] == ["note over api: cell_type = None by default (the other case is not drawn)",
                         "api->database: save instance", "database->api: done", "note over api: instance.refresh()"]


def test_a_local_bound_in_both_arms_keeps_both_bindings(make_tree):
    files = {"demo/compute/api.py": """
        from demo import db

        class Local(object):
            def stop(self, instance):
                instance.save()

        class Remote(object):
            def stop(self, instance):
                self.notify('remote stop')

        class API(object):
            def stop(self, ctx, instance):
                if instance.local:
                    stopper = Local()
                else:
                    stopper = Remote()
                stopper.stop(instance)
    """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    assert "api->database: save instance" in steps            # the first arm's binding
    assert "note over api: notify: remote stop" in steps      # and the second's: none disappears


def test_a_server_parameter_the_message_leaves_out_holds_its_default(make_tree):
    files = {
        "demo/compute/api.py": """
            from demo.compute import rpcapi

            class API(object):
                def __init__(self):
                    self.rpc = rpcapi.RPC()

                def stop(self, ctx, instance, kw):
                    self.rpc.stop_instance(ctx, instance)
                    self.rpc.prep_resize(ctx, instance, instance.host, kw)
        """,
        "demo/compute/rpcapi.py": """
            class RPC(object):
                def stop_instance(self, ctx, instance):
                    cctxt = self.client.prepare(server=instance.host)
                    cctxt.cast(ctx, 'stop_instance', instance=instance)

                def prep_resize(self, ctx, instance, host, kw):
                    cctxt = self.client.prepare(server=host)
                    cctxt.cast(ctx, 'prep_resize', instance=instance, **kw)
        """,
        "demo/compute/manager.py": """
            from demo import db

            class Manager(object):
                def stop_instance(self, ctx, instance, clean=True):
                    if clean:
                        db.get_instance(ctx, 1)
                    else:
                        db.get_quota(ctx)

                def prep_resize(self, ctx, instance, clean=True):
                    if clean:
                        db.get_instance(ctx, 2)
                    else:
                        db.get_quota(ctx)
        """}
    steps = draft(make_tree, files, "demo.compute.api.API.stop")
    drawn = [s for s in steps if s.startswith("compute->database")]
    # left out of the message: the default; `**kw` may carry it: either arm
    assert drawn == ["compute->database: get instance", "compute->database: get instance",
                     "compute->database: get quota"], steps
