"""Problems a user sees: warnings and errors, always as `path:line: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One warning or error tied to a place in a file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


class TracerError(Exception):
    """A user-facing failure: bad input, missing tree, unknown operation.

    The CLI prints it as one line and exits with `exit_code`.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
