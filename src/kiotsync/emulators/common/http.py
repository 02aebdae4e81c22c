"""The HTTP shell both emulators share.

``EmulatorApp`` is a WSGI callable that, for every request: answers the control plane
(``/_emulator/...``); applies injected faults; calls the platform's ``handle(request)``;
turns an :class:`ApiError` into the platform's error response; and logs the exchange.
Platform rules live in the platform's state module, never here.

Control plane (JSON in and out), common to both emulators:
- ``POST /_emulator/reset`` — empty all state (faults, log, webhooks too)
- ``POST /_emulator/seed`` — ``{"preset": "demo"|"empty", "seed": 1, ...}`` → credentials
- ``GET|POST|DELETE /_emulator/faults`` — list / add one (or ``{"faults": [...]}``) / clear
- ``GET|DELETE /_emulator/requests`` — request log (``?since=&method=&path=&status=&limit=``) / clear
- ``GET|PUT /_emulator/config`` — ``time_scale``, ``latency_ms`` (real ms added to every API
  call: a network round trip) plus whatever the platform adds
- ``POST /_emulator/clock`` — ``{"advance_s": N}`` moves platform time forward
- ``GET /_emulator/webhooks`` — outgoing delivery attempts; ``POST /_emulator/webhooks/drain``
Platforms add their own ``/_emulator/...`` helpers through ``control_routes``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .clock import Clock
from .faults import FaultInjector
from .requestlog import RequestLog
from .webhooks import WebhookDispatcher

CONTROL_PREFIX = "/_emulator"

__all__ = ["ApiError", "EmulatorApp", "Request", "Response", "json_response"]


class ApiError(Exception):
    """Raised by platform rules; rendered by the platform's ``error_response``."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    resp = Response(body, status=status, mimetype="application/json")
    resp.headers["Content-Type"] = "application/json; charset=utf-8"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def read_json(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, {"error": f"invalid JSON: {exc}"}) from exc


ControlHandler = Callable[..., Any]


class EmulatorApp:
    """Base WSGI app. Subclasses implement ``handle`` and the ``control_*`` hooks."""

    name = "emulator"

    def __init__(
        self,
        clock: Clock | None = None,
        dispatcher: WebhookDispatcher | None = None,
    ) -> None:
        self.clock = clock or Clock()
        # Real milliseconds added to every API call (network round trip; control calls exempt).
        self.latency_ms = 0.0
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.webhooks = dispatcher or WebhookDispatcher(self.clock)
        rules = [
            Rule(f"{CONTROL_PREFIX}/reset", endpoint=self._ctl_reset, methods=["POST"]),
            Rule(f"{CONTROL_PREFIX}/seed", endpoint=self._ctl_seed, methods=["POST"]),
            Rule(f"{CONTROL_PREFIX}/faults", endpoint=self._ctl_faults, methods=["GET", "POST", "DELETE"]),
            Rule(f"{CONTROL_PREFIX}/requests", endpoint=self._ctl_requests, methods=["GET", "DELETE"]),
            Rule(f"{CONTROL_PREFIX}/config", endpoint=self._ctl_config, methods=["GET", "PUT"]),
            Rule(f"{CONTROL_PREFIX}/clock", endpoint=self._ctl_clock, methods=["GET", "POST"]),
            Rule(f"{CONTROL_PREFIX}/webhooks", endpoint=self._ctl_webhooks, methods=["GET"]),
            Rule(f"{CONTROL_PREFIX}/webhooks/drain", endpoint=self._ctl_drain, methods=["POST"]),
        ]
        for path, methods, handler in self.control_routes():
            rules.append(Rule(f"{CONTROL_PREFIX}{path}", endpoint=handler, methods=methods))
        self._control_map = Map(rules)

    # -- hooks for platforms ---------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def error_response(self, err: ApiError) -> Response:
        return json_response(
            err.body if err.body is not None else {"error": "error"}, err.status, err.headers
        )

    def not_found_response(self, request: Request) -> Response:
        return self.error_response(ApiError(404, {"error": "Not Found"}))

    def control_reset(self) -> None:
        raise NotImplementedError

    def control_seed(self, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def control_config(self) -> dict[str, Any]:
        """Platform config beyond ``time_scale``."""
        return {}

    def control_set_config(self, body: dict[str, Any]) -> None:
        """Apply platform config keys (``time_scale`` is handled by the base)."""

    def control_routes(self) -> list[tuple[str, list[str], ControlHandler]]:
        """Extra control routes: ``(path under /_emulator, methods, handler(request, **args))``."""
        return []

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX + "/"):
            response = self._control(request)
        else:
            response = self._api(request)
        return response(environ, start_response)

    def _api(self, request: Request) -> Response:
        started = time.monotonic()
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000)
        rule = self.faults.take(request.method, request.path)
        response: Response | None = None
        if rule is not None and rule.delay_s:
            time.sleep(rule.delay_s)
        if rule is not None and rule.status is not None and not rule.after_commit:
            response = self._fault_response(rule.status, rule.body, rule.headers)
        if response is None:
            response = self._run(request)
            if rule is not None and rule.after_commit and rule.status is not None:
                response = self._fault_response(rule.status, rule.body, rule.headers)
        self.log.add(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "status": response.status_code,
                "time": self.clock.time(),
                "duration_ms": round((time.monotonic() - started) * 1000, 2),
                "fault": rule.id if rule is not None else None,
                **self.log_extra(request),
            }
        )
        return response

    def log_extra(self, request: Request) -> dict[str, Any]:
        """Platform-specific fields for the request log (e.g. which shop)."""
        return {}

    def _run(self, request: Request) -> Response:
        try:
            return self.handle(request)
        except ApiError as err:
            return self.error_response(err)
        except NotFound:
            return self.not_found_response(request)
        except MethodNotAllowed:
            return self.error_response(ApiError(405, {"error": "Method Not Allowed"}))

    def _fault_response(self, status: int, body: Any, headers: dict[str, str]) -> Response:
        if body is None:
            return self.error_response(ApiError(status, None, headers))
        return json_response(body, status, headers)

    def _control(self, request: Request) -> Response:
        adapter = self._control_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
            result = endpoint(request, **args)
        except ApiError as err:
            return json_response(err.body, err.status, err.headers)
        except (ValueError, TypeError, KeyError) as exc:
            return json_response({"error": str(exc)}, 400)
        except HTTPException as exc:
            return json_response({"error": exc.name}, exc.code or 500)
        if isinstance(result, Response):
            return result
        return json_response(result)

    # -- control plane ---------------------------------------------------------------------
    def _ctl_reset(self, request: Request) -> Any:
        self.faults.clear()
        self.log.clear()
        self.webhooks.clear()
        self.control_reset()
        return {"ok": True}

    def _ctl_seed(self, request: Request) -> Any:
        body = read_json(request) or {}
        return self.control_seed(body)

    def _ctl_faults(self, request: Request) -> Any:
        if request.method == "GET":
            return {"faults": self.faults.list()}
        if request.method == "DELETE":
            self.faults.clear()
            return {"ok": True}
        body = read_json(request)
        specs = body.get("faults", [body]) if isinstance(body, dict) else body
        added = [self.faults.add(dict(spec)).to_dict() for spec in specs]
        return {"faults": added}

    def _ctl_requests(self, request: Request) -> Any:
        if request.method == "DELETE":
            self.log.clear()
            return {"ok": True}
        a = request.args
        items = self.log.query(
            since=int(a.get("since", 0)),
            method=a.get("method"),
            path=a.get("path"),
            status=int(a["status"]) if a.get("status") else None,
            limit=int(a["limit"]) if a.get("limit") else None,
        )
        return {"requests": items, "last_seq": self.log.last_seq}

    def _ctl_config(self, request: Request) -> Any:
        if request.method == "PUT":
            body = read_json(request) or {}
            if "time_scale" in body:
                self.clock.set_time_scale(float(body.pop("time_scale")))
            if "latency_ms" in body:
                self.latency_ms = max(0.0, float(body.pop("latency_ms")))
            self.control_set_config(body)
        return {"time_scale": self.clock.time_scale, "latency_ms": self.latency_ms, **self.control_config()}

    def _ctl_clock(self, request: Request) -> Any:
        if request.method == "POST":
            body = read_json(request) or {}
            self.clock.advance(float(body.get("advance_s", 0)))
            self.webhooks.wake()
        return {
            "time": self.clock.time(),
            "iso": self.clock.now().isoformat(),
            "time_scale": self.clock.time_scale,
        }

    def _ctl_webhooks(self, request: Request) -> Any:
        return {"deliveries": list(self.webhooks.history), "pending": self.webhooks.pending()}

    def _ctl_drain(self, request: Request) -> Any:
        body = read_json(request) or {}
        ok = self.webhooks.drain(float(body.get("timeout", 10)), bool(body.get("include_retries", False)))
        return {"drained": ok, "pending": self.webhooks.pending()}
