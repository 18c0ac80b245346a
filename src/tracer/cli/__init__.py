"""Thin click commands; each module registers its commands on `main`."""

from tracer.cli.app import main
from tracer.cli import wsd_cmds  # noqa: F401  (registers diff, lint)

__all__ = ["main"]
