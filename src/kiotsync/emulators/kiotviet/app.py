"""HTTP layer of the KiotViet emulator: the token endpoint and the business API's dispatch.

Per request: match the route (case-insensitive literals, :mod:`.router`), authenticate
(``Authorization: Bearer`` + ``Retailer``, GETs counted against the hourly limit —
:mod:`.rules_auth`), then run the handler under the state lock and flush the shop's webhook
events. Business errors (:class:`~.errors.KvError`) become the ``responseStatus`` envelope.
The handlers live in the ``http_*`` route modules (registered here), the control plane in
:mod:`.control`, the back office in :mod:`.admin_pages`.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

from ..common import ApiError, Clock, EmulatorApp, Request, Response, WebhookDispatcher, json_response
from .admin_pages import routes as admin_routes
from .admin_view import KvAdmin
from .control import routes as control_routes
from .control import seed
from .errors import KvError, invalid
from .http_base import Ctx, Route
from .http_products import ROUTES as PRODUCT_ROUTES
from .http_sales import ROUTES as SALE_ROUTES
from .http_shop import ROUTES as SHOP_ROUTES
from .params import Query, lower_keys
from .router import NoRoute, Router
from .rules_auth import GrantRefused, authenticate, grant_token
from .serialize import strip_nulls
from .state import KvState
from .webhooks import KvWebhooks

API_ROUTES: tuple[Route, ...] = (*SHOP_ROUTES, *PRODUCT_ROUTES, *SALE_ROUTES)
_ERROR_CODES = {
    400: "BadRequest",
    401: "TokenException",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    429: "RateLimitExceeded",
}


class KiotVietApp(EmulatorApp):
    name = "kiotviet"

    def __init__(self, clock: Clock | None = None) -> None:
        clock = clock or Clock()
        self.state = KvState(clock)
        dispatcher = WebhookDispatcher(clock)
        self.emitter = KvWebhooks(self.state, dispatcher)
        self.admin = KvAdmin(self, lambda: self.state)
        self.router = Router()
        for method, pattern, handler in API_ROUTES:
            self.router.add(method, pattern, handler)
        super().__init__(clock, dispatcher)

    # -- EmulatorApp hooks -----------------------------------------------------------------
    def error_response(self, err: ApiError) -> Response:
        body = err.body
        if body is None or not isinstance(body, dict) or "responseStatus" not in body:
            message = body.get("error") if isinstance(body, dict) else None
            code = _ERROR_CODES.get(err.status, "InternalServerError" if err.status >= 500 else "Error")
            body = KvError(err.status, str(message or f"HTTP {err.status}"), code).body()
        return json_response(body, err.status, err.headers)

    def not_found_response(self, request: Request) -> Response:
        return _kv_error(
            KvError(404, f"Handler for Request not found: {request.method} {request.path}", "NotFound")
        )

    def control_reset(self) -> None:
        with self.state.lock:
            self.state.reset()

    def control_seed(self, body: dict[str, Any]) -> dict[str, Any]:
        return seed(self.state, body)

    def control_config(self) -> dict[str, Any]:
        with self.state.lock:
            return json.loads(json.dumps(self.state.config))

    def control_set_config(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.set_config(body)

    def control_routes(self) -> list[tuple[str, list[str], Callable[..., Any]]]:
        return control_routes(self.state, self.emitter) + admin_routes(self.admin)

    def log_extra(self, request: Request) -> dict[str, Any]:
        return {"retailer": request.headers.get("Retailer")}

    # -- request handling ------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/":
            return self.admin.index(self.control_routes())  # back office + control plane links
        try:
            if request.path.rstrip("/").lower() == "/connect/token":
                return self._token(request)
            try:
                handler, kwargs = self.router.match(request.method, request.path)
            except NoRoute as exc:
                if exc.method_not_allowed:
                    raise KvError(
                        405, f"Phương thức {request.method} không được hỗ trợ", "MethodNotAllowed"
                    ) from None
                raise KvError(
                    404, f"Handler for Request not found: {request.method} {request.path}", "NotFound"
                ) from None
            q = Query(request.args.items(multi=True))
            with self.state.lock:
                shop = authenticate(
                    self.state,
                    request.headers.get("Authorization", ""),
                    request.headers.get("Retailer") or "",
                    counts_as_get=request.method == "GET",
                )
                body = _body(request)
                ctx = Ctx(shop, q, body, self.state.now(), self.state.config)
                try:
                    result = handler(ctx, **kwargs)
                finally:
                    self.emitter.flush(shop)
            return json_response(strip_nulls(result))
        except KvError as err:
            return _kv_error(err)
        except Exception:  # a bug in the emulator: answer like a server fault, keep the trace
            traceback.print_exc(file=sys.stderr)
            return _kv_error(KvError(500, "Lỗi hệ thống", "InternalServerError"))

    def _token(self, request: Request) -> Response:
        """``POST /connect/token`` (id.kiotviet.vn): the client-credentials grant."""
        if request.method != "POST":
            return json_response({"error": "invalid_request"}, 405)
        form = request.form
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        if not client_id and request.authorization is not None:
            client_id = request.authorization.username
            secret = request.authorization.password
        try:
            with self.state.lock:
                token, ttl = grant_token(
                    self.state,
                    form.get("grant_type"),
                    client_id,
                    secret,
                    form.get("scopes") or form.get("scope"),
                )
        except GrantRefused as refused:
            return json_response({"error": refused.error}, 400)
        return json_response(
            {"access_token": token, "expires_in": ttl, "token_type": "Bearer", "scope": "PublicApi.Access"}
        )


def _kv_error(err: KvError) -> Response:
    return json_response(err.body(), err.status, err.headers)


def _body(request: Request) -> Any:
    """The JSON body with lower-cased keys (``{}`` for none)."""
    if request.method not in ("POST", "PUT", "DELETE", "PATCH"):
        return {}
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        return {}
    try:
        return lower_keys(json.loads(raw))
    except ValueError:
        raise invalid("Dữ liệu gửi lên không phải JSON hợp lệ") from None
