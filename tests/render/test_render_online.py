"""The online renderer against a real HTTP server on loopback speaking its protocol."""

from __future__ import annotations

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from PIL import Image

from tracer.cli import main
from tracer.problems import TracerError
from tracer.render.online import OnlineOptions, ServiceError, render_online


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(out, format="PNG")
    return out.getvalue()


class FakeService:
    """What the fake site answers; each test sets the mode."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.forms: list[dict[str, str]] = []
        self.fetches = 0


def make_handler(service: FakeService):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def reply(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(size).decode()).items()}
            service.forms.append(form)
            mode = service.mode
            if mode == "slow":
                time.sleep(1.5)
            if mode == "402" or (mode == "ok" and form.get("format") == "pdf" and "apikey" not in form):
                return self.reply(402, b"payment required", "text/plain")
            if mode == "500":
                return self.reply(500, b"oops", "text/plain")
            if mode == "nojson":
                return self.reply(200, b"<html>maintenance</html>", "text/html")
            errors = ["Line 2: Syntax error.", "Line 5: Unknown participant."] if mode.startswith("errors") else []
            img = None if mode == "errors-noimg" else f"?{form.get('format', 'png')}=msc123"
            body = json.dumps({"img": img, "errors": errors}).encode()
            self.reply(200, body, "application/json")

        def do_GET(self) -> None:
            service.fetches += 1
            if service.mode == "img404":
                return self.reply(404, b"gone", "text/plain")
            if service.mode == "broken":
                return self.reply(200, png_bytes()[:20], "image/png")
            if service.mode == "notpng":
                return self.reply(200, b"GIF89a....", "image/gif")
            if "svg=" in self.path:
                return self.reply(200, b'<?xml version="1.0"?><svg/>', "image/svg+xml")
            self.reply(200, png_bytes(), "image/png")

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # the slow case: the client has gone when the reply is written


@pytest.fixture(scope="module")
def server():
    fake = FakeService()
    httpd = QuietServer(("127.0.0.1", 0), make_handler(fake))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield fake
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def service(server):
    """The module's server, back to answering normally."""
    server.mode, server.forms, server.fetches = "ok", [], 0
    return server


def opts(service, **kw) -> OnlineOptions:
    return OnlineOptions(url=service.url, timeout=kw.pop("timeout", 5), **kw)


SCRIPT = "title t\nA->B: hello\n"


def test_posts_the_script_and_fetches_the_picture(service) -> None:
    result = render_online(SCRIPT, "png", opts(service, style="napkin"))
    assert result.image.startswith(b"\x89PNG") and result.errors == ()
    form = service.forms[-1]
    assert form == {"message": SCRIPT, "style": "napkin", "apiVersion": "1", "format": "png"}
    assert service.fetches == 1


def test_errors_with_an_image_come_back_with_line_numbers(service) -> None:
    service.mode = "errors"
    result = render_online(SCRIPT, "png", opts(service))
    assert result.errors == ((2, "Syntax error."), (5, "Unknown participant."))


def test_errors_without_an_image_raise_with_lines(service) -> None:
    service.mode = "errors-noimg"
    with pytest.raises(ServiceError) as err:
        render_online(SCRIPT, "png", opts(service))
    assert err.value.errors[0] == (2, "Syntax error.")


@pytest.mark.parametrize("mode, fmt, message", [
    ("ok", "pdf", "needs an API key (HTTP 402)"),
    ("500", "png", "failed with HTTP 500"),
    ("nojson", "png", "not JSON"),
    ("img404", "png", "fetching the image failed with HTTP 404"),
    ("broken", "png", "not a valid PNG"),
    ("notpng", "png", "not a valid PNG"),
    ("slow", "png", "no answer"),
])
def test_failures_are_one_line_errors(service, mode, fmt, message) -> None:
    service.mode = mode
    with pytest.raises(TracerError) as err:
        render_online(SCRIPT, fmt, opts(service, timeout=0.5))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_pdf_needs_a_key_and_the_key_is_sent(service) -> None:
    with pytest.raises(TracerError, match="402"):
        render_online(SCRIPT, "pdf", opts(service))
    result = render_online(SCRIPT, "svg", opts(service, apikey="k"))
    assert service.forms[-1]["apikey"] == "k" and b"<svg" in result.image


def test_unreachable_service_is_reported(tmp_path: Path) -> None:
    with pytest.raises(TracerError, match="cannot reach"):
        render_online(SCRIPT, "png", OnlineOptions(url="http://127.0.0.1:9/", timeout=2))


def write(tmp_path: Path, name: str, text: str = SCRIPT) -> Path:
    path = tmp_path / "diagrams" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_cli_online_writes_png_and_reports_service_errors(service, tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "nova/pause.wsd")
    service.mode = "errors"
    monkeypatch.setenv("TRACER_WSD_URL", service.url)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(tmp_path / "diagrams"), "-o", str(out),
                                       "--renderer", "online", "-f", "png"])
    assert result.exit_code == 0, result.output
    assert (out / "nova" / "pause.png").read_bytes().startswith(b"\x89PNG")
    assert "pause.wsd:2: warning: Syntax error." in result.stderr


def test_cli_online_failure_leaves_no_file(service, tmp_path: Path) -> None:
    write(tmp_path, "a.wsd")
    write(tmp_path, "b.wsd")
    service.mode = "broken"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(tmp_path / "diagrams"), "-o", str(out),
                                       "--renderer", "online", "-f", "png",
                                       "--online-url", service.url])
    assert result.exit_code == 1
    assert result.stderr.count("not a valid PNG") == 2
    assert not out.exists() or not any(out.rglob("*"))


def test_cli_online_script_errors_fail_with_file_and_line(service, tmp_path: Path) -> None:
    write(tmp_path, "a.wsd")
    service.mode = "errors-noimg"
    result = CliRunner().invoke(main, ["render", str(tmp_path / "diagrams"), "-o", str(tmp_path / "o"),
                                       "--renderer", "online", "-f", "png", "--online-url", service.url])
    assert result.exit_code == 1
    assert f"{tmp_path / 'diagrams' / 'a.wsd'}:2: Syntax error." in result.stderr
