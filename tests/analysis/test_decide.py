"""Branches settled by literal arguments."""

from __future__ import annotations

import pytest

from tracer.analysis.decide import UNKNOWN, decide, literal
from tracer.index.model import Arg


@pytest.mark.parametrize("test, known, expected", [
    ("live and not rebuild and not flavor", {"live": False}, False),
    ("not live and not rebuild and flavor", {"live": False, "rebuild": False}, None),
    ("not live and not rebuild", {"live": False, "rebuild": False}, True),
    ("reboot_type == 'SOFT'", {"reboot_type": "HARD"}, False),
    ("a or b", {"a": True}, True),
    ("a or b", {"a": False}, None),
    ("x is None", {"x": None}, True),
    ("x.y", {"x": 1}, None),
    ("f(live)", {"live": True}, None),
    ("live", {}, None),
    ("not (", {"live": True}, None),
    ("kind in ['delete', 'soft_delete']", {"kind": "delete"}, True),
    ("kind not in ('delete', 'soft_delete')", {"kind": "force_delete"}, True),
    ("kind in {'delete'}", {"kind": "soft_delete"}, False),
    ("kind in [other, 'delete']", {"kind": "delete"}, None),  # an item not known: not settled
    ("kind in []", {"kind": "delete"}, False),
])
def test_decide(test, known, expected):
    assert decide(test, known) is expected


def test_literals_and_known_names():
    assert literal(Arg("live", "False"), {}) is False
    assert literal(Arg(None, "'SOFT'", "SOFT"), {}) == "SOFT"
    assert literal(Arg(None, "flavor"), {"flavor": None}) is None
    assert literal(Arg(None, "flavor"), {}) is UNKNOWN
    assert literal(Arg(None, "[1, 2]"), {}) is UNKNOWN


def test_a_conditional_argument_is_the_arm_the_known_names_choose():
    text = "delete_type if delete_type != 'soft_delete' else 'delete'"
    assert literal(Arg(None, text), {"delete_type": "force_delete"}) == "force_delete"
    assert literal(Arg(None, text), {"delete_type": "soft_delete"}) == "delete"
    assert literal(Arg(None, text), {"other": 1}) is UNKNOWN  # the test not settled
    assert literal(Arg(None, "x if flag else [1]"), {"flag": False}) is UNKNOWN  # a list is no value here


def test_the_projects_own_escape_sequences_raise_no_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert literal(Arg(None, "'a\\s'"), {}) == "a\\s"
        assert decide("x == '\\s'", {"x": "a"}) is False
