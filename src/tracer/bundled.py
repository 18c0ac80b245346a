"""Folders shipped inside the package: the rules and the fixture trees.

In the repository they are `rules/` and `fixtures/` at the top;
`src/tracer/bundled-rules` and `src/tracer/bundled-fixtures` link to them, and
a built wheel holds copies, so an installed `trace` finds them from any folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tracer.problems import TracerError


def bundled(name: str) -> Path:
    """The shipped folder `name` ("rules" or "fixtures")."""
    found = resources.files("tracer") / f"bundled-{name}"
    if not isinstance(found, Path):  # a zip import: there is no folder to read trees from
        raise TracerError(f"tracer's bundled {name} are not on disk ({found}); install tracer "
                          f"unpacked (pip install) or set TRACER_RULES_DIR")
    return found.resolve()  # in a checkout: the repository's own folder
