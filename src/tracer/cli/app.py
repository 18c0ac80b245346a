"""The `trace` command group: one place that turns TracerError into one line."""

from __future__ import annotations

import importlib
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
        except BrokenPipeError:  # the reader left (`trace ... | head`): nothing more to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as err:  # a bug: one line, the traceback on request
            if os.environ.get("TRACER_DEBUG"):
                raise
            click.echo(f"trace: internal error: {type(err).__name__}: {err} "
                       "(a bug: please report it; TRACER_DEBUG=1 shows the traceback)", err=True)
            sys.exit(3)

    def get_command(self, ctx: click.Context, name: str):
        if name in LAZY:
            importlib.import_module(LAZY[name])
        cmd = super().get_command(ctx, name)
        if cmd is None:
            importlib.import_module(LAZY["ops"])  # sets project_command
            cmd = self.project_command(name) if self.project_command else None
        return cmd

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY))

    project_command = None  # set by trace_cmds: name -> click.Command | None


# Commands are imported when used, so that `trace diff` does not pay for the
# tracer's or the renderer's imports: command name -> the module defining it.
LAZY = {
    "diff": "tracer.cli.wsd_cmds", "lint": "tracer.cli.wsd_cmds",
    "render": "tracer.cli.render_cmds", "export": "tracer.cli.render_cmds",
    "ops": "tracer.cli.trace_cmds", "explain": "tracer.cli.trace_cmds",
    "fetch": "tracer.cli.release_cmds", "compare": "tracer.cli.release_cmds",
    "rules": "tracer.cli.rules_cmds", "site": "tracer.cli.site_cmds",
}


@click.group(cls=TracerGroup)
@click.version_option(package_name="tracer")
def main() -> None:
    """Draft sequence diagrams of OpenStack operations from their source code.

    \b
    trace PROJECT OP               draft diagrams/PROJECT/OP.wsd from a source tree
    trace diff A.wsd B.wsd         compare two diagrams step by step
    trace lint X.wsd --source T    check a diagram's source anchors
    """
