"""Where `trace site` writes: only into a new or empty folder or a site it made
before (its .trace-site list), never over a user's file without --force, and an
unwritable place is one line, exit 2, before anything is written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from site_checks import DIAGRAMS, PICTURES

from tracer.cli import main
from tracer.problems import TracerError
from tracer.site.build import MARKER, build_site


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`trace site ARGS` in tmp_path, which holds a one-diagram catalogue and its picture."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "diagrams" / "nova" / "2026.2").mkdir(parents=True)
    shutil.copy(DIAGRAMS / "nova" / "2026.2" / "pause.wsd", tmp_path / "diagrams" / "nova" / "2026.2")
    (tmp_path / "output" / "nova" / "2026.2").mkdir(parents=True)
    shutil.copy(PICTURES / "nova" / "2026.2" / "pause.svg", tmp_path / "output" / "nova" / "2026.2")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["site", *args])


SITE = ["favicon.ico", "index.html", "nova/2026.2/pause.html", "nova/2026.2/pause.svg", "style.css"]


def listed(site: Path) -> list[str]:
    return [line for line in (site / MARKER).read_text().splitlines() if not line.startswith("#")]


def one_line(result, start: str) -> None:
    assert result.stderr.startswith(f"trace: {start}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_the_default_folder_is_made_then_rebuilt_as_make_site_does(run, tmp_path: Path):
    for _ in range(2):
        result = run()
        assert result.exit_code == 0, result.stderr
        assert "wrote 1 pages and 1 pictures; open output/site/index.html" in result.stderr
    assert listed(tmp_path / "output" / "site") == SITE
    assert (tmp_path / "output" / "nova" / "2026.2" / "pause.svg").is_file()  # the pictures beside it untouched


def test_an_empty_folder_is_built_into(run, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    assert run("-o", "empty").exit_code == 0
    assert listed(tmp_path / "empty") == SITE


def test_a_users_folder_is_refused_and_left_as_it_was(run, tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.html").write_text("my precious")
    (docs / "style.css").write_text("css")
    result = run("-o", "docs")
    assert result.exit_code == 1
    one_line(result, "-o docs: this folder holds files that `trace site` did not write")
    assert "pick an empty or new folder, or pass --force" in result.stderr.lower()
    assert sorted(p.name for p in docs.iterdir()) == ["index.html", "style.css"]
    assert (docs / "index.html").read_text() == "my precious" and (docs / "style.css").read_text() == "css"
    # --force builds there, and from then on it is a site that rebuilds without it
    assert run("-o", "docs", "--force").exit_code == 0
    assert (docs / "index.html").read_text().startswith("<!DOCTYPE html>")
    assert listed(docs) == SITE
    assert run("-o", "docs").exit_code == 0


def test_a_folder_holding_only_a_subfolder_or_hidden_file_is_refused(run, tmp_path: Path):
    (tmp_path / "a" / "nova").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / ".git").write_text("gitdir: elsewhere")
    for folder in ("a", "b"):
        assert run("-o", folder).exit_code == 1
    assert not (tmp_path / "a" / MARKER).exists() and not (tmp_path / "b" / MARKER).exists()


def test_a_file_the_list_does_not_name_is_not_overwritten(run, tmp_path: Path):
    assert run("-o", "site").exit_code == 0
    (tmp_path / "site" / "notes.html").write_text("mine, beside the site")
    (tmp_path / "diagrams" / "nova" / "2026.2" / "pause.wsd").rename(
        tmp_path / "diagrams" / "nova" / "2026.2" / "unpause.wsd")
    own = tmp_path / "site" / "nova" / "2026.2" / "unpause.html"
    own.write_text("mine, where the next build puts a page")
    result = run("-o", "site")
    assert result.exit_code == 1
    one_line(result, f"-o site: {Path('site/nova/2026.2/unpause.html')} was not written by `trace site`")
    assert own.read_text() == "mine, where the next build puts a page"
    assert (tmp_path / "site" / "notes.html").read_text() == "mine, beside the site"
    assert run("-o", "site", "--force").exit_code == 0
    assert own.read_text().startswith("<!DOCTYPE html>")
    # the list keeps what earlier builds made, and names nothing of the user's
    assert "nova/2026.2/pause.html" in listed(tmp_path / "site") and "notes.html" not in listed(tmp_path / "site")
    assert (tmp_path / "site" / "notes.html").read_text() == "mine, beside the site"


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_file_where_the_site_needs_a_folder_is_one_line_exit_2(run, tmp_path: Path, force: list[str]):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "nova").write_text("a file of mine")
    (tmp_path / "site" / MARKER).write_text("nova/2026.2/pause.html\n")
    result = run("-o", "site", *force)
    assert result.exit_code == 2
    one_line(result, f"-o site: {Path('site/nova')} is a file, and the site needs a folder there")
    assert (tmp_path / "site" / "nova").read_text() == "a file of mine"
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [MARKER, "nova"]  # nothing written


def test_the_output_inside_a_file_is_one_line_exit_2(run, tmp_path: Path):
    (tmp_path / "file").write_text("x")
    result = run("-o", "file/site")
    assert result.exit_code == 2
    one_line(result, "-o file/site: file is a file, not a folder")


def test_an_unwritable_place_is_one_line_exit_2(run, tmp_path: Path):
    if os.geteuid() == 0:  # root writes in any folder, but /proc takes no new files from anyone
        target = "/proc/site"
    else:
        (tmp_path / "locked").mkdir(mode=0o500)
        target = "locked/site"
    result = run("-o", target)
    assert result.exit_code == 2
    one_line(result, f"-o {target}: cannot write in {Path(target).parent} (")
    assert result.stderr.rstrip().endswith("pick another place")


def test_a_failed_write_is_a_tracer_error_not_an_oserror(tmp_path: Path):
    # past the command's checks (build_site called directly): the write itself fails
    with pytest.raises(TracerError, match=r"^-o /proc/site: cannot write /proc/site/\.trace-site \(.*\); "
                                          r"pick another place$") as err:
        build_site(DIAGRAMS, PICTURES, Path("/proc/site"))
    assert err.value.exit_code == 2
    link = tmp_path / "site" / "nova"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "nowhere")  # a link to nothing where a folder goes
    with pytest.raises(TracerError, match="nova is a symbolic link, and the site writes only into folders"):
        build_site(DIAGRAMS, PICTURES, tmp_path / "site", force=True)


# the site writes only inside its folder


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_rebuild_never_writes_through_a_linked_subfolder(run, tmp_path: Path, force: list[str]):
    assert run("-o", "site").exit_code == 0
    victim = tmp_path / "victim" / "2026.2" / "pause.html"
    victim.parent.mkdir(parents=True)
    victim.write_text("not the site's")
    shutil.rmtree(tmp_path / "site" / "nova")
    (tmp_path / "site" / "nova").symlink_to(Path("..") / "victim")
    before = (tmp_path / "site" / MARKER).read_text()
    result = run("-o", "site", *force)
    assert result.exit_code == 2
    one_line(result, f"-o site: {Path('site/nova')} is a symbolic link, and the site writes only into folders")
    assert victim.read_text() == "not the site's"
    assert sorted(p.name for p in victim.parent.iterdir()) == ["pause.html"]
    assert (tmp_path / "site" / MARKER).read_text() == before  # refused before any write


def test_a_linked_site_file_leading_outside_is_refused_even_forced(run, tmp_path: Path):
    assert run("-o", "site").exit_code == 0
    victim = tmp_path / "victim.html"
    victim.write_text("not the site's")
    (tmp_path / "site" / "index.html").unlink()
    (tmp_path / "site" / "index.html").symlink_to(victim)
    for force in ([], ["--force"]):
        result = run("-o", "site", *force)
        assert result.exit_code == 2
        one_line(result, f"-o site: {Path('site/index.html')} leads to {victim}, outside the site folder")
    assert victim.read_text() == "not the site's"


def test_a_list_linked_outside_is_refused(run, tmp_path: Path):
    (tmp_path / "site").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("index.html\n")
    (tmp_path / "site" / MARKER).symlink_to(elsewhere)
    result = run("-o", "site", "--force")
    assert result.exit_code == 2
    one_line(result, f"-o site: {Path('site') / MARKER} leads to {elsewhere}, outside the site folder")
    assert elsewhere.read_text() == "index.html\n"


def test_the_site_folder_itself_may_be_a_link_to_a_folder(run, tmp_path: Path):
    (tmp_path / "real").mkdir()
    (tmp_path / "linked").symlink_to("real")
    for _ in range(2):
        assert run("-o", "linked").exit_code == 0
    assert listed(tmp_path / "real") == SITE


# names the site cannot carry


@pytest.mark.parametrize(("name", "shown"), [(b"op\xff.wsd", "op\\xff.wsd"), (b"odd\nname.wsd", "odd\\nname.wsd")])
def test_a_diagram_whose_name_the_site_cannot_carry_is_left_out_with_a_warning(
        run, tmp_path: Path, name: bytes, shown: str):
    release = tmp_path / "diagrams" / "nova" / "2026.2"
    odd = os.fsdecode(bytes(release) + b"/" + name)
    shutil.copy(release / "pause.wsd", odd)
    for _ in range(2):  # the rebuild too
        result = run("-o", "site")
        assert result.exit_code == 0, result.stderr
        warned = [line for line in result.stderr.splitlines() if "left out" in line]
        why = "is not UTF-8" if b"\xff" in name else "holds a line break or another control character"
        assert warned == [f"warning: {Path('diagrams/nova/2026.2')}/{shown}: its name {why}; "
                          "left out of the site. Rename it to have its page"]
        assert "wrote 1 pages and 1 pictures" in result.stderr
        assert listed(tmp_path / "site") == SITE
    # the list reads back whole: every line names a file of the site
    assert all((tmp_path / "site" / line).is_file() for line in listed(tmp_path / "site"))


def test_a_release_folder_not_utf8_is_left_out_with_one_warning(run, tmp_path: Path):
    odd = os.fsdecode(bytes(tmp_path / "diagrams" / "nova") + b"/rel\xff")
    os.mkdir(odd)
    shutil.copy(tmp_path / "diagrams" / "nova" / "2026.2" / "pause.wsd", odd)
    shutil.copy(tmp_path / "diagrams" / "nova" / "2026.2" / "pause.wsd", os.path.join(odd, "unpause.wsd"))
    result = run("-o", "site")
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "left out" in line]
    assert warned == [f"warning: {Path('diagrams/nova')}/rel\\xff: its name is not UTF-8; "
                      "its diagrams are left out of the site. Rename it to have them"]
    assert listed(tmp_path / "site") == SITE
    assert "Traceback" not in result.output and "internal error" not in result.stderr


def test_a_project_named_like_a_comment_rebuilds(run, tmp_path: Path):
    (tmp_path / "diagrams" / "#draft" / "2026.2").mkdir(parents=True)
    shutil.copy(tmp_path / "diagrams" / "nova" / "2026.2" / "pause.wsd", tmp_path / "diagrams" / "#draft" / "2026.2")
    for _ in range(2):
        result = run("-o", "site")
        assert result.exit_code == 0, result.stderr
    assert "./#draft/2026.2/pause.html" in listed(tmp_path / "site")


# empty options, the list itself


@pytest.mark.parametrize("option", ["-o", "--output", "--diagrams", "--pictures"])
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_folder_option_is_a_usage_error_naming_it(run, tmp_path: Path, option: str, value: str):
    result = run(option, value)
    assert result.exit_code == 2
    named = "-o/--output" if option in ("-o", "--output") else option
    assert f"Error: {named} is empty: give the folder" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diagrams", "output"]  # nothing written


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_list_that_is_a_folder_is_said_to_be_one(run, tmp_path: Path, force: list[str]):
    (tmp_path / "site" / MARKER).mkdir(parents=True)
    result = run("-o", "site", *force)
    assert result.exit_code == 2
    one_line(result, f"-o site: {Path('site') / MARKER} is a folder, and the site keeps the list of the files")
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [MARKER]


def test_list_lines_outside_the_folder_are_dropped(run, tmp_path: Path):
    assert run("-o", "site").exit_code == 0
    with (tmp_path / "site" / MARKER).open("a") as fh:
        fh.write("../x\n/etc/passwd\nnova/../../y\n./style.css\n")
    assert run("-o", "site").exit_code == 0
    assert listed(tmp_path / "site") == SITE


@pytest.mark.parametrize("name", ["a#b", "what?", "50%", "two words"])
def test_links_to_a_diagram_whose_name_holds_url_characters_reach_its_files(run, tmp_path: Path, name: str):
    import re
    from urllib.parse import unquote, urlsplit
    shutil.copy(tmp_path / "diagrams" / "nova" / "2026.2" / "pause.wsd",
                tmp_path / "diagrams" / "nova" / "2026.2" / f"{name}.wsd")
    shutil.copy(tmp_path / "output" / "nova" / "2026.2" / "pause.svg",
                tmp_path / "output" / "nova" / "2026.2" / f"{name}.svg")
    assert run("-o", "site").exit_code == 0
    site = tmp_path / "site"
    pages = [site / "index.html", site / "nova" / "2026.2" / f"{name}.html"]
    targets = set()
    for page in pages:
        for url in re.findall(r'(?:href|src)="([^"]+)"', page.read_text()):
            parts = urlsplit(url)
            if parts.path and not parts.scheme:  # a file of the site, not a jump within the page or the source
                assert not parts.query, url
                targets.add((page.parent / unquote(parts.path)).resolve())
    assert (site / "nova" / "2026.2" / f"{name}.html").resolve() in targets
    assert (site / "nova" / "2026.2" / f"{name}.svg").resolve() in targets
    assert all(target.is_file() for target in targets)
