"""Atomic file writes: a temporary file beside the target, then a rename.

The file gets the mode a plain `open` would give it (0666 less the umask),
not the 0600 of a temporary file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, replace: bool = True) -> None:
    """Write `path` whole or not at all. With `replace` False, a file that
    appeared there meanwhile (someone's, written since it was checked) stays
    and FileExistsError is raised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~umask())
        if replace:
            os.replace(tmp, path)
        elif not _linked(tmp, path):  # no hard links here: the check and the rename as close as they come
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, "File exists", str(path))
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _linked(tmp: str, path: Path) -> bool:
    """Link `tmp` as `path`, failing with FileExistsError when the name is
    taken; False where the file system has no hard links."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            return False
        raise
    os.unlink(tmp)
    return True


def umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
