"""Read a .wsd file safely: a regular file, within a size limit, UTF-8.

Every command that reads a diagram comes through `read_wsd`, so a FIFO, a
device such as /dev/zero or a runaway file is refused with one clear line
instead of hanging or filling the memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tracer.problems import TracerError

MAX_BYTES = 4 * 1024 * 1024  # the largest drafts are about 100 KB


def read_wsd(path: Path, limit: int = MAX_BYTES) -> str:
    """The text of a .wsd file; anything that is not a readable diagram raises TracerError (exit 2)."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not wait for one.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise TracerError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise TracerError(f"{path}: is a directory; give a .wsd file") from None
    except OSError as err:
        raise TracerError(f"{path}: cannot read ({err.strerror}); check its permissions") from None
    try:
        data = _read_regular(path, fd, limit)
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TracerError(
            f"{path}: not UTF-8 (bad byte at offset {err.start}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise TracerError(f"{path}: empty file; write a diagram in it first")
    return text


def _read_regular(path: Path, fd: int, limit: int) -> bytes:
    mode = os.fstat(fd).st_mode
    if stat.S_ISDIR(mode):
        raise TracerError(f"{path}: is a directory; give a .wsd file")
    if not stat.S_ISREG(mode):
        raise TracerError(f"{path}: not a regular file ({_kind(mode)}); save the diagram to a file first")
    chunks, size = [], 0
    try:
        while size <= limit and (chunk := os.read(fd, limit + 1 - size)):
            chunks.append(chunk)  # a file still growing is held to the limit too
            size += len(chunk)
    except OSError as err:
        raise TracerError(f"{path}: cannot read ({err.strerror}); check its permissions") from None
    data = b"".join(chunks)
    if len(data) > limit:
        raise TracerError(f"{path}: larger than {limit // (1024 * 1024)} MB; "
                          "a diagram this big cannot be drawn or compared, split it")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"
