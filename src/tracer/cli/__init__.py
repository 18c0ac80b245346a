"""Thin click commands; each module registers its commands on `main`."""

from tracer.cli.app import main
from tracer.cli import wsd_cmds  # noqa: F401  (registers diff, lint)
from tracer.cli import render_cmds  # noqa: F401  (registers render, export)
from tracer.cli import trace_cmds  # noqa: F401  (registers PROJECT, ops, explain)
from tracer.cli import release_cmds  # noqa: F401  (registers fetch, compare)
from tracer.cli import rules_cmds  # noqa: F401  (registers rules check)
from tracer.cli import site_cmds  # noqa: F401  (registers site)

__all__ = ["main"]
