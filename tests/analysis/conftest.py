"""Fixtures for analysis tests."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from treehelp import write_tree


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    return lambda files: write_tree(tmp_path, files)
