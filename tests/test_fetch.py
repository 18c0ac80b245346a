"""`trace fetch` against a real HTTP server on loopback.

The server serves a simple index page (HTML or PEP 691 JSON) and a tarball
built from fixtures/liberty, and misbehaves on request: redirects, 404s,
truncated bodies, corrupt archives, stalls. After every failure the cache
must hold no temporary file and no partial tree.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.compare import compare
from tracer.fetch import MARKER, NotFetched, Options, fetch
from tracer.problems import TracerError
from tracer.releases import Target, load_table, parse_table, resolve
from tracer.wsd.parse import parse_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "liberty"
VERSION = "12.0.6"
NAME = f"nova-{VERSION}.tar.gz"


def tarball(top: str = f"nova-{VERSION}", package: str = "nova") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(FIXTURE / "nova", arcname=f"{top}/{package}")
        tar.add(FIXTURE / "README.md", arcname=f"{top}/README.md")
    return buf.getvalue()


def zipball() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted((FIXTURE / "nova").rglob("*")):
            if path.is_file():
                zf.write(path, f"nova-{VERSION}/{path.relative_to(FIXTURE)}")
    return buf.getvalue()


ARCHIVE = tarball()


class Handler(BaseHTTPRequestHandler):
    """Routes: path -> (behaviour, body); behaviours below."""

    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        behaviour, body = self.server.routes.get(self.path, ("404", b""))  # type: ignore[attr-defined]
        if behaviour == "404":
            self.send_error(404)
        elif behaviour == "redirect":
            self.send_response(302)
            self.send_header("Location", body.decode())
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif behaviour == "stall-head":  # no response until the client gives up
            time.sleep(self.server.stall)  # type: ignore[attr-defined]
        elif behaviour == "trickle-head":  # the status line, one byte at a time, for ever
            self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 100_000)
        elif behaviour == "no-length":  # no Content-Length: the body ends when the connection does
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
        elif behaviour == "gzip":  # sent with Content-Encoding: gzip
            packed = gzip.compress(body)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(packed)))
            self.end_headers()
            self.wfile.write(packed)
        else:
            ctype = "application/vnd.pypi.simple.v1+json" if behaviour == "json" else "application/octet-stream"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if behaviour == "truncated":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif behaviour == "stall-body":  # half the body, then silence
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                time.sleep(self.server.stall)  # type: ignore[attr-defined]
            elif behaviour == "trickle-body":  # one byte at a time: every read gets something
                self._trickle(body)
            else:
                self.wfile.write(body)

    def _trickle(self, data: bytes) -> None:
        """Send `data` a byte at a time until the client hangs up (bounded: 100 s at most)."""
        until = time.monotonic() + 100
        try:
            for byte in data:
                if time.monotonic() > until:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.server.trickle)  # type: ignore[attr-defined]
        except OSError:
            pass
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.routes, srv.hits, srv.stall, srv.trickle = {}, [], 3.0, 0.05  # type: ignore[attr-defined]
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"  # type: ignore[attr-defined]
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server) -> Path:
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRACER_PYPI_URL", f"{server.url}/simple/")
    return tmp_path / "cache"


def index_page(href: str, name: str = NAME) -> bytes:
    return (f'<!DOCTYPE html><html><body><h1>Links for nova</h1>'
            f'<a href="{href}">{name}</a><br/>'
            f'<a href="/files/nova-12.0.6-py2.py3-none-any.whl">nova-12.0.6-py2.py3-none-any.whl</a>'
            f'</body></html>').encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def target(server, urls: tuple[str, ...] = (), pypi: bool = True) -> Target:
    return Target("nova", "nova", VERSION, "liberty", "git", pypi, urls)


def leftovers(cache: Path) -> list[str]:
    """Temporaries and partial trees: anything but whole fetched trees."""
    sources = cache / "sources"
    if not sources.is_dir():
        return []
    return sorted(p.name for p in sources.iterdir() if p.name.startswith(".") or not (p / MARKER).is_file())


FAST = Options(timeout=0.5, retries=1, progress=False)


def test_fetch_from_the_index_checks_the_hash_and_unpacks_into_the_cache(server, cache):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}#sha256={sha(ARCHIVE)}"))
    server.routes[f"/files/{NAME}"] = ("ok", ARCHIVE)
    got = fetch(target(server), options=FAST)
    assert got.root == cache / "sources" / f"nova-{VERSION}"
    assert (got.root / "nova" / "compute" / "api.py").is_file()
    marker = json.loads((got.root / MARKER).read_text())
    assert marker["sha256"] == sha(ARCHIVE) and marker["url"] == f"{server.url}/files/{NAME}"
    assert leftovers(cache) == []
    hits = len(server.hits)
    again = fetch(target(server), options=FAST)
    assert again.root == got.root and again.url is None and len(server.hits) == hits


def test_fetch_reads_a_pep_691_json_index_with_sizes(server, cache):
    files = [{"filename": NAME, "url": f"/files/{NAME}", "hashes": {"sha256": sha(ARCHIVE)},
              "size": len(ARCHIVE)}]
    server.routes["/simple/nova/"] = ("json", json.dumps({"files": files}).encode())
    server.routes[f"/files/{NAME}"] = ("ok", ARCHIVE)
    assert (fetch(target(server), options=FAST).root / "nova" / "__init__.py").is_file()


def test_fetch_follows_a_redirect(server, cache):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/moved/{NAME}#sha256={sha(ARCHIVE)}"))
    server.routes[f"/moved/{NAME}"] = ("redirect", f"/files/{NAME}".encode())
    server.routes[f"/files/{NAME}"] = ("ok", ARCHIVE)
    got = fetch(target(server), options=FAST)
    assert (got.root / "nova" / "__init__.py").is_file()
    assert server.hits[-2:] == [f"/moved/{NAME}", f"/files/{NAME}"]


def test_fetch_unpacks_a_zip_archive(server, cache):
    server.routes["/simple/nova/"] = ("ok", b"<html></html>")
    server.routes["/nova.zip"] = ("ok", zipball())
    got = fetch(target(server, (f"{server.url}/nova.zip",)), options=FAST)
    assert (got.root / "nova" / "compute" / "api.py").is_file()


def test_a_large_download_shows_a_progress_bar(server, cache, tmp_path, capsys):
    big = tmp_path / "big"
    shutil.copytree(FIXTURE / "nova", big / "nova")
    (big / "nova" / "blob.bin").write_bytes(os.urandom(3 << 19))  # 1.5 MiB, incompressible
    data = _tar_of(big, f"nova-{VERSION}")
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}#sha256={sha(data)}"))
    server.routes[f"/files/{NAME}"] = ("ok", data)
    fetch(target(server), options=Options(timeout=5, retries=0, progress=True))
    assert f"downloading {NAME}" in capsys.readouterr().err


def test_404_everywhere_names_every_url_and_leaves_nothing(server, cache):
    urls = (f"{server.url}/tarballs/{NAME}", f"{server.url}/archive/liberty-eol.tar.gz")
    with pytest.raises(TracerError) as err:
        fetch(target(server, urls), options=FAST)
    message = str(err.value)
    assert f"{server.url}/simple/nova/ (HTTP 404)" in message
    assert all(f"{u} (HTTP 404)" in message for u in urls)
    assert "--source DIR" in message and "\n" not in message
    assert leftovers(cache) == []


def test_a_server_that_answers_is_no_closed_network(server, cache):
    """A 404 is an answer: the release is missing, not the network
    (the real-tree tests skip only when nothing answered)."""
    with pytest.raises(NotFetched) as err:
        fetch(target(server), options=FAST)
    assert not err.value.unreachable


def test_nothing_answering_is_a_closed_network(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRACER_PYPI_URL", f"http://127.0.0.1:{_closed_port()}/simple/")
    with pytest.raises(NotFetched) as err:
        fetch(target(None), options=FAST)
    assert err.value.unreachable and "(cannot connect)" in str(err.value)


def test_a_cache_given_holds_the_tree_and_the_default_nothing(server, cache, tmp_path):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}#sha256={sha(ARCHIVE)}"))
    server.routes[f"/files/{NAME}"] = ("ok", ARCHIVE)
    got = fetch(target(server), options=FAST, cache=tmp_path / "other")
    assert got.root == tmp_path / "other" / "sources" / f"nova-{VERSION}" and (got.root / MARKER).is_file()
    assert not (cache / "sources" / f"nova-{VERSION}").exists() and leftovers(tmp_path / "other") == []
    again = fetch(target(server), options=FAST, cache=tmp_path / "other")
    assert again.url is None and again.root == got.root


def test_an_index_without_the_version_falls_back_to_the_next_url(server, cache):
    server.routes["/simple/nova/"] = ("ok", index_page("/files/nova-15.1.5.tar.gz", "nova-15.1.5.tar.gz"))
    server.routes[f"/tarballs/{NAME}"] = ("ok", ARCHIVE)
    got = fetch(target(server, (f"{server.url}/tarballs/{NAME}",)), options=FAST)
    assert got.url == f"{server.url}/tarballs/{NAME}"


def test_a_truncated_body_is_refused(server, cache):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    server.routes[f"/files/{NAME}"] = ("truncated", ARCHIVE)
    with pytest.raises(TracerError, match=r"closed early|got \d+ of \d+ bytes"):
        fetch(target(server), options=FAST)
    assert leftovers(cache) == []


def test_a_corrupt_archive_is_refused(server, cache):
    junk = os.urandom(4096)
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}#sha256={sha(junk)}"))
    server.routes[f"/files/{NAME}"] = ("ok", junk)
    with pytest.raises(TracerError, match="the archive does not open"):
        fetch(target(server), options=FAST)
    assert leftovers(cache) == []


def test_an_archive_without_the_package_is_refused(server, cache):
    other = tarball(package="cinder")
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    server.routes[f"/files/{NAME}"] = ("ok", other)
    with pytest.raises(TracerError, match="holds no nova/ package"):
        fetch(target(server), options=FAST)
    assert leftovers(cache) == []


def test_a_checksum_mismatch_is_refused(server, cache):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}#sha256={'0' * 64}"))
    server.routes[f"/files/{NAME}"] = ("ok", ARCHIVE)
    with pytest.raises(TracerError, match="differs from the index"):
        fetch(target(server), options=FAST)
    assert leftovers(cache) == []


@pytest.mark.parametrize("stall", ["stall-head", "stall-body"])
def test_a_slow_server_times_out(server, cache, stall):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    server.routes[f"/files/{NAME}"] = (stall, ARCHIVE)
    start = time.monotonic()
    with pytest.raises(TracerError, match=r"timed out after 0\.5s"):
        fetch(target(server), options=FAST)
    assert time.monotonic() - start < 2.5  # bounded: one retry at most, no waiting out the stall
    assert leftovers(cache) == []


def trace_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`trace ARGS` in a process of its own, as a user runs it; the timeout only
    turns a hang into a failure."""
    return subprocess.run([sys.executable, "-c", "from tracer.cli import main; main()", *args],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("trickle", ["trickle-head", "trickle-body"])
def test_a_server_sending_a_byte_at_a_time_is_stopped_by_the_deadline(server, tmp_path, trickle):
    """Every read gets a byte well within the per-read timeout; only the deadline ends it."""
    server.routes["/simple/nova/"] = ("ok", index_page("/files/nova-15.1.5.tar.gz", "nova-15.1.5.tar.gz"))
    server.routes["/files/nova-15.1.5.tar.gz"] = (trickle, ARCHIVE)
    cache = tmp_path / "cache"
    env = {"TRACER_CACHE_DIR": str(cache), "TRACER_PYPI_URL": f"{server.url}/simple/",
           "TRACER_RULES_DIR": str(_rules(tmp_path, server.url))}
    done = trace_cli(env, "fetch", "nova", "15.1.5", "--timeout", "5", "--retries", "0", "--deadline", "1.5")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("trace: could not fetch nova 15.1.5")
    assert f"{server.url}/files/nova-15.1.5.tar.gz (the 1.5s deadline passed; --deadline to allow more)" \
        in done.stderr
    assert leftovers(cache) == []


def test_the_deadline_holds_in_a_worker_thread_too(server, cache):
    """No alarm signal off the main thread: the body's reads check the clock."""
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    server.routes[f"/files/{NAME}"] = ("trickle-body", ARCHIVE)
    said: list[str] = []

    def run() -> None:
        try:
            fetch(target(server), options=Options(timeout=5, retries=0, progress=False, deadline=1.0))
        except TracerError as err:
            said.append(str(err))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the fetch outlived its deadline"
    assert len(said) == 1 and "(the 1s deadline passed; --deadline to allow more)" in said[0]
    assert leftovers(cache) == []


def bomb(size: int) -> bytes:
    """A real release tarball plus one file of `size` zero bytes: tiny packed, huge unpacked."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(FIXTURE / "nova", arcname=f"nova-{VERSION}/nova")
        info = tarfile.TarInfo(f"nova-{VERSION}/nova/zeros.bin")
        info.size = size
        tar.addfile(info, io.BytesIO(bytes(size)))
    return buf.getvalue()


def test_a_gzip_bomb_stops_at_the_size_limit(server, cache):
    data = bomb(48 << 20)
    assert len(data) < 1 << 20  # 48 MiB of zeros pack into well under 1 MiB
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}#sha256={sha(data)}"))
    server.routes[f"/files/{NAME}"] = ("ok", data)
    with pytest.raises(TracerError) as err:
        fetch(target(server), options=Options(timeout=5, retries=0, progress=False, max_size=8 << 20))
    assert f"{server.url}/files/{NAME} (the archive unpacks to more than 8 MiB (the limit; --max-size to " \
           f"raise it))" in str(err.value)
    assert leftovers(cache) == []
    ok = fetch(target(server), options=Options(timeout=5, retries=0, progress=False, max_size=64 << 20))
    assert (ok.root / "nova" / "zeros.bin").stat().st_size == 48 << 20  # under a higher limit it unpacks


def test_a_zip_bomb_stops_at_the_size_limit(server, cache):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"nova-{VERSION}/nova/__init__.py", "")
        zf.writestr(f"nova-{VERSION}/nova/zeros.bin", bytes(48 << 20))
    data = buf.getvalue()
    server.routes["/simple/nova/"] = ("ok", b"<html></html>")
    server.routes["/nova.zip"] = ("ok", data)
    with pytest.raises(TracerError, match=r"nova.zip \(the archive unpacks to more than 8 MiB"):
        fetch(target(server, (f"{server.url}/nova.zip",)),
              options=Options(timeout=5, retries=0, progress=False, max_size=8 << 20))
    assert leftovers(cache) == []


@pytest.mark.parametrize("behaviour, limit, said", [
    ("ok", 1000, "the file has {n} bytes, more than 0.000953674 MiB"),  # refused from Content-Length
    ("no-length", 1000, "the file has more than 0.000953674 MiB"),  # refused while it arrives
])
def test_a_download_over_the_size_limit_is_refused(server, cache, behaviour, limit, said):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    server.routes[f"/files/{NAME}"] = (behaviour, ARCHIVE)
    with pytest.raises(TracerError) as err:
        fetch(target(server), options=Options(timeout=5, retries=0, progress=False, max_size=limit))
    assert said.format(n=len(ARCHIVE)) in str(err.value)
    assert leftovers(cache) == []


def test_a_corrupt_gzip_is_one_line(server, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, server.url)))
    damaged = bytearray(ARCHIVE)
    for i in range(len(damaged) // 3, len(damaged) // 3 + 64):  # inside the deflate stream
        damaged[i] ^= 0x55
    server.routes["/simple/nova/"] = ("ok", index_page("/files/nova-15.1.5.tar.gz", "nova-15.1.5.tar.gz"))
    server.routes["/files/nova-15.1.5.tar.gz"] = ("ok", bytes(damaged))
    result = CliRunner().invoke(main, ["fetch", "nova", "15.1.5", "--retries", "0"])
    assert result.exit_code == 2 and result.exception is not None and result.stdout == ""
    line = result.stderr
    assert line.count("\n") == 1 and "Traceback" not in line
    assert f"{server.url}/files/nova-15.1.5.tar.gz (the archive does not open: " in line
    assert leftovers(cache) == []


def test_byte_counts_in_errors_are_the_bytes_received(server, cache):
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    server.routes[f"/files/{NAME}"] = ("truncated", ARCHIVE)
    with pytest.raises(TracerError) as err:
        fetch(target(server), options=FAST)
    assert f"(the connection closed early after {len(ARCHIVE) // 2} of {len(ARCHIVE)} bytes)" in str(err.value)


def test_a_body_sent_gzip_encoded_is_counted_as_sent_and_hashed_as_decoded(server, cache):
    """Content-Length counts the bytes on the wire; the index's size and sha256 the file."""
    files = [{"filename": NAME, "url": f"/files/{NAME}", "hashes": {"sha256": sha(ARCHIVE)},
              "size": len(ARCHIVE)}]
    server.routes["/simple/nova/"] = ("json", json.dumps({"files": files}).encode())
    server.routes[f"/files/{NAME}"] = ("gzip", ARCHIVE)
    got = fetch(target(server), options=FAST)
    assert json.loads((got.root / MARKER).read_text())["sha256"] == sha(ARCHIVE)


def _stalled_fetch(server, cache: Path, version: str) -> subprocess.Popen:
    """A `trace fetch` whose download stalls half way, once its temporary file exists."""
    server.stall = 60.0
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/nova-{version}.tar.gz", f"nova-{version}.tar.gz"))
    server.routes[f"/files/nova-{version}.tar.gz"] = ("stall-body", ARCHIVE)
    env = {**os.environ, "TRACER_CACHE_DIR": str(cache), "TRACER_PYPI_URL": f"{server.url}/simple/"}
    proc = subprocess.Popen([sys.executable, "-c", "from tracer.cli import main; main()",
                             "fetch", "nova", version, "--timeout", "60"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not list((cache / "sources").glob(".download-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list((cache / "sources").glob(".download-*")), "the download never started"
    return proc


def test_what_a_killed_fetch_leaves_is_removed_by_the_next_run(server, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    proc = _stalled_fetch(server, cache, "15.1.5")
    proc.kill()  # SIGKILL: no cleanup of its own
    proc.communicate(timeout=20)
    sources = cache / "sources"
    lock = next(sources.glob(".run-*.lock"))
    token = lock.name[len(".run-"):-len(".lock")]
    (sources / f".unpack-{token}-x1" / "nova").mkdir(parents=True)  # as if killed while unpacking
    assert {p.name.split("-")[0] for p in sources.iterdir()} == {".download", ".run", ".unpack"}
    monkeypatch.setenv("TRACER_CACHE_DIR", str(cache))
    monkeypatch.setenv("TRACER_PYPI_URL", f"{server.url}/simple/")
    server.routes[f"/files/{NAME}"] = ("ok", ARCHIVE)
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    got = fetch(target(server), options=FAST)  # the next run, of another version
    assert sorted(p.name for p in sources.iterdir()) == [got.root.name]


def test_a_running_fetch_keeps_its_temporaries_while_another_runs(server, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    proc = _stalled_fetch(server, cache, "15.1.5")
    try:
        mine = sorted(p.name for p in (cache / "sources").iterdir())
        monkeypatch.setenv("TRACER_CACHE_DIR", str(cache))
        monkeypatch.setenv("TRACER_PYPI_URL", f"{server.url}/simple/")
        server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
        server.routes[f"/files/{NAME}"] = ("ok", ARCHIVE)
        fetch(target(server), options=FAST)
        assert sorted(p.name for p in (cache / "sources").iterdir() if p.name.startswith(".")) == mine
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert leftovers(cache) == []


def test_no_network_is_one_line_naming_the_urls_and_source(tmp_path, monkeypatch):
    closed = _closed_port()
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRACER_PYPI_URL", f"http://127.0.0.1:{closed}/simple/")
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, f"http://127.0.0.1:{closed}")))
    result = CliRunner().invoke(main, ["fetch", "nova", "liberty", "--timeout", "1"])
    assert result.exit_code == 2 and result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("trace: could not fetch nova 12.0.6 (liberty); tried: ")
    assert f"http://127.0.0.1:{closed}/openstack/nova/nova-12.0.6.tar.gz (cannot connect)" in line
    assert f"http://127.0.0.1:{closed}/gh/openstack/nova/archive/refs/tags/liberty-eol.tar.gz (cannot connect)" in line
    assert "pass --source DIR" in line
    assert leftovers(tmp_path / "cache") == []


def test_cli_fetch_prints_the_path_and_release_traces_it(server, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, server.url)))
    server.routes[f"/openstack/nova/{NAME}"] = ("ok", ARCHIVE)
    runner = CliRunner()
    first = runner.invoke(main, ["fetch", "nova", "liberty"])
    assert first.exit_code == 0, first.stderr
    assert first.stdout == f"{cache / 'sources' / f'nova-{VERSION}'}\n"
    assert "fetched nova 12.0.6 (liberty) from" in first.stderr
    second = runner.invoke(main, ["fetch", "nova", "12.0.6"])
    assert second.stdout == first.stdout and "from the cache" in second.stderr
    drafted = runner.invoke(main, ["nova", "pause", "--release", "liberty", "--offline", "-o", "-"])
    assert drafted.exit_code == 0, drafted.stderr
    assert drafted.stdout.startswith("title pause a server\n") and "pause_instance" in drafted.stdout
    assert f"tracing nova from {cache / 'sources' / f'nova-{VERSION}'}" in drafted.stderr
    ops = runner.invoke(main, ["ops", "nova", "--release", "12.0.6", "--offline"])
    assert ops.exit_code == 0 and "pause" in ops.stdout


def test_compare_two_fetched_trees_shows_steps_and_anchors(server, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, server.url)))
    server.routes[f"/openstack/nova/{NAME}"] = ("ok", ARCHIVE)
    changed = tmp_path / "changed"
    shutil.copytree(FIXTURE / "nova", changed / "nova")
    for path in (changed / "nova" / "api" / "openstack").rglob("*.py"):
        path.write_text(path.read_text().replace("def get_instance(", "def get_server_instance(")
                        .replace("common.get_instance(", "common.get_server_instance("))
    server.routes["/openstack/nova/nova-12.0.7.tar.gz"] = ("ok", _tar_of(changed, "nova-12.0.7"))
    runner = CliRunner()
    result = runner.invoke(main, ["compare", "nova", "pause", "liberty", "12.0.7"])
    assert result.exit_code == 1, result.stderr
    assert result.stdout.startswith("--- nova 12.0.6 (liberty)\n+++ nova 12.0.7 (liberty)\n")
    assert "renamed  nova/api/openstack/common.py: get_instance() -> get_server_instance()" in result.stdout
    as_json = json.loads(runner.invoke(main, ["compare", "nova", "pause", "liberty", "12.0.7", "--json"]).stdout)
    assert as_json["same"] is False and {"change": "renamed", "a": "nova/api/openstack/common.py get_instance()",
                                         "b": "nova/api/openstack/common.py get_server_instance()"} in as_json["anchors"]
    same = runner.invoke(main, ["compare", "nova", "pause", "liberty", "12.0.6", "--stat", "--offline"])
    assert same.exit_code == 0 and "anchors: none changed" in same.stdout


def test_compare_takes_trees_on_disk_in_place_of_releases(cache, tmp_path):
    """No network, no cache: two folders holding nova/ are compared as they are."""
    changed = tmp_path / "changed"
    shutil.copytree(FIXTURE / "nova", changed / "nova")
    for path in (changed / "nova" / "api" / "openstack").rglob("*.py"):
        path.write_text(path.read_text().replace("def get_instance(", "def get_server_instance(")
                        .replace("common.get_instance(", "common.get_server_instance("))
    result = CliRunner().invoke(main, ["compare", "nova", "pause", str(FIXTURE), str(changed), "--offline"])
    assert result.exit_code == 1, result.stderr
    assert result.stdout.startswith(f"--- {FIXTURE}\n+++ {changed}\n")
    assert "renamed  nova/api/openstack/common.py: get_instance() -> get_server_instance()" in result.stdout
    assert not (cache / "sources").exists()  # nothing fetched
    same = CliRunner().invoke(main, ["compare", "nova", "pause", str(FIXTURE), str(FIXTURE), "--stat"])
    assert same.exit_code == 0 and "anchors: none changed" in same.stdout


def test_offline_without_a_cached_tree_says_how_to_get_one(cache):
    result = CliRunner().invoke(main, ["nova", "pause", "--release", "liberty", "--offline", "-o", "-"])
    assert result.exit_code == 2
    assert "--offline forbids downloading" in result.stderr and "trace fetch nova 12.0.6" in result.stderr


def test_release_and_source_together_is_a_usage_error():
    result = CliRunner().invoke(main, ["ops", "nova", "--release", "liberty", "--source", str(FIXTURE)])
    assert result.exit_code == 2 and "--release and --source do not go together" in result.stderr


def test_an_interrupted_download_leaves_nothing(server, tmp_path):
    """SIGINT while the body stalls: the temporary file goes, no tree appears."""
    server.stall = 30.0
    server.routes["/simple/nova/"] = ("ok", index_page(f"/files/{NAME}"))
    server.routes[f"/files/{NAME}"] = ("stall-body", ARCHIVE)
    cache = tmp_path / "cache"
    env = {**os.environ, "TRACER_CACHE_DIR": str(cache), "TRACER_PYPI_URL": f"{server.url}/simple/"}
    proc = subprocess.Popen([sys.executable, "-c", "from tracer.cli import main; main()",
                             "fetch", "nova", "15.1.5", "--timeout", "60"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not list((cache / "sources").glob(".download-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list((cache / "sources").glob(".download-*")), "the download never started"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert proc.returncode != 0
    assert leftovers(cache) == [] and not (cache / "sources" / "nova-15.1.5").exists()


def test_anchors_that_moved_or_went_are_named():
    old = parse_text("a->b: x\n# n/a.py f()\na->b: y\n# n/a.py g()\na->b: z\n").diagram
    new = parse_text("a->b: x\n# n/b.py f()\na->b: y\n# n/a.py h()\na->b: w\n").diagram
    changes = [(c.change, str(c)) for c in compare(old, new).anchors]
    assert changes == [("moved", "f(): n/a.py -> n/b.py"), ("gone", "n/a.py g()"), ("new", "n/a.py h()")]


def test_the_only_changed_anchor_of_a_file_with_a_like_name_is_renamed():
    old = parse_text("a->b: x\n# n/c.py _stop_server()\na->b: y\n").diagram
    new = parse_text("a->b: x\n# n/c.py _stop()\na->b: z\n").diagram
    assert [str(c) for c in compare(old, new).anchors] == ["n/c.py: _stop_server() -> _stop()"]


def test_release_names_and_versions_resolve():
    assert resolve("nova", "liberty").version == "12.0.6"
    assert resolve("nova", "Caracal").release == "2024.1"
    newest = resolve("nova", "15.1.5")
    assert newest.release == "ocata" and newest.pypi
    liberty = resolve("nova", "liberty")
    assert not liberty.pypi and liberty.urls[-1].endswith("/liberty-eol.tar.gz")
    with pytest.raises(TracerError, match="did you mean 'liberty'"):
        resolve("nova", "libery")


def test_a_project_published_under_another_name_is_found_by_that_name(server, cache):
    """Heat is `openstack-heat` on PyPI, its sdists `openstack-heat-X` or
    `openstack_heat-X`: the index page and the file are looked up by that
    name, the tree is still the project's (heat-X, holding heat/)."""
    sdist = "openstack_heat-27.0.1.tar.gz"
    archive = tarball(top="openstack_heat-27.0.1", package="heat")
    server.routes["/simple/openstack-heat/"] = ("ok", index_page(f"/files/{sdist}#sha256={sha(archive)}", sdist))
    server.routes[f"/files/{sdist}"] = ("ok", archive)
    heat = resolve("heat", "2026.2")
    assert (heat.project, heat.distribution, heat.version, heat.package) == ("heat", "openstack-heat", "27.0.1", "heat")
    got = fetch(heat, options=FAST)
    assert got.root == cache / "sources" / "heat-27.0.1" and (got.root / "heat" / "__init__.py").is_file()
    assert "/simple/heat/" not in server.hits


def test_nova_is_in_every_release_from_liberty_on():
    table = load_table()
    names = [r.name for r in table.releases]
    assert names[:4] == ["liberty", "mitaka", "newton", "ocata"] and "2024.1" in names
    majors = [int(r.entry("nova").version.split(".")[0]) for r in table.releases]  # type: ignore[union-attr]
    assert majors == list(range(12, 12 + len(majors)))


@pytest.mark.parametrize("text, where", [
    ('[sites]\ntarball = "t"\narchive = "a"\n[projects.nova]\npypi_from = "1"\nrepo = "r"\n'
     '[[releases]]\nname = "x"\nnova = 12\n', ":9: [[releases]] #1: 'nova' must be"),
    ('[sites]\ntarball = "t"\narchive = "a"\n[projects.nova]\npypi_from = "1"\nrepo = "r"\n'
     '[[releases]]\nname = "x"\nnova = "twelve"\n', ":9: [[releases]] #1: 'nova' has 'twelve'"),
    ('[sites]\ntarball = "t"\n', ":1: [sites]: 'archive' is required"),
    ('[sites]\ntarball = "t"\narchive = "a"\n[projects.nova]\npypi_from = "1"\nrepo = "r"\nchecked = "maybe"\n',
     ":7: [projects.nova]: 'checked' must be one of"),
    ('[sites\n', ":1: not valid TOML"),
    ('[sites]\ntarball = "t"\narchive = "a"\ngti = "g"\n', ":4: [sites]: 'gti' is not a known field; did you mean 'git'?"),
    ('[sites]\ntarball = "t"\narchive = "a"\n[projects.nova]\npypi_from = "1"\nrepo = "r"\nrpeo = "x"\n',
     ":7: [projects.nova]: 'rpeo' is not a known field; did you mean 'repo'?"),
    ('[sites]\ntarball = "t"\narchive = "a"\n[[release]]\nname = "x"\n',
     ":4: [[release]] is not a known table; did you mean [[releases]]?"),
    ('sites = "t"\n', ":1: 'sites' must be a table, not a string"),
])
def test_a_bad_table_names_the_file_and_line(text, where):
    with pytest.raises(TracerError) as err:
        parse_table(text, "t.toml")
    assert str(err.value).startswith("t.toml" + where), str(err.value)


LONG = "1." * 200 + "1"  # a version no folder can be named after


@pytest.mark.parametrize("args", [
    ["fetch", "nova", LONG],
    ["nova", "pause", "--release", LONG, "-o", "-"],
    ["nova", "pause", "--release", LONG, "--offline", "-o", "-"],
    ["ops", "nova", "--release", LONG, "--offline"],
    ["compare", "nova", "pause", LONG, "liberty", "--offline"],
])
def test_a_version_too_long_to_name_a_folder_is_refused_up_front(tmp_path, monkeypatch, args):
    """Was an internal error: OSError [Errno 36] File name too long, from the cache's folder."""
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, f"http://127.0.0.1:{_closed_port()}")))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr == ("trace: '1.1.1.1.1.1.1.1.1.1.1.1....' (401 characters) is too long for a release or "
                             "a version (at most 64): give a release name (liberty, 2024.1) or a version (15.1.5)\n")
    assert not (tmp_path / "cache" / "sources").exists()


@pytest.mark.parametrize("what", ["a\nb", "liberty\r", "1.0\x1b[2J"])
def test_a_release_with_a_character_that_is_not_printable_is_one_line(what):
    with pytest.raises(TracerError) as err:
        resolve("nova", what)
    assert "\n" not in str(err.value) and "\r" not in str(err.value) and "\x1b" not in str(err.value)
    assert str(err.value).startswith(f"{what!r} is no release or version (it holds a character that is not printable)")


def test_an_empty_release_is_refused_by_resolve_too():
    with pytest.raises(TracerError, match="the release is empty: give a release name"):
        resolve("nova", " ")


def _read_only(monkeypatch, folder: Path) -> None:
    """Nothing can be made under `folder`, as on a read-only file system (root
    writes in any folder whatever its mode)."""
    import errno
    real = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).is_relative_to(folder):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


@pytest.mark.parametrize("made", [False, True])  # the cache's folders already there, or not yet
def test_a_read_only_cache_is_one_line_before_any_download(tmp_path, monkeypatch, made):
    """Was an internal error: OSError [Errno 30] Read-only file system: '.../sources'."""
    cache = tmp_path / "cache"
    (cache / "sources" if made else cache).mkdir(parents=True)
    monkeypatch.setenv("TRACER_CACHE_DIR", str(cache))
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, f"http://127.0.0.1:{_closed_port()}")))
    _read_only(monkeypatch, cache)
    where = cache / "sources" if made else cache
    fetched = CliRunner().invoke(main, ["fetch", "nova", "liberty", "--timeout", "1"])
    assert fetched.exit_code == 2, fetched.stderr
    assert fetched.stderr == (f"trace: {cache / 'sources'}: cannot write in {where} (read-only file system); "
                              "set TRACER_CACHE_DIR to a folder you can write\n")
    drafted = CliRunner().invoke(main, ["nova", "pause", "--release", "liberty", "-o", "-"])
    assert drafted.exit_code == 2, drafted.stderr
    assert drafted.stderr == (f"trace: {cache / 'sources'}: cannot write in {where} (read-only file system); "
                              "give --cache-dir (or set TRACER_CACHE_DIR) a folder you can write\n")
    assert sorted(p.name for p in cache.rglob("*")) == (["sources"] if made else [])


def test_a_read_only_cache_still_serves_the_trees_it_holds(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    tree = cache / "sources" / f"nova-{VERSION}"
    shutil.copytree(FIXTURE, tree)
    (tree / MARKER).write_text("{}\n")
    monkeypatch.setenv("TRACER_CACHE_DIR", str(cache))
    _read_only(monkeypatch, cache / "sources")
    for args in (["fetch", "nova", "liberty"], ["nova", "pause", "--release", "liberty", "-o", "-"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.stderr
        assert "from the cache" in result.stderr


@pytest.mark.parametrize("args", [["fetch", "nova", "liberty"], ["fetch", "nova", "liberty", "--git", "/no/repo"],
                                  ["nova", "pause", "--release", "liberty", "-o", "-"]])
def test_a_file_where_the_cache_needs_a_folder_is_named(tmp_path, monkeypatch, args):
    """Was an internal error: FileExistsError: '.../sources'."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "sources").write_text("x\n")
    monkeypatch.setenv("TRACER_CACHE_DIR", str(cache))
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, f"http://127.0.0.1:{_closed_port()}")))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"trace: {cache / 'sources'}: a file where a folder is needed; move it away, "
                                    "or ") and result.stderr.count("\n") == 1
    assert (cache / "sources").read_text() == "x\n"  # the file is the user's: kept


def test_a_file_on_the_way_to_the_cache_is_named(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x\n")
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "file" / "cache"))
    monkeypatch.setenv("TRACER_RULES_DIR", str(_rules(tmp_path, f"http://127.0.0.1:{_closed_port()}")))
    result = CliRunner().invoke(main, ["fetch", "nova", "liberty"])
    assert result.exit_code == 2, result.stderr
    assert result.stderr == (f"trace: {tmp_path / 'file'}: a file where a folder is needed (on the way to "
                             f"{tmp_path / 'file' / 'cache' / 'sources'}); move it away, or set TRACER_CACHE_DIR "
                             "to a folder you can write\n")


def test_cache_dir_is_where_a_release_is_looked_for(tmp_path, monkeypatch):
    """--cache-dir holds the index and the fetched trees, as TRACER_CACHE_DIR does."""
    mine = tmp_path / "mine"
    tree = mine / "sources" / f"nova-{VERSION}"
    shutil.copytree(FIXTURE, tree)
    (tree / MARKER).write_text("{}\n")
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "elsewhere"))
    result = CliRunner().invoke(main, ["nova", "pause", "--release", "liberty", "--offline", "--cache-dir", str(mine),
                                       "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert f"tracing nova from {tree}" in result.stderr


def _rules(tmp_path: Path, base: str) -> Path:
    """A rules folder: the real nova rules, a release table pointing at `base`."""
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    shutil.copy(ROOT / "rules" / "nova.toml", folder / "nova.toml")
    text = (ROOT / "rules" / "_releases.toml").read_text()
    text = text.replace("https://tarballs.opendev.org", base).replace("https://github.com/", f"{base}/gh/")
    (folder / "_releases.toml").write_text(text)
    return folder


def _tar_of(folder: Path, top: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(folder / "nova", arcname=f"{top}/nova")
    return buf.getvalue()


def _closed_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
