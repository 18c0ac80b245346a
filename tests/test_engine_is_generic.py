"""The engine (src/tracer/) names no OpenStack project: everything
project-specific is in rules/. Whole words, code, comments and docstrings
alike. Occurrences found when this test was written are listed in PENDING
(by file and word, with their count) until they are renamed; the test fails
on any new one and on a listed one that is gone (so the list only shrinks)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "src" / "tracer"
PROJECTS = ("nova", "cinder", "neutron", "sahara", "magnum", "glance", "keystone", "placement",
            "libvirt", "heat", "swift", "ironic", "octavia", "manila", "horizon", "trove", "designate")
WORD = re.compile(r"\b(" + "|".join(PROJECTS) + r")\b", re.IGNORECASE)

# Examples in docstrings that still use Nova's paths (to be reworded by the
# files' owners): path relative to src/tracer -> {word: count}.
PENDING: dict[str, dict[str, int]] = {
    "catalogue.py": {"nova": 1},
    "cli/app.py": {"nova": 4},
    "cli/render_cmds.py": {"nova": 2},
    "compare.py": {"nova": 1},
    "fetch.py": {"nova": 1},
    "lint.py": {"nova": 1},
    "releases.py": {"nova": 2},
    "render/shapes.py": {"nova": 1},
    "site/collect.py": {"nova": 1},
    "site/html.py": {"nova": 1},
    "wsd/model.py": {"nova": 2},
}


def project_names_in_engine() -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for path in sorted(ENGINE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".txt", ".md", ".html", ".css", ".js"):
            words = Counter(m.group(1).lower() for m in WORD.finditer(path.read_text(encoding="utf-8")))
            if words:
                found[path.relative_to(ENGINE).as_posix()] = dict(words)
    return found


def test_engine_names_no_openstack_project():
    assert project_names_in_engine() == PENDING


def test_the_pattern_finds_whole_words_only():
    assert WORD.findall("nova/compute/api.py Nova, cinder_volume novalike heat.") == ["nova", "Nova", "heat"]
