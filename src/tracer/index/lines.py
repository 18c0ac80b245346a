"""Line numbers for the few kinds of node the index records.

LibCST's PositionProvider records a range for every node and costs more
than the parse itself on large modules; this walks the same code generation
once, counting newlines, and keeps the start line of the wanted nodes only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

WANTED = frozenset((cst.Name, cst.Call, cst.Raise, cst.Return, cst.Decorator))  # no subclasses


class _NoContext:
    """A reusable do-nothing context manager (cheaper than a generator's)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NOTHING = _NoContext()


@dataclass(frozen=False)
class _LineState(CodegenState):
    line: int = 1
    starts: dict[int, int] = field(default_factory=dict)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.line += value.count("\n")

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if type(node) in WANTED:
            self.starts[id(node)] = self.line

    def after_codegen(self, node: cst.CSTNode) -> None:
        pass

    def record_syntactic_position(self, node: cst.CSTNode, **_: object) -> _NoContext:  # type: ignore[override]
        return _NOTHING


def start_lines(module: cst.Module) -> dict[int, int]:
    """id(node) -> start line, for Name, Call, Raise, Return, Decorator nodes.

    A Decorator's line may include blank lines before it: use its expression.
    """
    state = _LineState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    return state.starts
