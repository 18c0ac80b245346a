"""Atomic file writes: a temporary file beside the target, then a rename.

The file gets the mode a plain `open` would give it (0666 less the umask),
not the 0600 of a temporary file.
"""

from __future__ import annotations

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
        else:
            os.link(tmp, path)  # fails when the name is taken: never replaces
            os.unlink(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
