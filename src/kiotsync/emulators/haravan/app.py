"""The Haravan emulator as one WSGI app: accounts host + commerce API + webhook API + control.

Everything it holds besides HTTP is the :class:`~.runtime.Runtime`; the HTTP modules
(``http_accounts``, ``http_com``, ``control``, the admin pages) are created here, given the
runtime, and their handlers registered into this app's routes.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Map, Rule

from ..common import ApiError, Clock, EmulatorApp, Request, Response, json_response
from .admin_pages import routes as admin_routes
from .admin_view import HvAdmin
from .control import Control
from .http_accounts import AccountsHttp
from .http_com import ComHttp
from .runtime import Runtime
from .store import World

_HOST_MAP: list[Map] = []


def _host_map() -> Map:
    """Accounts + webhook host routes, compiled once per process (compilation is slow)."""
    if not _HOST_MAP:
        _HOST_MAP.append(
            Map(
                [
                    Rule("/", endpoint="index", methods=["GET"]),
                    Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
                    Rule("/.well-known/openid-configuration/jwks", endpoint="jwks", methods=["GET"]),
                    Rule("/connect/authorize", endpoint="authorize", methods=["GET"]),
                    Rule("/connect/consent", endpoint="consent", methods=["POST"]),
                    Rule("/account/login", endpoint="login_page", methods=["GET"]),
                    Rule("/account/login", endpoint="login", methods=["POST"]),
                    Rule("/account/logout", endpoint="logout", methods=["GET", "POST"]),
                    Rule("/connect/endsession", endpoint="logout", methods=["GET"]),
                    Rule("/connect/token", endpoint="token", methods=["POST"]),
                    Rule("/connect/userinfo", endpoint="userinfo", methods=["GET", "POST"]),
                    Rule("/api/subscribe", endpoint="subscribe", methods=["GET", "POST", "DELETE"]),
                ]
            )
        )
    return _HOST_MAP[0]


class HaravanApp(EmulatorApp):
    name = "haravan"

    def __init__(self, clock: Clock | None = None) -> None:
        clock = clock or Clock()
        self.runtime = Runtime(clock)
        self.accounts = AccountsHttp(self.runtime)
        self.com = ComHttp(self.runtime)
        self.control = Control(self.runtime, self.com.admin)
        self.admin = HvAdmin(self, lambda: self.runtime.world)
        super().__init__(clock, self.runtime.dispatcher)
        self._handlers: dict[str, Any] = {
            "discovery": self.accounts.discovery,
            "jwks": self.accounts.jwks,
            "authorize": self.accounts.authorize,
            "consent": self.accounts.consent_submit,
            "login_page": self.accounts.login_page,
            "login": self.accounts.login_submit,
            "logout": self.accounts.logout,
            "token": self.accounts.token,
            "userinfo": self.accounts.userinfo,
            "subscribe": self.com.subscribe,
            "index": lambda request: self.admin.index(self.control_routes()),
        }

    @property
    def world(self) -> World:
        return self.runtime.world

    def now_ms(self) -> int:
        return self.runtime.now_ms()

    # -- EmulatorApp hooks -----------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path.startswith("/com/"):
            return self.com.api(request)
        endpoint, args = _host_map().bind_to_environ(request.environ).match()
        response: Response = self._handlers[str(endpoint)](request, **args)
        return response

    def error_response(self, err: ApiError) -> Response:
        body = err.body if err.body is not None else {"errors": "Error"}
        return json_response(body, err.status, err.headers)

    def not_found_response(self, request: Request) -> Response:
        return json_response({"errors": "Not Found"}, 404)

    def control_reset(self) -> None:
        self.runtime.reset()

    def control_seed(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.control.seed(body)

    def control_config(self) -> dict[str, Any]:
        return self.world.config.to_dict()

    def control_set_config(self, body: dict[str, Any]) -> None:
        with self.world.lock:
            self.world.config.update(body)

    def control_routes(self) -> list[tuple[str, list[str], Any]]:
        return self.control.routes() + admin_routes(self.admin)

    def log_extra(self, request: Request) -> dict[str, Any]:
        orgid = request.environ.get("haravan.orgid")
        return {
            "orgid": str(orgid) if orgid is not None else None,
            "client_id": request.environ.get("haravan.client_id"),
        }
