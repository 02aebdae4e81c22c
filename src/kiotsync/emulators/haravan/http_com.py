"""HTTP layer of the commerce API (``/com/...json``) and the webhook subscribe API.

Each route names a scope family and a handler ``(ctx, args, body, **path) -> (status, json)``
(route modules :mod:`.http_com_catalog` and :mod:`.http_com_sales`, registered here).
``ComHttp.api`` adds what every real call goes through — Bearer token → shop, leaky bucket with
``X-Haravan-Api-Call-Limit`` on every answer, scope check (``write`` implies ``read``), JSON body
parsing — while ``ComHttp.admin`` runs the same handlers as the shop's own admin (no token, no
limit; control plane ``/_emulator/shops/<orgid>/com/...``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from ..common import ApiError, Request, Response, json_response
from .context import Ctx
from .http_com_base import Handler, Result, Route
from .http_com_catalog import ROUTES as CATALOG_ROUTES
from .http_com_sales import ROUTES as SALES_ROUTES
from .oauth import bearer, resolve_access_token
from .runtime import Runtime
from .webhooks import subscribe as subscribe_app
from .webhooks import subscription as app_subscription
from .webhooks import unsubscribe as unsubscribe_app

ROUTES: list[Route] = [*CATALOG_ROUTES, *SALES_ROUTES]


ROUTE_TABLE: dict[str, tuple[str, Handler]] = {f"r{i}": (fam, h) for i, (_, _, fam, h) in enumerate(ROUTES)}
_MAPS: dict[str, Map] = {}


def route_map(prefix: str) -> Map:
    """Compiled once per process: werkzeug rule compilation is slow and maps are read-only."""
    if prefix not in _MAPS:
        rules = [Rule(prefix + path, endpoint=f"r{i}", methods=m) for i, (path, m, _, _) in enumerate(ROUTES)]
        _MAPS[prefix] = Map(rules, strict_slashes=False)
    return _MAPS[prefix]


def required_scopes(family: str, method: str) -> tuple[str, ...]:
    """Scopes any one of which allows the call (``write`` implies ``read``)."""
    if family == "shop":
        return ("com.read_shop",)
    write = f"com.write_{family}"
    return (f"com.read_{family}", write) if method in ("GET", "HEAD") else (write,)


def parse_body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise ApiError(400, {"errors": "Content-Type must be application/json"})
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, {"errors": f"Invalid JSON: {exc}"}) from exc


RATE_LIMITED_BODY = {
    "errors": "Exceeded the API call limit. Reduce the request rate and retry after Retry-After seconds."
}


class ComHttp:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.map = route_map("/com")
        self.admin_map = route_map("")
        self.table = ROUTE_TABLE

    def _run(
        self, ctx: Ctx, family_handler: tuple[str, Handler], request: Request, path_args: Mapping[str, Any]
    ) -> Result:
        _, handler = family_handler
        body = parse_body(request) if request.method in ("POST", "PUT", "DELETE") else None
        return handler(ctx, request.args, body, **path_args)

    def api(self, request: Request) -> Response:
        rt = self.rt
        adapter = self.map.bind_to_environ(request.environ)
        try:
            name, path_args = adapter.match()
        except NotFound:
            return json_response({"errors": "Not Found"}, 404)
        except MethodNotAllowed:
            return json_response({"errors": "Method Not Allowed"}, 405)
        family, handler = self.table[str(name)]
        world = rt.world
        config = world.config
        value = bearer(request.headers.get("Authorization"))
        with world.lock:
            token = resolve_access_token(world, value, rt.clock.time())
            if token is None:
                return json_response(
                    {"errors": "Unauthorized"}, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            request.environ["haravan.orgid"] = token.orgid
            request.environ["haravan.client_id"] = token.client_id
        verdict = rt.buckets.hit(
            (token.orgid, token.client_id),
            rt.clock.time(),
            config.bucket_size,
            config.leak_rate,
            config.rate_limit_enabled,
        )
        headers = {"X-Haravan-Api-Call-Limit": verdict.header}
        if not verdict.allowed:
            headers["Retry-After"] = repr(round(verdict.retry_after, 3))  # float seconds, e.g. "2.0"
            return json_response(RATE_LIMITED_BODY, 429, headers)
        needed = required_scopes(family, request.method)
        if not any(s in token.scopes for s in needed):
            body = {"errors": f"Forbidden: this access token lacks the scope {needed[-1]}"}
            return json_response(body, 403, headers)
        try:
            with world.lock:
                shop = world.shops[token.orgid]
                ctx = Ctx(world, shop, rt.now_ms(), token.client_id, rt.hub.emit)
                status, data = self._run(ctx, (family, handler), request, path_args)
        except ApiError as err:
            return json_response(err.body, err.status, {**headers, **err.headers})
        return json_response(data, status, headers)

    def admin(self, request: Request, orgid: str, path: str) -> Response:
        """Run a ``/com`` call as the shop's own admin (what the Haravan back office does)."""
        rt = self.rt
        world = rt.world
        adapter = self.admin_map.bind("emulator", path_info="/" + path, url_scheme="http")
        try:
            name, path_args = adapter.match(method=request.method)
        except NotFound:
            return json_response({"errors": "Not Found"}, 404)
        except MethodNotAllowed:
            return json_response({"errors": "Method Not Allowed"}, 405)
        try:
            with world.lock:
                shop = world.shop(orgid)
                if shop is None:
                    return json_response({"errors": f"unknown org {orgid}"}, 404)
                ctx = Ctx(world, shop, rt.now_ms(), None, rt.hub.emit)
                status, data = self._run(ctx, self.table[str(name)], request, path_args)
        except ApiError as err:
            return json_response(err.body, err.status, err.headers)
        return json_response(data, status)

    # -- webhook subscribe API ---------------------------------------------------------------
    def subscribe(self, request: Request) -> Response:
        rt = self.rt
        world = rt.world
        value = bearer(request.headers.get("Authorization"))
        with world.lock:
            token = resolve_access_token(world, value, rt.clock.time())
            if token is None:
                return json_response({"error": True, "message": "Unauthorized"}, 401)
            request.environ["haravan.orgid"] = token.orgid
            request.environ["haravan.client_id"] = token.client_id
            if "wh_api" not in token.scopes:
                return json_response(
                    {"error": True, "message": "Forbidden: the access token lacks the wh_api scope"}, 403
                )
            try:
                if request.method == "POST":
                    parse_body(request)  # accepted, ignored: topics come from the dashboard
                shop = world.shops[token.orgid]
                if request.method == "GET":
                    data = app_subscription(world, shop, token.client_id)
                elif request.method == "POST":
                    data = subscribe_app(world, shop, token.client_id, rt.now_ms())
                else:
                    data = unsubscribe_app(world, shop, token.client_id)
            except ApiError as err:
                body = (
                    err.body
                    if isinstance(err.body, dict) and "error" in err.body
                    else {"error": True, "message": str(err.body)}
                )
                return json_response(body, err.status)
        return json_response(data)


__all__ = ["ROUTES", "ComHttp"]
