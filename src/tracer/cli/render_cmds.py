"""`trace render` and `trace export`: pictures and other syntaxes from .wsd files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracer.cli.app import main
from tracer.problems import Problem
from tracer.render.batch import OFFLINE_FORMATS, Outcome, RenderOptions, atomic_write, find_jobs, run
from tracer.render.export import TARGETS, export
from tracer.render.online import DEFAULT_URL, ENV_URL, FORMATS, OnlineOptions
from tracer.render.svg import SourceLinks
from tracer.wsd.parse import parse_file

_BAR_FROM = 4  # files; fewer render too fast for a bar to help


def _formats(value: str, renderer: str) -> tuple[str, ...]:
    allowed = OFFLINE_FORMATS if renderer == "offline" else FORMATS
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise click.UsageError(f"format {', '.join(bad) or value!r} not available with the "
                               f"{renderer} renderer; use {','.join(allowed)}")
    return formats


def _warn(problem: Problem) -> None:
    where = f"{problem.path}:{problem.line}" if problem.line else problem.path
    click.echo(f"{where}: warning: {problem.message}", err=True)


@main.command("render")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("output"), show_default=True, help="Folder for the pictures.")
@click.option("-f", "--format", "format_", default="svg", show_default=True,
              help="Comma-separated: svg,png (online also pdf).")
@click.option("--renderer", type=click.Choice(["offline", "online"]), default="offline",
              show_default=True)
@click.option("--force", is_flag=True, help="Render even when the picture is newer than its source.")
@click.option("--scale", type=click.FloatRange(0.25, 8), default=1.0, show_default=True,
              help="PNG pixel scale, 2 for high-DPI screens.")
@click.option("--style", default="modern-blue", show_default=True, help="Online renderer style.")
@click.option("--online-url", envvar=ENV_URL, default=DEFAULT_URL, show_default=True,
              help=f"Online renderer base URL (env {ENV_URL}).")
@click.option("--apikey", envvar="TRACER_WSD_APIKEY", help="Online renderer API key.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds to wait for the online renderer.")
@click.option("--source-url", help="Link anchors in SVGs: template with {path} {func} {tag} {line}.")
@click.option("--tag", default="", help="Value of {tag} in --source-url.")
@click.option("--embed-font/--no-embed-font", default=True, show_default=True,
              help="Embed the measuring font (13 KB) in SVGs so viewers match its widths.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print parser warnings.")
def render_cmd(paths: tuple[Path, ...], output: Path, format_: str, renderer: str, force: bool,
               scale: float, style: str, online_url: str, apikey: str | None, timeout: float,
               source_url: str | None, tag: str, embed_font: bool, quiet: bool) -> None:
    """Draw .wsd files (or folders of them, default diagrams/) as SVG or PNG.

    Outputs mirror the input tree under OUTPUT: diagrams/PROJECT/OP.wsd ->
    output/PROJECT/OP.svg. Pictures newer than their source are skipped.
    """
    opts = RenderOptions(
        formats=_formats(format_, renderer), renderer=renderer, force=force,  # type: ignore[arg-type]
        scale=scale, links=SourceLinks(source_url, tag) if source_url else None, embed_font=embed_font,
        online=OnlineOptions(online_url, style, apikey, timeout),
    )
    jobs = find_jobs(paths or (Path("diagrams"),), output, opts.formats)
    if _show_bar(len(jobs)):
        with click.progressbar(length=len(jobs), label="rendering", file=sys.stderr) as bar:
            outcomes = run(jobs, opts, lambda o: bar.update(1))
    else:
        outcomes = run(jobs, opts)
    _report(outcomes, quiet)


def _show_bar(files: int) -> bool:
    return files >= _BAR_FROM and sys.stderr.isatty()


def _report(outcomes: list[Outcome], quiet: bool) -> None:
    counts = {s: sum(o.status == s for o in outcomes) for s in ("rendered", "skipped", "failed")}
    for o in outcomes:
        if not quiet:
            for w in o.warnings:
                _warn(w)
        if o.error:
            click.echo(o.error, err=True)
    if not outcomes:
        click.echo("no .wsd files found")
        return
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n or s == "rendered"))
    if counts["failed"]:
        sys.exit(1)


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Choice(TARGETS), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
def export_cmd(file: Path, target: str, output: Path | None) -> None:
    """Write FILE.wsd as PlantUML or Mermaid text."""
    parsed = parse_file(file)
    result = export(parsed.diagram, target, str(file))
    for problem in (*parsed.problems, *result.dropped):
        _warn(problem)
    if output is None:
        click.echo(result.text, nl=False)
    else:
        atomic_write(output, result.text.encode("utf-8"))
