"""The `trace` command group: one place that turns TracerError into one line."""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from pathlib import Path

import click

from tracer.problems import TracerError
from tracer.roomy import with_room


class TracerGroup(click.Group):
    """A click group that reports TracerError as `trace: message` and exits.

    Subcommands that are not registered are looked up as project names
    (`trace PROJECT OP`), see `project_command`.
    """

    def invoke(self, ctx: click.Context):
        try:
            return with_room(lambda: super(TracerGroup, self).invoke(ctx))
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
            if isinstance(err, OSError) and err.filename is not None:
                # a path the system refused where no check foresaw it: the path and why, exit 2
                click.echo(f"trace: {err.filename}: {err.strerror or err}; check that path (its name, its "
                           "folders, their permissions, the space left) or give another (TRACER_DEBUG=1 shows "
                           "where it failed)", err=True)
                sys.exit(2)
            click.echo(f"trace: internal error: {type(err).__name__}: {err} "
                       "(a bug: please report it; TRACER_DEBUG=1 shows the traceback)", err=True)
            sys.exit(3)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = click.utils.make_str(args[0])
        if not ctx.resilient_parsing and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            ctx.fail(f"No such command '{name}'." + (_no_rules_there() or (
                f" Did you mean '{close[0]}'?" if close else " `trace --help` lists the commands and projects.")))
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, name: str):
        if name in LAZY:
            importlib.import_module(LAZY[name])
        cmd = super().get_command(ctx, name)
        if cmd is None:
            importlib.import_module(LAZY["ops"])  # sets project_command
            cmd = self.project_command(name) if self.project_command else None
        return cmd

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY) | set(_projects()))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands, then the projects (one per rules file)."""
        projects = _projects()
        for title, wanted in (("Commands", False), ("Projects", True)):
            rows = []
            for name in self.list_commands(ctx):
                cmd = self.get_command(ctx, name) if (name in projects) == wanted else None
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    project_command = None  # set by trace_cmds: name -> click.Command | None


def _projects() -> list[str]:
    from tracer.rules import available_projects

    return available_projects()


def color_default(flag: bool | None) -> bool:
    """--color/--no-color if given, else colour on a terminal unless $NO_COLOR is set."""
    if flag is not None:
        return flag
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


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

    \b
    `trace PROJECT --help` lists a project's operations.
    Shell completion (bash; zsh_source, fish_source for the others):
      eval "$(_TRACE_COMPLETE=bash_source trace)"
    """


def _no_rules_there() -> str | None:
    """What is wrong with TRACER_RULES_DIR when it names no folder of rules
    (every project command comes from one)."""
    folder = os.environ.get("TRACER_RULES_DIR")
    if folder and not any(p.is_file() for p in Path(folder).glob("*.toml")):
        return (f" TRACER_RULES_DIR={folder} holds no rules (PROJECT.toml files): point it at a folder of them, "
                "or unset it for the rules trace ships with.")
    return None
