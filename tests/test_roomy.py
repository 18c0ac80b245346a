"""A call run with room on the frame stack: its result and errors pass
through, and a recursion below it stops mapping stack chunks afresh."""

import platform
import resource
import sys

import pytest

from tracer.roomy import with_room


def test_result_and_errors_pass_through():
    assert with_room(lambda: 42) == 42
    with pytest.raises(KeyError, match="gone"):
        with_room(lambda: {}["gone"])


def _recurse(n: int) -> int:
    return 0 if n == 0 else _recurse(n - 1) + 1


def _churn() -> None:
    for _ in range(3000):
        _recurse(300)  # deeper than one 16 KiB chunk holds: crosses a chunk's end every time


def _faults(call) -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    call()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(platform.python_implementation() != "CPython" or sys.version_info < (3, 11),
                    reason="frames live in mapped chunks from CPython 3.11 on")
def test_recursion_below_it_stops_remapping_the_stack():
    plain = _faults(_churn)
    roomy = _faults(lambda: with_room(_churn))
    assert plain >= 3000  # a fresh chunk mapped (and its page faulted in) on every round
    assert roomy * 10 < plain
