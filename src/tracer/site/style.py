"""The site's stylesheet (style.css) and icon (favicon.ico), beside index.html.

Browsers ask a server for /favicon.ico on pages that name none (an SVG opened
on its own), so the site carries one rather than logging a 404.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

CSS = """\
:root { --ink: #1b1b1b; --muted: #5c6670; --line: #d4d9de; --accent: #1f5f9e; --bg: #fbfbfc; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; color: var(--ink);
       background: var(--bg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
h1 small { color: var(--muted); font-size: 60%; font-weight: normal; margin-left: .5rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
nav, .also { color: var(--muted); }
ul.toc { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; }
table.ops { border-collapse: collapse; }
table.ops th, table.ops td { border: 1px solid var(--line); padding: .25rem .75rem; text-align: left; }
table.ops thead th { background: #eef1f4; }
table.ops tbody th { font-weight: normal; font-family: ui-monospace, Menlo, Consolas, monospace; }
.missing { color: var(--muted); }
figure { margin: 0; overflow-x: auto; background: #fff; border: 1px solid var(--line); padding: .5rem; }
figure img { display: block; max-width: 100%; height: auto; }
pre { background: #fff; border: 1px solid var(--line); padding: .75rem; overflow-x: auto;
      font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; }
pre .c { color: #6a737d; }
pre .c a.src { color: var(--accent); }
ul.sources { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
pre.diff .del { color: #b31d28; background: #ffeef0; }
pre.diff .ins { color: #22863a; background: #f0fff4; }
pre.diff .chg { color: #735c0f; background: #fffbdd; }
pre.diff .hunk { color: #005cc5; }
pre.diff .file { font-weight: bold; }
"""


def favicon() -> bytes:
    """A 16x16 icon: two lifelines and a message between them, in the accent colour."""
    image = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((2, 1, 4, 14), fill="#1f5f9e")
    draw.rectangle((11, 1, 13, 14), fill="#1f5f9e")
    draw.rectangle((5, 7, 10, 8), fill="#1b1b1b")
    buf = io.BytesIO()
    image.save(buf, format="ICO", sizes=[(16, 16)])
    return buf.getvalue()
