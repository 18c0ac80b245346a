"""`trace site` on the committed catalogue, read back with html.parser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from site_checks import DIAGRAMS, PICTURES, broken_links, read_page, texts, wsd_files

from tracer.cli import main
from tracer.site.build import build_site
from tracer.site.collect import Release
from tracer.site.pages import wsd_html
from tracer.wsd.diff import diff_diagrams, format_unified
from tracer.wsd.parse import parse_file

OPENDEV = "https://opendev.org/openstack/nova/src/tag/{tag}/"
TAGS = {"liberty": "12.0.6", "ocata": "15.1.5", "2026.2": "34.0.0"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(DIAGRAMS, PICTURES, out)
    return out


def test_a_page_and_a_picture_per_diagram(site: Path) -> None:
    wanted = {f"{w.parent.parent.name}/{w.parent.name}/{w.stem}" for w in wsd_files()}
    assert {"nova/liberty/pause", "nova/ocata/pause", "nova/2026.2/pause"} <= wanted  # whatever the catalogue holds
    assert {str(p.relative_to(site).with_suffix("")) for p in site.glob("*/*/*.html")} == wanted
    for name in wanted:
        assert (site / f"{name}.svg").read_bytes() == (PICTURES / f"{name}.svg").read_bytes()
    assert all((site / f).is_file() for f in ("index.html", "style.css", "favicon.ico"))


def test_every_internal_link_and_picture_resolves(site: Path) -> None:
    assert broken_links(site) == []


def test_no_external_assets(site: Path) -> None:
    for page in site.rglob("*.html"):
        info = read_page(page)
        external = [(t, a) for t, a in info.tags if t in ("img", "link", "script")
                    and (a.get("src") or a.get("href") or "").startswith(("http:", "https:", "//"))]
        assert external == [], page
        assert all(t != "script" for t, _ in info.tags), page


def test_index_is_operation_by_release(site: Path) -> None:
    index = site / "index.html"
    heads = " ".join(texts(index, "table", "ops"))  # one table per project
    assert "ocata (15.1.5)" in heads and "2026.2 (34.0.0)" in heads
    links = {url for _, url in read_page(index).links}
    assert "nova/ocata/reset_network.html" in links
    assert "nova/2026.2/reset_network.html" not in links
    assert texts(index, "span", "missing") == ["\u2014"]  # only reset_network is missing, in 2026.2
    assert links >= {f"{w.parent.parent.name}/{w.parent.name}/{w.stem}.html" for w in wsd_files()}


@pytest.mark.parametrize("release", sorted(TAGS))
def test_anchors_link_to_opendev_at_the_release_tag(site: Path, release: str) -> None:
    page = site / "nova" / release / "pause.html"
    external = [url for _, url in read_page(page).links if url.startswith("https:")]
    assert external and all(url.startswith(OPENDEV.format(tag=TAGS[release])) for url in external)
    anchors = parse_file(DIAGRAMS / "nova" / release / "pause.wsd").diagram.anchors()
    linked = {url.removeprefix(OPENDEV.format(tag=TAGS[release])) for url in external}
    assert linked == {a.path for a in anchors}
    # every anchor comment line of the WSD text is a link
    wsd_text = texts(page, "pre", "wsd")[0]
    assert wsd_text == (DIAGRAMS / "nova" / release / "pause.wsd").read_text().rstrip("\n")
    assert sum(url.startswith("https:") for url in external) >= len(anchors)


def test_diff_section_is_the_unified_diff_older_to_newer(site: Path) -> None:
    def unified(older: str, newer: str) -> str:
        a, b = (parse_file(DIAGRAMS / "nova" / r / "pause.wsd").diagram for r in (older, newer))
        return format_unified(diff_diagrams(a, b), f"{older}/pause.wsd", f"{newer}/pause.wsd").rstrip("\n")
    before, after = unified("liberty", "ocata"), unified("ocata", "2026.2")
    assert before and after  # each release's pause differs from the next one's
    # each page shows the diff with each neighbouring release, older to newer
    assert texts(site / "nova" / "liberty" / "pause.html", "pre", "diff") == [before]
    assert texts(site / "nova" / "ocata" / "pause.html", "pre", "diff") == [before, after]
    assert texts(site / "nova" / "2026.2" / "pause.html", "pre", "diff") == [after]
    assert "changes" in read_page(site / "nova" / "ocata" / "pause.html").ids


def test_an_operation_gone_from_the_other_release_says_so(site: Path) -> None:
    page = site / "nova" / "ocata" / "reset_network.html"
    assert texts(page, "p", "absent") == ["2026.2 (34.0.0) has no reset_network diagram."]
    # the older neighbour has one: that diff is shown, the newer one's is not
    assert [d.splitlines()[:2] for d in texts(page, "pre", "diff")] == \
        [["--- liberty/reset_network.wsd", "+++ ocata/reset_network.wsd"]]


def test_rebuilding_writes_the_same_bytes(site: Path, tmp_path: Path) -> None:
    build_site(DIAGRAMS, PICTURES, tmp_path)
    mine = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    theirs = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert mine == theirs


def test_wsd_text_is_escaped_and_only_anchors_are_linked() -> None:
    release = Release("ocata", "15.1.5", "openstack/nova")
    out = wsd_html("a->b: x < y\n# nova/compute/api.py pause()\n# free text here\n", release)
    assert "a-&gt;b: x &lt; y" in out
    assert ('<a href="https://opendev.org/openstack/nova/src/tag/15.1.5/nova/compute/api.py" '
            'class="src">nova/compute/api.py pause()</a>') in out
    assert '<span class="c"># free text here</span>' in out


def _small_catalogue(tmp_path: Path, release: str) -> tuple[Path, Path]:
    diagrams, pictures = tmp_path / "diagrams", tmp_path / "pictures"
    (diagrams / "nova" / release).mkdir(parents=True)
    shutil.copy(DIAGRAMS / "nova" / "ocata" / "pause.wsd", diagrams / "nova" / release / "pause.wsd")
    pictures.mkdir()
    return diagrams, pictures


def test_cli_builds_and_reports_what_has_no_picture(tmp_path: Path) -> None:
    diagrams, pictures = _small_catalogue(tmp_path, "my-branch")
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["site", "-o", str(out), "--diagrams", str(diagrams),
                                       "--pictures", str(pictures)])
    assert result.exit_code == 0, result.output
    assert "nova/my-branch/pause.html: no picture" in result.stderr
    assert "wrote 1 pages and 0 pictures" in result.stderr
    page = out / "nova" / "my-branch" / "pause.html"
    info = read_page(page)
    assert "<p>The catalogue has one release of nova.</p></section>" in page.read_text()
    assert not any(tag == "img" for tag, _ in info.tags)
    # a release the table does not know: its anchors are shown, not linked
    assert not any(url.startswith("https:") for _, url in info.links)
    assert broken_links(out) == []


def test_cli_missing_diagrams_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["site", "-o", str(tmp_path / "site"),
                                       "--diagrams", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert result.stderr == f"trace: {tmp_path / 'nowhere'}: no such folder of diagrams\n"
