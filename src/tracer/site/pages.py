"""The site's pages as HTML text: the index and one page per operation.

Every link is relative, so the folder works from disk and from any server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracer.site.collect import Op, Project, Release
from tracer.site.html import el, esc, href, link, page, table
from tracer.wsd.diff import diff_diagrams, format_unified
from tracer.wsd.model import Anchor, Diagram, parse_anchor

MISSING = "\u2014"  # an em dash: the operation is not in that release
_COMMENT = re.compile(r"^(?P<lead>\s*#+\s*)(?P<text>.*?)(?P<tail>\s*)$")


@dataclass(frozen=True)
class Loaded:
    """An operation with its WSD text and the parsed diagram."""

    op: Op
    text: str
    diagram: Diagram


def index_page(projects: tuple[Project, ...]) -> str:
    body = [el("h1", "Sequence diagrams of OpenStack operations")]
    body.append(el("p", "Drafted by tracer from each release's source. "
                        "Pick an operation and a release."))
    body.append(el("ul", "".join(el("li", link(f"#{p.name}", p.name)) for p in projects), class_="toc"))
    body += [_project_table(p) for p in projects]
    return page("tracer: catalogue", "", "\n".join(body))


def _project_table(project: Project) -> str:
    head = ["operation"] + [esc(r.label) for r in project.releases]
    rows = [[esc(name)] + [_cell(project.find(r, name)) for r in project.releases] for name in project.names]
    heading = el("h2", esc(project.name), id=project.name)
    return el("section", heading + table(head, rows, class_="ops"))


def _cell(op: Op | None) -> str:
    if op is None:
        return el("span", MISSING, class_="missing", title="not in this release")
    return link(href(op.page), op.name)


def op_page(item: Loaded, project: Project, others: list[tuple[Release, Loaded | None]]) -> str:
    """`others`: the neighbouring releases, each with its diagram of the same operation if any."""
    op = item.op
    sections = [
        _header(op, project),
        _picture(item),
        _section("wsd", "WSD text", el("pre", wsd_html(item.text, op.release), class_="wsd")),
        _section("sources", "Source anchors", _sources(item.diagram, op.release)),
        _section("changes", "Changes between releases",
                 "".join(_changes(item, r, o, project) for r, o in others)
                 or el("p", f"The catalogue has one release of {esc(project.name)}.")),
    ]
    return page(f"{op.name}: {project.name} {op.release.label}", "../../", "\n".join(sections))


def _header(op: Op, project: Project) -> str:
    crumbs = el("nav", link("../../index.html", "catalogue") + " / "
                + link(f"../../index.html#{op.project}", op.project) + " / " + esc(op.release.label))
    title = el("h1", esc(op.name) + " " + el("small", esc(f"{op.project} {op.release.label}")))
    also = [link(href(f"../{r.name}/{op.name}.html"), r.label)
            for r in project.releases if r != op.release and project.find(r, op.name)]
    line = el("p", "Also drawn for: " + ", ".join(also), class_="also") if also else ""
    jump = el("nav", " \u00b7 ".join(link(f"#{i}", t) for i, t in
                                     (("picture", "picture"), ("wsd", "WSD text"),
                                      ("sources", "source anchors"), ("changes", "changes"))), class_="jump")
    return el("header", crumbs + title + line + jump)


def _section(id_: str, title: str, body: str) -> str:
    return el("section", el("h2", esc(title)) + body, id=id_)


def _picture(item: Loaded) -> str:
    op = item.op
    if op.svg is None:
        return _section("picture", "Picture", el("p", "Not rendered yet: run "
                                                 + el("code", "trace render diagrams -o output") + "."))
    alt = f"sequence diagram: {item.diagram.title or op.name}"
    img = el("a", f'<img src="{href(op.name + ".svg")}" alt="{esc(alt)}">', href=href(op.name + ".svg"))
    return _section("picture", "Picture", el("figure", img))


def wsd_html(text: str, release: Release) -> str:
    """The WSD text, escaped, with each anchor comment linked to the source at `release`."""
    return "\n".join(_wsd_line(line, release) for line in text.splitlines())


def _wsd_line(line: str, release: Release) -> str:
    m = _COMMENT.match(line)
    anchor = parse_anchor(m.group("text")) if m else None
    if m is None or anchor is None:
        return el("span", esc(line), class_="c") if m else esc(line)
    body = _anchor_html(anchor, release, m.group("text"))
    return el("span", esc(m.group("lead")) + body + esc(m.group("tail")), class_="c")


def _anchor_html(anchor: Anchor, release: Release, text: str) -> str:
    url = release.source_url(anchor.path) if anchor.path else None
    return link(url, text, class_="src") if url else esc(text)


def _sources(diagram: Diagram, release: Release) -> str:
    seen = list(dict.fromkeys(a for a in diagram.anchors()))
    if not seen:
        return el("p", "This diagram names no source.")
    note = "" if release.version else el("p", f"No version known for {release.name}: anchors are not linked.")
    items = "".join(el("li", _anchor_html(a, release, str(a))) for a in seen)
    return note + el("ul", items, class_="sources")


def _changes(item: Loaded, other: Release, theirs: Loaded | None, project: Project) -> str:
    """The diff from the older release's diagram to the newer one's."""
    if theirs is None:
        return el("h3", esc(f"{item.op.release.label} and {other.label}")) + el(
            "p", f"{esc(other.label)} has no {esc(item.op.name)} diagram.", class_="absent")
    old, new = sorted((item, theirs), key=lambda x: project.releases.index(x.op.release))
    title = el("h3", esc(f"{old.op.release.label} \u2192 {new.op.release.label}"))
    text = format_unified(diff_diagrams(old.diagram, new.diagram),
                          f"{old.op.release.name}/{old.op.name}.wsd", f"{new.op.release.name}/{new.op.name}.wsd")
    if not text:
        return title + el("p", "No step differs.", class_="same")
    return title + el("pre", "\n".join(_diff_line(line) for line in text.splitlines()), class_="diff")


def _diff_line(line: str) -> str:
    kind = {"-": "del", "+": "ins", "~": "chg", "@": "hunk"}.get(line[:1], "")
    if line.startswith(("---", "+++")):
        kind = "file"
    return el("span", esc(line), class_=kind) if kind else esc(line)
