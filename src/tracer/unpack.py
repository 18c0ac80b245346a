"""Unpack a release archive (.tar.*, .zip) into a folder, within limits.

An archive that unpacks to far more than it weighs (a gzip bomb) stops at
the size limit: the members' sizes are added up before each one is written,
so nothing past the limit reaches the disk. A compressed tar is read through
once before anything is written, so a damaged stream is refused whole. Unsafe names (absolute paths,
`..`, links out of the folder) are refused. A damaged archive (a corrupt
gzip stream, a truncated tar) is one short reason.
"""

from __future__ import annotations

import lzma
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

FILES = 100_000  # members an archive may hold


class Refused(Exception):
    """The archive is damaged, unsafe or too large; the message is the short reason."""


def unpack(archive: Path, into: Path, package: str, max_size: int) -> Path:
    """Unpack into `into`; the folder that holds `package/`."""
    try:
        if zipfile.is_zipfile(archive):
            _unzip(archive, into, max_size)
        else:
            _untar(archive, into, max_size)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error,
            lzma.LZMAError) as err:
        raise Refused(f"the archive does not open: {_one_line(err)}") from None
    holders = sorted(into.glob(f"{package}/__init__.py")) + sorted(into.glob(f"*/{package}/__init__.py"))
    if not holders:
        raise Refused(f"the archive holds no {package}/ package")
    return holders[0].parent.parent


def mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"


def _untar(archive: Path, into: Path, max_size: int) -> None:
    with tarfile.open(archive, "r:*") as tar:
        _read_through(tar, max_size)
    with tarfile.open(archive, "r:*") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, members=_within(tar, max_size), filter="data")
        else:  # pragma: no cover - Python before 3.10.12
            members = list(_within(tar, max_size))
            _check_names([m.name for m in members])
            tar.extractall(into, members=members)


def _read_through(tar: tarfile.TarFile, max_size: int) -> None:
    """Decompress the whole stream, writing nothing: its checksum is checked at
    the end (tarfile alone would stop quietly at the first damaged header and
    keep a partial tree), and a stream far past the limit (more than its
    members plus their headers could need) stops here."""
    stream, total, most = tar.fileobj, 0, max_size + FILES * 1024
    while chunk := stream.read(1 << 20):  # type: ignore[union-attr]
        total += len(chunk)
        if total > most:
            _check(0, total, max_size)


def _within(tar: tarfile.TarFile, max_size: int) -> Iterator[tarfile.TarInfo]:
    """The members, read one by one, until they add up to more than the limits."""
    total = 0
    for count, member in enumerate(tar, 1):
        total += max(member.size, 0)
        _check(count, total, max_size)
        yield member


def _unzip(archive: Path, into: Path, max_size: int) -> None:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        _check(len(infos), sum(i.file_size for i in infos), max_size)
        _check_names([i.filename for i in infos])
        zf.extractall(into)  # each member stops at its stated size


def _check(count: int, total: int, max_size: int) -> None:
    if total > max_size:
        raise Refused(f"the archive unpacks to more than {mib(max_size)} (the limit; --max-size to raise it)")
    if count > FILES:
        raise Refused(f"the archive holds more than {FILES} files")


def _check_names(names: list[str]) -> None:
    for name in names:
        if name.startswith(("/", "\\")) or ".." in Path(name).parts:
            raise ValueError(f"unsafe path {name!r} in the archive")


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__
