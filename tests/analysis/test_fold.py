"""The passes of the normal level of detail, on diagrams parsed from text."""

from __future__ import annotations

from tracer.analysis.fold import empty_branches, fold, guard, lookups, repeats, same_arms
from tracer.wsd.emit import emit
from tracer.wsd.model import Diagram
from tracer.wsd.parse import parse_text


def steps(text: str) -> list:
    return list(parse_text(text).diagram.statements)


def text(statements: list) -> str:
    return emit(Diagram(None, tuple(statements))).strip()


def test_a_lookup_drawn_as_alternatives_is_one_step():
    lookup = steps("alt uuid\n  api->database: get instance by uuid\n  database->api: done\n"
                   "else\n  opt int\n    api->database: get instance by id\n    database->api: done\n  end\nend\n")
    assert text(lookups(lookup)) == "api->database: get instance by uuid\ndatabase->api: done"
    write = steps("alt uuid\n  api->database: get instance by uuid\nelse\n  api->database: destroy instance\nend\n")
    assert lookups(write) == write  # an arm that writes is no lookup


def test_arms_that_draw_the_same_are_drawn_once():
    same = steps("alt x\n  a->b: go\nelse\n  a->b: go\nend\n")
    assert text(same_arms(same)) == "a->b: go"


def test_an_empty_arm_goes_and_an_alt_left_with_one_is_an_opt():
    assert text(empty_branches(steps("alt x\n  # f.py g()\nelse\n  a->b: go\nend\n"))) == \
        "opt not (x)\n    a->b: go\nend"
    assert empty_branches(steps("opt x\n  # f.py g()\nend\n")) == []


def test_a_note_said_again_right_after_itself_is_said_once():
    said = steps("note over api: validate request schema\nnote over api: validate request schema\n"
                 "note over api: validate request schema\napi->db: get\nnote over api: validate request schema\n"
                 "opt x\n  note over db: check\n  note over db: check\n  note over api: check\nend\n")
    assert text(repeats(said)) == ("note over api: validate request schema\napi->db: get\n"
                                   "note over api: validate request schema\n"
                                   "opt x\n    note over db: check\n    note over api: check\nend")
    twice = steps("api->db: get\napi->db: get\n")
    assert repeats(twice) == twice  # a message sent twice was sent twice
    shouted = steps("note over compute: notify: pause.start\nnote over compute: notify: PAUSE.START\n"
                    "note over api: notify: PAUSE.START\n")
    assert text(repeats(shouted)) == "note over compute: notify: pause.start\nnote over api: notify: PAUSE.START"


def test_guards_read_as_a_person_writes_them():
    assert guard("not (not instance.host)") == "instance.host"
    assert guard("instance.vm_state in (vm_states.SHELVED, vm_states.SHELVED_OFFLOADED)") == \
        "instance.vm_state in (SHELVED, SHELVED_OFFLOADED)"
    assert guard("self.cell_type == 'api'") == "cell_type == 'api'"
    long = guard("utils.is_neutron() and self._check_requested_networks(context, requested_networks, "
                 "max_count) and not (instance.host or instance.node or instance.launched_on)")
    assert len(long) <= 60 and long.startswith("utils.is_neutron() and")


def test_fold_keeps_a_stop_note_and_every_message():
    diagram = steps("a->b: go\nalt x\n  opt y\n    loop z\n      b->c: deep\n    end\n  end\nend\n"
                    "note over a: walk stopped: step limit 800 reached\n")
    folded = text(fold(diagram))
    assert "b->c: deep" in folded and "walk stopped" in folded
    assert "loop" not in folded  # the third level gave way; a loop's steps stand alone


def test_values_keep_their_string_literals_whole():
    from tracer.analysis.text import short_value
    assert short_value('"%s.start" % delete_type') == '"%s.start" % delete_type'
    assert short_value("[vm_states.ACTIVE, 'a.b']") == "[ACTIVE, 'a.b']"


def test_a_formatted_string_is_written_out_with_the_values_known():
    from tracer.analysis.text import formatted
    assert formatted("'aggregate.%s' % event_suffix", {}) == "aggregate.<event_suffix>"
    assert formatted("'aggregate.%s' % event_suffix", {"event_suffix": "create.start"}) == "aggregate.create.start"
    assert formatted('"%s.%s" % (action, fields.Phase.END)', {"action": "pause"}) == "pause.<END>"
    assert formatted("'{}.start'.format(kind)", {}) == "<kind>.start"
    assert formatted("'{kind}.{0}'.format(phase, kind='snapshot')", {}) == "snapshot.<phase>"
    assert formatted("f'{action}.end'", {"action": "shelve"}) == "shelve.end"
    assert formatted("'100%% of %s' % x", {}) == "100% of <x>"
    # not a formatting this can write out: left to the caller
    for text in ("'%(name)s' % values", "'%s %s' % pair", "count % 2", "'{0}{1}'.format(a)", "name"):
        assert formatted(text, {}) is None, text
    assert formatted("'%s' % flag", {"flag": True}) == "<flag>"  # a flag is no word in a name


def test_a_formatted_string_may_take_its_template_from_a_constant():
    from tracer.analysis.text import formatted
    constants = {"POLICY_ROOT": "compute:servers:%s", "policies.TEMPLATE": "{}.start"}.get
    assert formatted("POLICY_ROOT % 'pause'", {}, constants) == "compute:servers:pause"
    assert formatted("policies.TEMPLATE.format(kind)", {}, constants) == "<kind>.start"
    assert formatted("UNKNOWN % 'pause'", {}, constants) is None  # a constant the tree does not hold
    assert formatted("POLICY_ROOT % 'pause'", {}) is None  # no way to read constants


def test_a_long_formatted_name_keeps_its_end():
    from tracer.analysis.text import MAX_VALUE, arg_value
    from tracer.index.model import Arg
    constants = {"BASE": "volume_extension:backup_admin_actions:%s"}.get
    value = arg_value(Arg(None, 'BASE % "reset_status"'), {}, constants)
    assert value.endswith("backup_admin_actions:reset_status") and value.startswith("...")
    assert len(value) == MAX_VALUE


def test_a_name_is_written_as_the_string_it_holds():
    from tracer.analysis.text import named
    constants = {"fields.Phase.START": "start", "EMPTY": ""}.get
    assert named("delete_type", {"delete_type": "soft_delete"}) == "soft_delete"
    assert named("fields.Phase.START", {}, constants) == "start"
    # no string, an empty one, an expression, a name nobody knows: none
    for text, known in (("force", {"force": True}), ("EMPTY", {}), ("x % 2", {"x": "a"}), ("other", {})):
        assert named(text, known, constants) is None, text
