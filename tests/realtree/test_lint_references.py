"""`trace lint` of the hand-written references against a real Nova tree flags
the anchors their README lists as wrong, with where the function really is."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main

pytestmark = pytest.mark.realtree


def test_lint_flags_the_known_wrong_anchors(reference_dir: Path, nova_15: Path):
    files = sorted(str(p) for p in (reference_dir / "nova").glob("*.wsd"))
    result = CliRunner().invoke(main, ["lint", *files, "--source", str(nova_15)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for name in ("reboot", "stop"):
        assert any(line.startswith(str(reference_dir / "nova" / f"{name}.wsd")) and
                   "anchor 'nova/api/compute/servers.py _stop_server()': no such file under" in line and
                   line.endswith("defined in nova/api/openstack/compute/servers.py") for line in lines), name
    flagged = {Path(line.split(":", 1)[0]).stem for line in lines}
    assert {"pause", "unpause", "lock", "suspend", "rename"}.isdisjoint(flagged)
