"""The engine (src/tracer/) names no OpenStack project: everything
project-specific is in rules/. Code, comments and docstrings alike, and
inside identifiers too (`cinderclient`, `nova_compute_dest`)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "src" / "tracer"
PROJECTS = ("nova", "cinder", "neutron", "sahara", "magnum", "glance", "keystone", "placement",
            "libvirt", "heat", "swift", "ironic", "octavia", "manila", "horizon", "trove", "designate")
NAME = re.compile("|".join(PROJECTS), re.IGNORECASE)
WORD = re.compile(r"[A-Za-z0-9_]+")
# ordinary words that hold a project's name without naming it
ORDINARY = {"horizontal", "horizontally", "cheat", "wheat", "theater", "theatre", "innovation", "swiftly",
            "glanced", "designated", "ironically"}


def mentions(text: str) -> list[str]:
    """The project names in `text`, wherever they stand in a word or identifier."""
    return [m.group(0) for w in WORD.finditer(text) if w.group(0).lower() not in ORDINARY
            for m in NAME.finditer(w.group(0))]


def project_names_in_engine() -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for path in sorted(ENGINE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".txt", ".md", ".html", ".css", ".js"):
            words = Counter(name.lower() for name in mentions(path.read_text(encoding="utf-8")))
            if words:
                found[path.relative_to(ENGINE).as_posix()] = dict(words)
    return found


def test_engine_names_no_openstack_project():
    assert project_names_in_engine() == {}


def test_names_are_found_inside_identifiers_too():
    text = "nova/compute/api.py Nova, cinder_volume novalike heat. cinderclient heatclient nova_compute_dest"
    assert mentions(text) == ["nova", "Nova", "cinder", "nova", "heat", "cinder", "heat", "nova"]


def test_ordinary_words_holding_a_name_are_not_mentions():
    assert mentions("a horizontal rule, at a glance; glanced at a designated theatre") == ["glance"]
