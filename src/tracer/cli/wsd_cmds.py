"""`trace diff` and `trace lint`: commands over .wsd files."""

from __future__ import annotations

from tracer.cli.app import main  # noqa: F401
