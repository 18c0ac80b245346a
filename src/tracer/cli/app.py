"""The `trace` command group: one place that turns TracerError into one line."""

from __future__ import annotations

import os
import sys

import click

from tracer.problems import TracerError


class TracerGroup(click.Group):
    """A click group that reports TracerError as `trace: message` and exits.

    Subcommands that are not registered are looked up as project names
    (`trace PROJECT OP`), see `project_command`.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TracerError as err:
            click.echo(f"trace: {err}", err=True)
            sys.exit(err.exit_code)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as err:  # a bug: one line, the traceback on request
            if os.environ.get("TRACER_DEBUG"):
                raise
            click.echo(f"trace: internal error: {type(err).__name__}: {err} "
                       "(a bug: please report it; TRACER_DEBUG=1 shows the traceback)", err=True)
            sys.exit(3)

    def get_command(self, ctx: click.Context, name: str):
        cmd = super().get_command(ctx, name)
        if cmd is None and self.project_command is not None:
            cmd = self.project_command(name)
        return cmd

    project_command = None  # set by trace_cmds: name -> click.Command | None


@click.group(cls=TracerGroup)
@click.version_option(package_name="tracer")
def main() -> None:
    """Draft sequence diagrams of OpenStack operations from their source code.

    \b
    trace PROJECT OP               draft diagrams/PROJECT/OP.wsd from a source tree
    trace diff A.wsd B.wsd         compare two diagrams step by step
    trace lint X.wsd --source T    check a diagram's source anchors
    """
