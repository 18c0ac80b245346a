"""`trace render` and `trace export`: pictures and other syntaxes from .wsd files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracer.cli.app import main
from tracer.cli.outputs import (EXTENSION, GivenPath, Output, check_writable, convert, deliver, folder_output,
                                format_of, given, is_folder, one_output, read_diagram, refuse_existing)
from tracer.problems import Problem, TracerError
from tracer.render.batch import OFFLINE_FORMATS, Job, Outcome, RenderOptions, draw, find_jobs, run
from tracer.render.export import TARGETS
from tracer.render.online import DEFAULT_URL, ENV_URL, FORMATS, OnlineOptions, ServiceError
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
@click.argument("paths", nargs=-1, type=GivenPath("give a .wsd file or a folder of them (leave it out for "
                                                  "diagrams/)", path_type=Path))
@click.option("-o", "--output", default=None, metavar="PATH",
              callback=given("give a folder (DIR/), FILE.svg or FILE.png, or - for standard output "
                             "(leave it out for output/)"),
              help="Folder for the pictures (default output/). With one .wsd file: FILE.svg or FILE.png "
                   "(the format from its extension), or - for standard output.")
@click.option("-f", "--format", "format_", default=None,
              help="Comma-separated: svg,png (online also pdf). Default svg, or the extension of -o FILE.")
@click.option("--renderer", type=click.Choice(["offline", "online"]), default="offline",
              show_default=True)
@click.option("--force", is_flag=True,
              help="Render even when the picture is newer than its source; with -o FILE, also replace a file "
                   "that is not a picture (no .svg, .png or .pdf extension, nor a picture inside: README), "
                   "which is kept otherwise.")
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
def render_cmd(paths: tuple[Path, ...], output: str | None, format_: str | None, renderer: str, force: bool,
               scale: float, style: str, online_url: str, apikey: str | None, timeout: float,
               source_url: str | None, tag: str, embed_font: bool, quiet: bool) -> None:
    """Draw .wsd files (or folders of them, default diagrams/) as SVG or PNG.

    Outputs mirror the input tree under OUTPUT: diagrams/PROJECT/OP.wsd ->
    output/PROJECT/OP.svg (several folders: from the folder they share).
    Pictures newer than their source are skipped.
    One file with `-o FILE.png` (or `-o -`) writes just that picture; an
    existing file that is not a picture (README) is kept unless --force.
    """
    sources = paths or (Path("diagrams"),)
    to_file = (len(sources) == 1 and sources[0].is_file() and output is not None
               and (output == "-" or not is_folder(output)))
    formats = _file_format(output, format_, renderer) if to_file and output else format_ if format_ is not None else "svg"
    opts = RenderOptions(
        formats=_formats(formats, renderer), renderer=renderer, force=force,  # type: ignore[arg-type]
        scale=scale, links=SourceLinks(source_url, tag) if source_url else None, embed_font=embed_font,
        online=OnlineOptions(online_url, style, apikey, timeout),
    )
    if to_file and output:
        _render_one(sources[0], output, opts, quiet)
        return
    out_dir = folder_output(output, Path("output"))
    check_writable(out_dir, folder_too=True)
    jobs = find_jobs(sources, out_dir, opts.formats)
    if _show_bar(len(jobs)):
        with click.progressbar(length=len(jobs), label="rendering", file=sys.stderr) as bar:
            outcomes = run(jobs, opts, lambda o: bar.update(1))
    else:
        outcomes = run(jobs, opts)
    _report(outcomes, quiet)


def _file_format(output: str, format_: str | None, renderer: str) -> str:
    """The one format of `-o FILE` or `-o -`: its extension's, else -f's."""
    named = format_of(Path(output)) if output != "-" else None
    given = _formats(format_, renderer) if format_ is not None else ()
    if len(given) > 1:
        raise click.UsageError(f"-o {output} is one file: give one format, or a folder (-o DIR/)")
    if named and given and named != given[0]:
        raise click.UsageError(f"-o {output} names a .{EXTENSION.get(named, named)} file but -f says {given[0]}")
    return named or (given[0] if given else "svg")


def _render_one(source: Path, output: str, opts: RenderOptions, quiet: bool) -> None:
    """`-o FILE` (skipped when newer than its source, as in a folder) or `-o -`."""
    target = one_output(output, source, opts.formats[0], opts.formats)
    if target.path is not None:
        check_writable(target.path)
        _keep_other_files(target.path, target.fmt, opts.force)
        _report(run([Job(source, (target.path,))], opts), quiet)
        return
    parsed = parse_file(source)
    try:
        data, warnings = draw(source, parsed, target.fmt, opts)
    except ServiceError as err:
        raise TracerError("; ".join(f"{source}:{n}: {m}" if n else f"{source}: {m}" for n, m in err.errors)) from None
    for w in () if quiet else (*parsed.problems, *warnings):
        _warn(w)
    deliver(target, data)


def _keep_other_files(path: Path, fmt: str, force: bool) -> None:
    """`-o NAME` for a file that exists, is not named as a picture and does not
    hold one (README, notes) is not a picture this command drew: kept, unless
    forced. A picture drawn there before (`-o pic -f png`) is one, as FILE.png is."""
    if path.is_file() and format_of(path) is None and not force and not _holds_a_picture(path):
        raise TracerError(f"-o {path}: exists and is not a picture (no .svg, .png or .pdf extension, nor a picture "
                          f"inside); not overwritten. Name the picture {path.name}.{EXTENSION.get(fmt, fmt)}, or "
                          f"pass --force to replace {path}", exit_code=1)


def _holds_a_picture(path: Path) -> bool:
    """The file starts as an SVG, PNG or PDF does."""
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError:
        return False
    return head.startswith((b"\x89PNG\r\n", b"%PDF-")) or (head.lstrip().startswith((b"<?xml", b"<svg"))
                                                             and b"<svg" in head)


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
@click.argument("file", metavar="FILE|-", callback=given("give a .wsd file, or - for standard input"))
@click.option("--to", "target", type=click.Choice(TARGETS), default=None,
              help="The syntax (default: the extension of -o FILE.puml or FILE.mmd).")
@click.option("-o", "--output", default=None, metavar="PATH",
              callback=given("give FILE.puml or FILE.mmd, a folder (DIR/), or - for standard output "
                             "(or leave it out)"),
              help="FILE.puml or FILE.mmd, a folder (DIR/), or - for standard output (the default).")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def export_cmd(file: str, target: str | None, output: str | None, force: bool) -> None:
    """Write FILE.wsd (or standard input, -) as PlantUML or Mermaid text."""
    output = output or "-"
    named = format_of(Path(output)) if output != "-" and not is_folder(output) else None
    fmt = target or named
    if fmt is None:
        raise click.UsageError("give --to plantuml|mermaid, or -o FILE.puml|FILE.mmd")
    if target and named and named != target:
        raise click.UsageError(f"-o {output} names a .{EXTENSION.get(named, named)} file but --to says {target}")
    stem = "diagram" if file == "-" else Path(file).stem
    out = one_output(output, Path(f"{stem}.{EXTENSION[fmt]}"), fmt, TARGETS)
    refuse_existing(out, force)
    check_writable(out.path)
    parsed = read_diagram(file)
    data, dropped = convert(parsed.diagram, out.fmt, "<stdin>" if file == "-" else file)
    for problem in (*parsed.problems, *dropped):
        _warn(problem)
    deliver(out, data)
