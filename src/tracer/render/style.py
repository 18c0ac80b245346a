"""Colours and strokes shared by the SVG and PNG drawers."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Paint:
    fill: str | None
    stroke: str | None
    width: float = 1.0


BOX_PAINT = {
    "participant": Paint("#e8eef8", "#3d5a80", 1.2),
    "note": Paint("#fff8d6", "#b39b3c"),
    "state": Paint("#eef6ee", "#5b8a5b"),
    "ref": Paint("#ffffff", "#555555"),
    "activation": Paint("#f4f4f4", "#555555"),
    "frame": Paint(None, "#7a7a7a", 1.0),
    "tab": Paint("#ececec", "#7a7a7a", 1.0),
    "cross": Paint(None, "#aa2222", 2.0),
    "banner": Paint("#ececec", "#7a7a7a", 1.0),
    "gap": Paint("#ffffff", "#ffffff", 0.0),
    "dot": Paint("#222222", "#222222", 1.0),
}
TEXT_COLOUR = "#1b1b1b"
ARROW_COLOUR = "#222222"
LIFELINE_COLOUR = "#9a9a9a"
SEPARATOR_COLOUR = "#7a7a7a"
BACKGROUND = "#ffffff"
DASH = (5.0, 4.0)
DELAY_DASH = (1.5, 4.0)  # lifelines while time passes (`...`)
DIVIDER_COLOUR = "#7a7a7a"
HEAD_LEN = 9.0
HEAD_HALF = 4.5
FOLD = 7.0


def head_points(tail: tuple[float, float], tip: tuple[float, float], k: float = 1.0
                ) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two back corners of an arrow head pointing from `tail` to `tip`."""
    length = math.dist(tail, tip) or 1.0
    ux, uy = (tip[0] - tail[0]) / length, (tip[1] - tail[1]) / length
    bx, by = tip[0] - ux * HEAD_LEN * k, tip[1] - uy * HEAD_LEN * k
    half = HEAD_HALF * k
    return (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)
