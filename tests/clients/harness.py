"""Run an emulator for a contract test, in-process or over a real socket.

``EmulatorHandle`` wraps one emulator app with its base URL, the transport clients should
use (``None`` over a socket), and helpers for the control plane (seed, faults, request log,
config, clock). In-process calls go through :class:`TimeoutWSGITransport`, which enforces
the client's read timeout the way a socket would (``httpx.WSGITransport`` alone waits
forever), so timeout tests mean the same thing in both modes.

``Receiver`` is a tiny WSGI app standing in for our webhook endpoint: it records every
delivery (path, query, headers, raw body) and answers 200; it answers Haravan's GET
``hub.challenge`` handshake with :func:`kiotsync.haravan.webhooks.challenge_response`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs

import httpx

from kiotsync.emulators.common.server import make_wsgi_server
from kiotsync.haravan.webhooks import challenge_response


class ServerThread:
    """Serve a WSGI app on a free local port (quick shutdown: polls every 20 ms)."""

    def __init__(self, app: Any) -> None:
        self.server = make_wsgi_server(app, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def pep3333_paths(app: Any) -> Callable[..., Any]:
    """Fix httpx's WSGI environ: it puts the *decoded* path in ``PATH_INFO``, while PEP 3333
    (and werkzeug) expect UTF-8 bytes carried as latin-1, so non-ASCII paths (Vietnamese
    product codes) would arrive garbled in-process but not over a socket."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["PATH_INFO"] = environ.get("PATH_INFO", "").encode("utf-8").decode("latin-1")
        return app(environ, start_response)

    return wrapped


class TimeoutWSGITransport(httpx.BaseTransport):
    """``httpx.WSGITransport`` that raises ``ReadTimeout`` like a socket would (and passes
    non-ASCII paths the way a real server does)."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.WSGITransport(app=pep3333_paths(app))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeout = (request.extensions.get("timeout") or {}).get("read")
        if not timeout:
            return self._inner.handle_request(request)
        request.read()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                response = self._inner.handle_request(request)
                response.read()
                box["response"] = response
            except BaseException as exc:  # surfaced in the calling thread
                box["error"] = exc

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise httpx.ReadTimeout("in-process emulator did not answer in time", request=request)
        if "error" in box:
            raise box["error"]
        return box["response"]  # type: ignore[no-any-return]


@dataclass
class Delivery:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Our side of webhooks: records deliveries, answers ``status`` (200)."""

    status: int = 200
    verify_token: str = "receiver-verify-token"
    deliveries: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":  # Haravan's registration handshake
            params = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            echo = challenge_response(params, self.verify_token)
            if echo is None:
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [b"bad verify token"]
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [echo.encode()]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        with self._lock:
            self.deliveries.append(
                Delivery(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), headers, body)
            )
        start_response(f"{self.status} OK", [("Content-Type", "application/json")])
        return [b"{}"]

    def wait_for(self, predicate: Callable[[Delivery], bool], timeout: float = 5.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [d for d in self.deliveries if predicate(d)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.02)


class EmulatorHandle:
    def __init__(self, app: Any, mode: str, host: str) -> None:
        self.app = app
        self.mode = mode
        self._server: ServerThread | None = None
        self._receiver_server: ServerThread | None = None
        if mode == "socket":
            self._server = ServerThread(app).start()
            self.base_url = self._server.url
            self.transport: httpx.BaseTransport | None = None
        else:
            self.base_url = f"http://{host}"
            self.transport = TimeoutWSGITransport(app)
        self.control = httpx.Client(base_url=self.base_url, transport=self.transport, timeout=30)
        self.receiver = Receiver()
        self.receiver_url = self._start_receiver()

    def _start_receiver(self) -> str:
        if self.mode == "socket":
            self._receiver_server = ServerThread(self.receiver).start()
            self.app.webhooks.set_transport(None)
            return self._receiver_server.url
        self.app.webhooks.set_transport(httpx.WSGITransport(app=self.receiver))
        return "http://receiver.test"

    def close(self) -> None:
        self.control.close()
        self.app.webhooks.stop()
        if self._server is not None:
            self._server.stop()
        if self._receiver_server is not None:
            self._receiver_server.stop()

    # -- control plane ---------------------------------------------------------------------
    def ctl(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.control.request(method, f"/_emulator{path}", json=body, params=params or None)
        assert response.status_code < 400, f"control {method} {path}: {response.status_code} {response.text}"
        return response.json()

    def seed(self, **body: Any) -> dict[str, Any]:
        body.setdefault("preset", "demo")
        body.setdefault("seed", 1)
        body.setdefault("base_url", self.base_url)
        result = self.ctl("POST", "/seed", body)
        assert isinstance(result, dict)
        return result

    def fault(self, **spec: Any) -> None:
        self.ctl("POST", "/faults", spec)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.ctl("GET", "/requests", **filters)["requests"])

    def clear_requests(self) -> None:
        self.ctl("DELETE", "/requests")

    def config(self, **values: Any) -> dict[str, Any]:
        if values:
            return dict(self.ctl("PUT", "/config", values))
        return dict(self.ctl("GET", "/config"))

    def advance(self, seconds: float) -> None:
        self.ctl("POST", "/clock", {"advance_s": seconds})

    def drain(self, timeout: float = 10.0) -> None:
        self.ctl("POST", "/webhooks/drain", {"timeout": timeout})

    def statuses(self, path: str | None = None, method: str | None = None) -> list[int]:
        return [
            r["status"]
            for r in self.requests()
            if (path is None or r["path"] == path) and (method is None or r["method"] == method)
        ]


class _FormParser(HTMLParser):
    """Collects the forms of an HTML page: action, method and input values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action", ""),
                    "method": a.get("method", "get").lower(),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif tag in ("input", "button") and self.forms:
            name = a.get("name")
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            if not name:
                return
            if kind == "submit":
                self.forms[-1]["buttons"].append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.forms[-1]["fields"][name] = a.get("value", "on")
            else:
                self.forms[-1]["fields"].setdefault(name, a.get("value", ""))


def follow_login(
    http: httpx.Client, url: str, redirect_uri: str, answers: dict[str, str], max_steps: int = 8
) -> httpx.URL:
    """Walk an OAuth authorize URL like a browser until it redirects to ``redirect_uri``.

    HTML forms are submitted with their hidden fields plus ``answers`` for any field whose
    name contains one of its keys (``email``, ``password``…); a submit button whose name or
    value looks like approval is pressed. Cookies persist in ``http``.
    """
    response = http.get(url)
    for _ in range(max_steps):
        if response.is_redirect:
            target = httpx.URL(response.headers["location"])
            if not target.is_absolute_url:
                target = response.url.join(target)
            if str(target).startswith(redirect_uri):
                return target
            response = http.get(target)
            continue
        parser = _FormParser()
        parser.feed(response.text)
        if not parser.forms:
            raise AssertionError(
                f"authorize flow stuck at {response.url}: {response.status_code} {response.text[:300]}"
            )
        form = parser.forms[0]
        data = dict(form["fields"])
        for name in list(data) + list(answers):
            for key, value in answers.items():
                if key in name.lower() and (name in data or name == key):
                    data[name] = value
        for name, value in form["buttons"]:
            if any(
                w in (name + value).lower()
                for w in ("allow", "approve", "accept", "consent", "yes", "grant", "login", "dong")
            ):
                data[name] = value
                break
        action = response.url.join(form["action"] or str(response.url))
        response = http.post(action, data=data) if form["method"] == "post" else http.get(action, params=data)
    raise AssertionError("authorize flow did not reach the redirect URI")
