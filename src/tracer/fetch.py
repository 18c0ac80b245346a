"""Download a release's source into the cache: `trace fetch PROJECT 15.1.5`.

Each candidate URL (the PyPI sdist found through the simple index, then the
OpenStack tarball site and GitHub's tagged archives) is downloaded to a
temporary file in the cache, checked (size, the index's sha256, that the
archive opens and holds the package), unpacked into a temporary folder and
renamed into `$TRACER_CACHE_DIR/sources/<project>-<version>/`. A failure or
an interrupt removes the temporaries, and what a killed run left is removed
by the next (tracer.scratch), so the cache holds whole trees only. Besides
the per-read timeout, the whole fetch has a deadline, and a download and
what it unpacks to have a size limit.
"""

from __future__ import annotations

import configparser
import hashlib
import html
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urldefrag, urljoin

import click
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tracer.index.cache import default_dir
from tracer.problems import TracerError
from tracer.releases import Target
from tracer.scratch import Scratch, sweep
from tracer.unpack import Refused, mib, unpack

MARKER = ".tracer-source.json"  # written last into a complete tree
_BAR_FROM = 1 << 20  # a progress bar for files past 1 MiB


@dataclass(frozen=True)
class Options:
    timeout: float = 30.0  # seconds, per connect and per read
    retries: int = 2  # connection errors, read timeouts before a response, 5xx
    progress: bool = True
    deadline: float = 900.0  # seconds for the whole fetch, however the bytes trickle in
    max_size: int = 512 << 20  # bytes a download, and the tree it unpacks to, may have


@dataclass(frozen=True)
class Link:
    url: str
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Fetched:
    root: Path
    url: str | None  # None: reused from the cache
    how: str


class Failed(Exception):
    """One candidate failed; the message is the short reason. `answered`: a
    server answered (False: no connection, no name, no reply in time)."""

    def __init__(self, reason: str, answered: bool = True) -> None:
        super().__init__(reason)
        self.answered = answered


class NotFetched(TracerError):
    """No candidate gave the tree. `unreachable`: no server answered at all
    (the network is closed, as far as this fetch can tell)."""

    def __init__(self, message: str, unreachable: bool) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass
class Tried:
    """What each candidate URL gave, for the one-line failure."""

    lines: list[str] = field(default_factory=list)
    answered: bool = False

    def add(self, url: str, err: Failed) -> None:
        self.lines.append(f"{url} ({err})")
        self.answered = self.answered or err.answered


class Expired(BaseException):
    """The deadline passed (a BaseException, so no library's `except Exception` keeps it)."""


def cache_root() -> Path:
    """The cache the index uses too: $TRACER_CACHE_DIR, else XDG, else ~/.cache/tracer."""
    return default_dir()


def tree_path(target: Target, cache: Path | None = None) -> Path:
    return (cache or cache_root()) / "sources" / f"{target.project}-{target.version}"


def sources_folder(cache: Path | None = None) -> Path:
    """The cache's folder of trees, made if need be and written once (a probe
    folder made and removed), so that nothing is downloaded that cannot be
    kept; a folder that cannot be made or written is one line naming it."""
    folder = (cache or cache_root()) / "sources"
    hint = ("give --cache-dir (or set TRACER_CACHE_DIR) a folder you can write" if cache is not None
            else "set TRACER_CACHE_DIR to a folder you can write")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=".probe-", dir=folder))
    except OSError as err:
        raise TracerError(unwritable(folder, err, hint)) from None
    return folder


def unwritable(folder: Path, err: OSError, hint: str) -> str:
    """Why `folder` cannot be made or written, as one line ending with `hint`:
    something not a folder standing on its way, else the system's reason."""
    place = folder
    while not _exists(place) and place != place.parent:
        place = place.parent
    if _exists(place) and not place.is_dir():
        kind = "a file where a folder is needed" if place.is_file() else "not a folder"
        on_the_way = "" if place == folder else f" (on the way to {folder})"
        return f"{place}: {kind}{on_the_way}; move it away, or {hint}"
    return f"{folder}: cannot write in {place} ({(err.strerror or str(err)).lower()}); {hint}"


def _exists(path: Path) -> bool:
    try:
        path.lstat()
        return True
    except OSError:
        return False


def cached(target: Target, cache: Path | None = None) -> Path | None:
    """The whole tree of `target` in the cache (default: this process's), or None."""
    root = tree_path(target, cache)
    ok = (root / MARKER).is_file() and (root / target.package / "__init__.py").is_file()
    return root if ok else None


def index_url() -> str:
    """$TRACER_PYPI_URL, else pip's index-url ($PIP_INDEX_URL, pip.conf), else PyPI."""
    for value in (os.environ.get("TRACER_PYPI_URL"), os.environ.get("PIP_INDEX_URL"), _pip_conf_index()):
        if value and value.startswith(("http://", "https://")):
            return value.rstrip("/") + "/"
    return "https://pypi.org/simple/"


def _pip_conf_index() -> str | None:
    home = Path.home()
    files = [Path("/etc/pip.conf"), Path("/etc/xdg/pip/pip.conf"), home / ".pip" / "pip.conf",
             home / ".config" / "pip" / "pip.conf", os.environ.get("PIP_CONFIG_FILE") or ""]
    parser = configparser.ConfigParser()
    try:
        parser.read([str(f) for f in files if f and Path(f).is_file()])
    except configparser.Error:
        return None
    return parser.get("global", "index-url", fallback=None)


def fetch(target: Target, offline: bool = False, options: Options = Options(),
          cache: Path | None = None) -> Fetched:
    """The unpacked tree of `target`, from the cache (default: cache_root())
    or downloaded into it; NotFetched when no candidate gives it."""
    _sweep(tree_path(target, cache).parent)
    root = cached(target, cache)
    if root is not None:
        return Fetched(root, None, f"using {target.label} from the cache: {root}")
    if offline:
        raise TracerError(f"{target.label} is not in the cache ({tree_path(target, cache)}) and --offline forbids "
                          f"downloading: run {fetch_command(target)}, or pass --source DIR (to `trace compare`, the "
                          f"folder in place of the release)")
    tried = Tried()
    url = urljoin(index_url(), f"{target.distribution}/") if target.pypi else target.urls[0]
    with Scratch(sources_folder(cache)) as scratch, _session(options) as session:
        try:
            with deadline(options.deadline):
                for url, link in _candidates(session, target, options, tried):
                    try:
                        root = _install(session, link, target, options, scratch, cache)
                        return Fetched(root, url, f"fetched {target.label} from {url} into {root}")
                    except Failed as err:
                        tried.add(url, err)
        except Expired:
            tried.add(url, Failed(f"the {options.deadline:g}s deadline passed; --deadline to allow more",
                                  answered=False))
    raise NotFetched(f"could not fetch {target.label}; tried: {'; '.join(tried.lines)}. Download one of these "
                     f"by hand, unpack it and pass --source DIR (the folder that holds {target.package}/)",
                     unreachable=not tried.answered)


def _sweep(folder: Path) -> None:
    """Remove what killed runs left; a cache that cannot be written (read-only,
    shared) keeps them, and its whole trees are still read."""
    try:
        sweep(folder)
    except OSError:
        pass


def fetch_command(target: Target) -> str:
    """The commands that put `target` into the cache."""
    plain = f"`trace fetch {target.project} {target.version}`"
    if target.pypi or not target.tag:
        return plain + " where the network is open"
    return (f"{plain} where the network is open, or `trace fetch {target.project} {target.version} "
            f"--git URL|PATH` from a git repository of {target.project} (a local mirror will do)")


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise Expired in the code below once `seconds` pass, even inside a read
    that a slow server keeps alive (SIGALRM, in a Unix process's main thread;
    elsewhere the body's reads check the clock between chunks)."""
    _clock.until = time.monotonic() + seconds
    try:
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            yield
            return

        def expire(signum: int, frame: object) -> None:
            raise Expired

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    finally:
        _clock.until = float("inf")


_clock = threading.local()  # .until: when this thread's deadline passes (time.monotonic)


def _candidates(session: requests.Session, target: Target, options: Options, tried: Tried):
    """(url, link) pairs in order; index failures are noted in `tried`."""
    if target.pypi:
        page = urljoin(index_url(), f"{target.distribution}/")
        try:
            link = find_sdist(session, page, target, options)
            yield link.url, link
        except Failed as err:
            tried.add(page, err)
    for url in target.urls:
        yield url, Link(url)


def find_sdist(session: requests.Session, page: str, target: Target, options: Options) -> Link:
    """The sdist of target.version on a PEP 503/691 simple index page."""
    resp = _get(session, page, options, stream=True,
                accept="application/vnd.pypi.simple.v1+json, text/html;q=0.1")
    with resp:
        try:
            body = _read_all(resp, options.max_size)
        except requests.RequestException as err:
            raise Failed(_reason(err, options)) from None
    links = _json_links(body, resp.url) if "json" in resp.headers.get("Content-Type", "") \
        else _html_links(body.decode("utf-8", "replace"), resp.url)
    # sdists spell the distribution as uploaded: some-dist-1.0.tar.gz, some_dist-2.0.tar.gz
    names = {_normal(f"{target.distribution}-{target.version}{ext}") for ext in (".tar.gz", ".zip")}
    for name, link in links:
        if _normal(name) in names:
            return link
    raise Failed(f"the index has no sdist of {target.version}")


def _normal(filename: str) -> str:
    return filename.lower().replace("_", "-")


def _json_links(body: bytes, base: str) -> list[tuple[str, Link]]:
    try:
        files = json.loads(body)["files"]
        return [(f["filename"], Link(urljoin(base, f["url"]), f.get("hashes", {}).get("sha256"),
                                     f.get("size"))) for f in files]
    except (ValueError, KeyError, TypeError):
        raise Failed("the index answered with malformed JSON") from None


def _html_links(text: str, base: str) -> list[tuple[str, Link]]:
    out = []
    for href, name in re.findall(r'<a\s[^>]*?href="([^"]*)"[^>]*>([^<]*)</a>', text, re.I):
        url, frag = urldefrag(urljoin(base, html.unescape(href)))
        sha = frag[7:] if frag.startswith("sha256=") else None
        out.append((html.unescape(name).strip(), Link(url, sha)))
    return out


def _install(session: requests.Session, link: Link, target: Target, options: Options,
             scratch: Scratch, cache: Path | None = None) -> Path:
    archive, digest = download(session, link, scratch, options)
    try:
        unpacked = scratch.dir("unpack")
        try:
            root = unpack(archive, unpacked, target.package, options.max_size)
        except Refused as err:
            raise Failed(str(err)) from None
        return place(root, target, {"url": link.url, "sha256": digest}, cache)
    finally:
        archive.unlink(missing_ok=True)


def place(root: Path, target: Target, origin: dict[str, str], cache: Path | None = None) -> Path:
    """Mark the unpacked tree whole and rename it into the cache (atomic)."""
    final = tree_path(target, cache)
    (root / MARKER).write_text(json.dumps({"project": target.project, "version": target.version,
                                           **origin}) + "\n")
    try:
        os.replace(root, final)
    except OSError:  # another run finished first: keep its tree if whole
        if cached(target, cache) is None:
            raise Failed(f"cannot move the tree into {final}: it exists and is not a fetched tree; "
                         f"remove it") from None
    return final


def download(session: requests.Session, link: Link, scratch: Scratch, options: Options) -> tuple[Path, str]:
    """The body of link.url in a temporary file and its sha256; size, limit and hash checked."""
    path = scratch.file("download", ".part")
    try:
        with open(path, "wb") as out, _get(session, link.url, options, stream=True) as resp:
            length = int(resp.headers["Content-Length"]) if "Content-Length" in resp.headers else None
            expected = length if length is not None else link.size
            if expected is not None and expected > options.max_size:
                raise Failed(f"the file has {expected} bytes, more than {mib(options.max_size)} "
                             f"(the limit; --max-size to raise it)")
            wire, got, digest = _copy(resp, out, expected, options, Path(urldefrag(link.url)[0]).name)
        if length is not None and wire != length:
            raise Failed(f"got {wire} of {length} bytes")
        if link.size is not None and got != link.size:
            raise Failed(f"got {got} bytes, the index says {link.size}")
        if link.sha256 and digest != link.sha256.lower():
            raise Failed(f"sha256 {digest[:12]}... differs from the index's {link.sha256[:12]}...")
        return path, digest
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _copy(resp: requests.Response, out, expected: int | None, options: Options,
          name: str) -> tuple[int, int, str]:
    """(bytes received, bytes written, sha256 of what was written)."""
    digest, got = hashlib.sha256(), 0
    bar = click.progressbar(length=expected, label=f"downloading {name}", file=sys.stderr) \
        if options.progress and expected and expected >= _BAR_FROM else None
    try:
        for chunk in _chunks(resp):
            got += len(chunk)
            if got > options.max_size:
                raise Failed(f"the file has more than {mib(options.max_size)} (the limit; --max-size to raise it)")
            out.write(chunk)
            digest.update(chunk)
            if bar:
                bar.update(len(chunk))
    except requests.RequestException as err:
        raise Failed(_reason(err, options) + _progress(resp, expected)) from None
    except OSError as err:
        raise Failed(f"cannot write {out.name}: {err.strerror or err}") from None
    finally:
        if bar:
            bar.render_finish()
    return resp.raw.tell(), got, digest.hexdigest()


def _chunks(resp: requests.Response) -> Iterator[bytes]:
    """The body as it arrives (each read returns what is there), the deadline checked
    between reads."""
    raw = resp.raw
    read = getattr(raw, "read1", None) or raw.read  # read1: urllib3 2
    while True:
        if time.monotonic() > getattr(_clock, "until", float("inf")):
            raise Expired
        try:
            chunk = read(1 << 16, decode_content=True)
        except Exception as err:  # noqa: BLE001 - urllib3's errors, as requests names them
            raise requests.exceptions.ChunkedEncodingError(err) from None
        if not chunk:
            return
        yield chunk


def _read_all(resp: requests.Response, limit: int) -> bytes:
    """A whole (small) body, refused past `limit` bytes."""
    parts, got = [], 0
    for chunk in _chunks(resp):
        got += len(chunk)
        if got > limit:
            raise Failed(f"the page has more than {mib(limit)}")
        parts.append(chunk)
    return b"".join(parts)


def _progress(resp: requests.Response, expected: int | None) -> str:
    got = resp.raw.tell()
    return f" after {got} of {expected} bytes" if expected else f" after {got} bytes"


def _session(options: Options) -> requests.Session:
    retry = Retry(total=options.retries, backoff_factor=0.3, status_forcelist=(429, 500, 502, 503, 504),
                  allowed_methods=("GET",), raise_on_status=False)
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.headers["User-Agent"] = "tracer (trace fetch)"
    return session


def _get(session: requests.Session, url: str, options: Options, stream: bool = False,
         accept: str | None = None) -> requests.Response:
    try:
        resp = session.get(url, timeout=(options.timeout, options.timeout), stream=stream,
                           headers={"Accept": accept} if accept else None)
    except requests.RequestException as err:  # no response at all
        raise Failed(_reason(err, options), answered=False) from None
    if resp.status_code != 200:
        resp.close()
        raise Failed(f"HTTP {resp.status_code}")
    return resp


def _reason(err: requests.RequestException, options: Options) -> str:
    text = str(err)
    if isinstance(err, requests.Timeout) or "timed out" in text.lower():
        return f"timed out after {options.timeout:g}s"
    if "NameResolution" in text or "Name or service not known" in text or "resolve" in text:
        return "cannot resolve the host"
    if isinstance(err, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return "the connection closed early"
    if isinstance(err, requests.ConnectionError):
        return "cannot connect"
    return type(err).__name__
