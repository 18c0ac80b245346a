"""Text measurement with real font metrics, shared by the layout and the PNG.

The main face is Aileron Regular, the TrueType font bundled in Pillow
(`ImageFont.load_default(size=...)`, Pillow >= 10.1), so measuring needs no
system font. It covers ASCII only: other characters are measured and drawn
with a fallback face (a file given by the caller or `TRACER_FONT`, else DejaVu
Sans where the system has it), or, with none, measured by a width estimate.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FreeType = ImageFont.FreeTypeFont

# What the SVG asks for: the measuring face first, then look-alikes.
FONT_FAMILY = "Aileron, 'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', sans-serif"

_FALLBACKS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


MAX_LINES = 200  # lines of one text drawn at most
MAX_CHARS = 500  # characters of one line drawn at most


def split_lines(text: str) -> list[str]:
    """WSD's `\\n` escape (a backslash and an n) breaks a line; lines are trimmed.

    A text longer than MAX_LINES lines or a line longer than MAX_CHARS is
    cut, an ellipsis marking the cut, so that no text makes a picture too
    big to draw; characters no font can draw are replaced.
    """
    lines = text.replace("\\n", "\n").split("\n", MAX_LINES)
    if len(lines) > MAX_LINES:
        lines[MAX_LINES:] = ["…"]
    return [_clip(_UNDRAWABLE.sub(_replace, ln).strip()) for ln in lines]


# Control characters and lone surrogates: no font draws them and the shaper
# rejects some; a tab becomes a space, the others U+FFFD.
_UNDRAWABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _replace(m: re.Match[str]) -> str:
    return " " if m[0] == "\t" else "\ufffd"


def _clip(line: str) -> str:
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…"


def _fallback_path(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("TRACER_FONT"), *_FALLBACKS):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@dataclass(frozen=True)
class Run:
    """A stretch of text drawn with one face (`font` None: no face has it)."""

    text: str
    font: FreeType | None


class Face:
    """One size of the main face plus its fallback, with cached measurements."""

    def __init__(self, size: float, fallback: str | None = None) -> None:
        self.size = size
        self.main: FreeType = ImageFont.load_default(size=size)  # type: ignore[assignment]
        path = _fallback_path(fallback)
        self.fallback: FreeType | None = ImageFont.truetype(path, size) if path else None
        ascent, descent = self.main.getmetrics()
        self.ascent = ascent
        self.line_height = ascent + descent + 2
        self._notdef = _glyph_signature(self.main, "\U0010fffd")
        self.width = lru_cache(maxsize=8192)(self._width)

    def covers(self, ch: str) -> bool:
        return ch.isascii() or _glyph_signature(self.main, ch) != self._notdef

    def runs(self, line: str) -> list[Run]:
        """Split a line into runs by the face that can draw each character."""
        runs: list[Run] = []
        for ch in line:
            font = self.main if self.covers(ch) else self.fallback
            if runs and runs[-1].font is font:
                runs[-1] = Run(runs[-1].text + ch, font)
            else:
                runs.append(Run(ch, font))
        return runs

    def _width(self, line: str) -> float:
        if line.isascii():
            return self.main.getlength(line)
        return sum(_run_width(run, self.size) for run in self.runs(line))

    def measure(self, text: str) -> tuple[float, float]:
        """Width and height of a possibly multi-line text, in pixels."""
        lines = split_lines(text)
        return max(self.width(ln) for ln in lines), self.line_height * len(lines)


def _run_width(run: Run, size: float) -> float:
    if run.font is not None:
        return run.font.getlength(run.text)
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in run.text)
    return size * (wide + 0.6 * (len(run.text) - wide))


@lru_cache(maxsize=4096)
def _glyph_signature(font: FreeType, ch: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


@dataclass(frozen=True)
class Fonts:
    """The faces a diagram uses: body text and title."""

    body: Face
    title: Face


@lru_cache(maxsize=8)
def load_fonts(scale: float = 1.0, fallback: str | None = None) -> Fonts:
    return Fonts(Face(13 * scale, fallback), Face(17 * scale, fallback))
