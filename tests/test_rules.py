"""Rules files: validation with `file:line` messages, and every rule's examples."""

from __future__ import annotations

import pytest

from tracer.examples import examples, run_example
from tracer.problems import TracerError
from tracer.rules import available_projects, load_rules, parse_rules

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
    assert error_of(text) == "rules/demo.toml:12: [[rpc]] #1: 'server' must be a str"


def test_unknown_field_lists_the_known_ones():
    text = GOOD + '\n[[bindings]]\ncall = "a.f"\nreturn = "a.C"\n'
    message = error_of(text)
    assert message.startswith("rules/demo.toml:11: [[bindings]] #1: 'return' is not a known field")
    assert "returns" in message


def test_note_needs_exactly_one_of_call_or_decorator():
    text = GOOD + '\n[[notes]]\ntext = "x"\n'
    assert "'call' or 'decorator' is required" in error_of(text)


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
