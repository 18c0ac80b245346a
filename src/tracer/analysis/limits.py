"""How far and how closely a walk goes (light: the CLI imports it to parse options)."""

from __future__ import annotations

from dataclasses import dataclass

DETAILS = ("brief", "normal", "full")


@dataclass(frozen=True)
class Limits:
    depth: int = 24       # nested frames followed
    inline: int = 1       # nested helpers inlined within one participant (full detail)
    steps: int = 800      # statements drawn before the walk stops
    detail: str = "normal"  # brief | normal | full

    @property
    def folds(self) -> bool:
        """Below full detail a callee's private helpers fold: only their
        messages and landmarks are drawn."""
        return self.detail != "full"

    @property
    def helpers(self) -> int:
        return 0 if self.folds else self.inline
