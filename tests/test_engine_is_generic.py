"""The engine (src/tracer/) names no OpenStack project: everything
project-specific is in rules/. Whole words, code, comments and docstrings
alike."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "src" / "tracer"
PROJECTS = ("nova", "cinder", "neutron", "sahara", "magnum", "glance", "keystone", "placement",
            "libvirt", "heat", "swift", "ironic", "octavia", "manila", "horizon", "trove", "designate")
WORD = re.compile(r"\b(" + "|".join(PROJECTS) + r")\b", re.IGNORECASE)

def project_names_in_engine() -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for path in sorted(ENGINE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".txt", ".md", ".html", ".css", ".js"):
            words = Counter(m.group(1).lower() for m in WORD.finditer(path.read_text(encoding="utf-8")))
            if words:
                found[path.relative_to(ENGINE).as_posix()] = dict(words)
    return found


def test_engine_names_no_openstack_project():
    assert project_names_in_engine() == {}


def test_the_pattern_finds_whole_words_only():
    assert WORD.findall("nova/compute/api.py Nova, cinder_volume novalike heat.") == ["nova", "Nova", "heat"]
