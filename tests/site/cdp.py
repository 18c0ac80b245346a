"""A minimal Chrome DevTools Protocol driver for the browser tests.

Starts headless Chromium with a fresh profile and a debugging port, attaches
to its first tab over a websocket (websocket-client), navigates and reads
back what the page did: load errors, HTTP status, console errors, values of
JavaScript expressions.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websocket

# Without the networking flags Chromium reaches out to Google services, and
# this machine's closed network refuses those connections (logged as errors).
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-proxy-server", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
)
TIMEOUT = 30.0


@dataclass
class Visit:
    """One navigation: the load error (net::ERR_...) or the HTTP status."""

    url: str
    error: str | None = None
    status: int | None = None


class Browser:
    """A Chromium process with one tab, ended by `close()`."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.log = profile.parent / f"{profile.name}-stderr.log"
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(
                [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            port = self._port(profile / "DevToolsActivePort")
            self.tab = Tab(self._page_socket(port))
        except BaseException:
            self.close()
            raise

    def _port(self, path: Path) -> int:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}: {self._tail()}")
            lines = path.read_text().split("\n") if path.is_file() else []
            if len(lines) >= 2 and lines[0].strip().isdigit():
                return int(lines[0])
            time.sleep(0.05)
        raise RuntimeError(f"chromium did not open its debugging port in {TIMEOUT:.0f} s: {self._tail()}")

    def _page_socket(self, port: int) -> str:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as resp:
                pages = [t for t in json.load(resp) if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise RuntimeError("chromium opened no tab")

    def _tail(self) -> str:
        text = self.log.read_text(errors="replace").strip() if self.log.is_file() else ""
        return text.splitlines()[-1] if text else "(nothing on stderr)"

    def close(self) -> None:
        if getattr(self, "tab", None):
            self.tab.ws.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group this Popen started
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Tab:
    """One page target: commands by id, events kept until the next navigation."""

    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, timeout=TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = next((e for e in self.events if e["method"] == method), None)
            if found:
                return found["params"]
            self.ws.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                raise TimeoutError(f"no {method} in {timeout:.0f} s") from None
            finally:
                self.ws.settimeout(TIMEOUT)
            if "method" in msg:
                self.events.append(msg)

    def navigate(self, url: str) -> Visit:
        self.events.clear()
        result = self.send("Page.navigate", url=url)
        visit = Visit(url, error=result.get("errorText") or None)
        if visit.error is None and result.get("loaderId"):  # none: a same-document (#fragment) move
            self.wait_for("Page.loadEventFired")
            visit.status = self._status(result.get("loaderId"))
        return visit

    def _status(self, loader: str | None) -> int | None:
        for e in self.events:
            p = e["params"]
            if e["method"] == "Network.responseReceived" and p.get("type") == "Document" \
                    and p.get("loaderId") == loader:
                return int(p["response"]["status"])
        return None

    def errors(self) -> list[str]:
        """Errors logged since the last navigation (call after evaluating, to see all)."""
        out = []
        for e in self.events:
            m, p = e["method"], e["params"]
            if m == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif m == "Runtime.exceptionThrown":
                out.append("exception: " + p["exceptionDetails"].get("text", ""))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"log: {p['entry']['text']} ({p['entry'].get('url', '')})")
        return out

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")
