"""Helpers for analysis tests: small trees from dicts, rules from TOML text."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tracer.rules import Rules, parse_rules

MINIMAL_RULES = """
[project]
name = "demo"
package = "demo"

[discovery]
api_modules = ["demo/api/*.py"]
action_decorator = "action"
resource_methods = { create = "{module}.create" }
"""


def rules_from(extra: str = "") -> Rules:
    return parse_rules(MINIMAL_RULES + textwrap.dedent(extra), "rules/demo.toml")


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {path: source} under root, with package __init__ files."""
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        for parent in path.relative_to(root).parents:
            init = root / parent / "__init__.py"
            if str(parent) != "." and not init.exists():
                init.write_text("", encoding="utf-8")
    return root
