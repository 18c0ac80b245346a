"""Small HTML helpers: escaping, elements, links and the page frame. No templates."""

from __future__ import annotations

from html import escape
from urllib.parse import quote


def esc(text: str) -> str:
    return escape(text, quote=True)


def href(path: str) -> str:
    """A relative URL from a relative file path (`project/2026.2/pause.html`)."""
    return quote(path, safe="/")  # a `#` or `?` in a name is part of it, not a fragment or a query


def el(tag: str, body: str = "", **attrs: str | None) -> str:
    """`<tag a="v">body</tag>`; `class_` stands for `class`; attributes set to None are left out."""
    parts = "".join(f' {k.rstrip("_")}="{esc(v)}"' for k, v in attrs.items() if v is not None)
    return f"<{tag}{parts}>{body}</{tag}>"


def link(url: str, text: str, **attrs: str | None) -> str:
    return el("a", esc(text), href=url, **attrs)


def table(head: list[str], rows: list[list[str]], class_: str | None = None) -> str:
    """Cells are HTML already; the first cell of each row is a row header."""
    thead = el("tr", "".join(el("th", h, scope="col") for h in head))
    body = "".join(
        el("tr", el("th", row[0], scope="row") + "".join(el("td", c) for c in row[1:])) for row in rows
    )
    return el("table", el("thead", thead) + el("tbody", body), class_=class_)


def page(title: str, root: str, body: str) -> str:
    """A whole document; `root` is the relative way up to the site folder (`../../`)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f'<link rel="icon" href="{href(root + "favicon.ico")}">\n'
        f'<link rel="stylesheet" href="{href(root + "style.css")}">\n'
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
