"""Thin click commands; each module registers its commands on `main` and is
imported when one of its commands is used (see `LAZY` in app.py)."""

from tracer.cli.app import main

__all__ = ["main"]
