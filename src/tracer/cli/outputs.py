"""Where a command's diagram comes from and where its result goes.

`-o FILE` writes that file, in the format its extension names; `-o DIR/` (or
a folder that exists) writes DIR/NAME.EXT; `-o -` writes to standard output.
A diagram argument `-` is read from standard input.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracer.files import write_atomic
from tracer.problems import Problem, TracerError
from tracer.wsd.model import Diagram

if TYPE_CHECKING:
    from tracer.wsd.parse import Parsed
from tracer.wsd.reader import MAX_BYTES

# file extension -> format
FORMATS = {"wsd": "wsd", "svg": "svg", "png": "png", "pdf": "pdf", "puml": "plantuml", "mmd": "mermaid"}
EXTENSION = {fmt: ext for ext, fmt in FORMATS.items()}
CONVERTED = ("wsd", "svg", "png", "plantuml", "mermaid")  # what `convert` makes
STDIN = "-"


@dataclass(frozen=True)
class Output:
    path: Path | None  # None: standard output
    fmt: str


def _named(param: click.Parameter | None) -> str:
    """How the user wrote the parameter: `-o/--output`, or the argument's name
    (`FILE` for one shown as FILE|-)."""
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name.split("|")[0] if param is not None else "a value"


def refuse_empty(value: object, param: click.Parameter | None, ctx: click.Context | None, what: str) -> None:
    """An empty value (or blanks) would quietly mean the current folder, or
    nothing: a usage error naming the parameter and `what` to give."""
    if isinstance(value, str) and not value.strip():
        raise click.UsageError(f"{_named(param)} is empty: {what}", ctx)


def given(what: str):
    """A click callback refusing an empty value (each of several), see refuse_empty."""
    def check(ctx: click.Context, param: click.Parameter, value):
        for one in value if isinstance(value, tuple) else (value,):
            refuse_empty(one, param, ctx, what)
        return value
    return check


class GivenPath(click.Path):
    """click.Path that refuses an empty value (which it would make the current
    folder, `.`) before converting it; `what` says what to give instead."""

    def __init__(self, what: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.what = what

    def convert(self, value, param, ctx):
        refuse_empty(value, param, ctx, self.what)
        return super().convert(value, param, ctx)


def is_folder(value: str) -> bool:
    """`-o` names a folder: it ends with a slash or is one already."""
    return value.endswith(("/", os.sep)) or Path(value).is_dir()


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix[1:].lower())


def one_output(value: str | None, default: Path, fmt: str, allowed: tuple[str, ...]) -> Output:
    """Where one result goes. `default` is the file written without `-o` (its
    name is kept under a folder given as `-o DIR/`); `fmt` the format for
    names whose extension names none of `allowed`."""
    if value == "-":
        return Output(None, fmt)
    if value is None:
        path = default
    elif is_folder(value):
        path = Path(value) / f"{default.stem}.{EXTENSION.get(fmt, fmt)}"
    else:
        path = Path(value)
        named = format_of(path)
        if (named and named not in allowed) or (path.suffix and not named):
            kinds = ", ".join(f".{EXTENSION.get(f, f)}" for f in allowed)
            raise TracerError(f"-o {value}: this command writes {kinds}, not .{path.suffix[1:]}")
        fmt = named or fmt
    if path.is_dir():
        raise TracerError(f"-o {path}: is a folder; name a file in it instead")
    return Output(path, fmt)


def folder_output(value: str | None, default: Path) -> Path:
    """The folder for many results: never an existing file or a picture's name."""
    if value == "-":
        raise click.UsageError("this writes one file per diagram: -o takes a directory, not -")
    path = Path(value) if value else default
    if path.exists() and not path.is_dir():
        raise TracerError(f"-o {path}: is a file, and a folder is needed here (one file per diagram)")
    if not path.exists() and format_of(path) and not str(value).endswith(("/", os.sep)):
        raise TracerError(f"-o {path}: one file per diagram needs a folder; give a folder "
                          f"(end it with / to make one named {path.name}), or one diagram")
    return path


def check_writable(path: Path | None, folder_too: bool = False) -> None:
    """Fail before the work when the file (with `folder_too`, the folder)
    cannot be made: a file stands where a folder is needed, or the folder
    is not writable."""
    if path is None:
        return
    if not folder_too and path.exists() and not path.is_file() and not path.is_dir():
        raise TracerError(f"-o {path}: not a regular file (a device, pipe or socket); pick another place, "
                          f"or -o - for standard output")
    folder = path if folder_too else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise TracerError(f"-o {path}: {folder} is a file, not a folder; pick another place")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TracerError(f"-o {path}: cannot write in {folder} (permission denied); pick another place")
    try:  # the access bits do not tell everything (root, a read-only or virtual file system): try
        os.rmdir(tempfile.mkdtemp(prefix=".trace-probe-", dir=folder))
    except OSError as err:
        raise TracerError(f"-o {path}: cannot write in {folder} ({err.strerror or err}); pick another place") \
            from None


def refuse_existing(out: Output, force: bool) -> None:
    """Refuse to replace a file before any work is done, unless forced."""
    if out.path is not None and out.path.exists() and not force:
        raise TracerError(f"{out.path} exists and may hold hand edits; not overwritten. Pass --force to "
                          f"replace it, or -o PATH (or -o -) to write elsewhere", exit_code=1)


def convert(diagram: Diagram, fmt: str, name: str) -> tuple[bytes, list[Problem]]:
    """The diagram in `fmt`, with what the conversion left out."""
    if fmt == "wsd":
        from tracer.wsd.emit import emit

        return emit(diagram).encode("utf-8"), []
    if fmt in ("svg", "png"):
        from tracer.render.batch import RenderOptions, draw_offline

        return draw_offline(diagram, fmt, RenderOptions()), []
    from tracer.render.export import export

    result = export(diagram, fmt, name)
    return result.text.encode("utf-8"), list(result.dropped)


def deliver(out: Output, data: bytes, force: bool = True) -> None:
    """Write the result: atomically to its file (without `force`, never over
    one that appeared since it was checked), or to standard output."""
    if out.path is None:
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
        return
    try:
        write_atomic(out.path, data, replace=force)
    except FileExistsError:
        raise TracerError(f"{out.path} appeared while this ran and may hold hand edits; not overwritten. "
                          f"Pass --force to replace it, or -o PATH to write elsewhere") from None
    except OSError as err:
        raise TracerError(f"-o {out.path}: cannot write ({err.strerror or err}); "
                          f"pick a place you can write to") from None


def read_diagram(arg: str | Path) -> Parsed:
    """A .wsd file, or standard input for `-`."""
    from tracer.wsd.parse import a_diagram, parse_file, parse_text  # the parser only for commands that read
    if str(arg) != STDIN:
        return parse_file(Path(arg))
    data = sys.stdin.buffer.read(MAX_BYTES + 1)  # the size limit files have (/dev/zero ends here)
    if len(data) > MAX_BYTES:
        raise TracerError(f"<stdin>: more than {MAX_BYTES // 2**20} MB; a diagram is smaller: send a .wsd file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TracerError(f"<stdin>: not UTF-8 (bad byte at offset {err.start}); send UTF-8") from None
    if not text.strip():
        raise TracerError("<stdin>: empty; send a diagram on standard input")
    return a_diagram(parse_text(text, "<stdin>"), "<stdin>")
