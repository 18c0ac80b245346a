"""The README's catalogue table is the one the committed catalogue gives."""

from __future__ import annotations

from pathlib import Path

from tracer.readme import END, START, catalogue_table, catalogue_tables

ROOT = Path(__file__).resolve().parents[1]


def test_readme_catalogue_table_is_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = text.split(START, 1)[1].split(END, 1)[0].lstrip("\n")
    assert shown == catalogue_tables(ROOT), "run `.venv/bin/python -m tracer.readme`"


def test_every_link_in_the_table_exists():
    table = catalogue_table(ROOT, "nova")
    links = [part.split(")", 1)[0] for part in table.split("](")[1:]]
    assert links and all((ROOT / link).is_file() for link in links)
    assert "| reset_network | [picture](output/nova/liberty/reset_network.svg)" in table
    assert table.count("—") == 1  # reset_network, removed in 2026.2
