"""The online renderer: websequencediagrams.com's HTTP API (see WSD.md).

POST the script to `<base>index.php`, read `{"img": "?png=...", "errors": [...]}`,
then GET `<base><img>`. Every failure becomes a one-line TracerError.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass

import requests
from PIL import Image

from tracer.problems import TracerError

DEFAULT_URL = "https://www.websequencediagrams.com/"
ENV_URL = "TRACER_WSD_URL"
FORMATS = ("png", "svg", "pdf")
_MAGIC = {"png": (b"\x89PNG\r\n\x1a\n",), "pdf": (b"%PDF",), "svg": (b"<svg", b"<?xml")}
_LINE = re.compile(r"^\s*line\s+(\d+)\s*:\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class OnlineOptions:
    url: str = DEFAULT_URL
    style: str = "modern-blue"
    apikey: str | None = None
    timeout: float = 30.0

    @property
    def base(self) -> str:
        return self.url if self.url.endswith("/") else self.url + "/"


def default_url() -> str:
    return os.environ.get(ENV_URL) or DEFAULT_URL


@dataclass(frozen=True)
class OnlineResult:
    """The picture and the service's errors as (line, message); line 0 if none given."""

    image: bytes
    errors: tuple[tuple[int, str], ...]


class ServiceError(TracerError):
    """The service reported errors in the script and sent no picture."""

    def __init__(self, errors: tuple[tuple[int, str], ...]) -> None:
        self.errors = errors or ((0, "no image and no reason given"),)
        first = "; ".join(f"line {n}: {m}" if n else m for n, m in self.errors[:3])
        super().__init__(f"online renderer: no image ({first})", 1)


def service_errors(raw: object) -> tuple[tuple[int, str], ...]:
    """`["Line 3: Syntax error."]` -> ((3, "Syntax error."),)."""
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        m = _LINE.match(str(item))
        out.append((int(m[1]), m[2].strip()) if m else (0, str(item).strip()))
    return tuple(out)


def _request(method: str, url: str, opts: OnlineOptions, **kw) -> requests.Response:
    try:
        return requests.request(method, url, timeout=opts.timeout, **kw)
    except requests.Timeout:
        raise TracerError(f"online renderer: no answer from {url} within {opts.timeout:g}s", 1) from None
    except requests.RequestException as err:
        reason = type(err).__name__
        raise TracerError(f"online renderer: cannot reach {url} ({reason})", 1) from None


def _check_status(resp: requests.Response, what: str, fmt: str) -> None:
    if resp.status_code == 402:
        raise TracerError(f"online renderer: format {fmt} needs an API key (HTTP 402); "
                          "give --apikey or use png", 1)
    if resp.status_code >= 400:
        raise TracerError(f"online renderer: {what} failed with HTTP {resp.status_code}", 1)


def render_online(script: str, fmt: str, opts: OnlineOptions) -> OnlineResult:
    """Ask the service for a picture of `script` in `fmt` (png, svg or pdf)."""
    if fmt not in FORMATS:
        raise TracerError(f"online renderer: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    form = {"message": script, "style": opts.style, "apiVersion": "1", "format": fmt}
    if opts.apikey:
        form["apikey"] = opts.apikey
    resp = _request("POST", opts.base + "index.php", opts, data=form)
    _check_status(resp, "the request", fmt)
    try:
        reply = resp.json()
    except ValueError:
        raise TracerError("online renderer: the reply is not JSON", 1) from None
    if not isinstance(reply, dict):
        raise TracerError("online renderer: the reply is not a JSON object", 1)
    errors = service_errors(reply.get("errors"))
    img = reply.get("img")
    if not img or not isinstance(img, str):
        raise ServiceError(errors)
    pic = _request("GET", opts.base + img.lstrip("/"), opts)
    _check_status(pic, "fetching the image", fmt)
    if not _valid(pic.content, fmt):
        raise TracerError(f"online renderer: the image is not a valid {fmt.upper()} "
                          f"({len(pic.content)} bytes)", 1)
    return OnlineResult(pic.content, errors)


def _valid(data: bytes, fmt: str) -> bool:
    """The right signature, and for PNG a file Pillow can read through."""
    if not (data.lstrip() if fmt == "svg" else data).startswith(_MAGIC[fmt]):
        return False
    if fmt != "png":
        return True
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
    except (OSError, SyntaxError, ValueError):
        return False
    return True
