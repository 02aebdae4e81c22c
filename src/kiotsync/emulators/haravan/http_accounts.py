"""HTTP layer of the accounts host: discovery, JWKS, authorize (+login/consent pages), token,
userinfo. Rules live in ``oauth``; this module parses requests and renders responses."""

from __future__ import annotations

import base64
import contextlib
import secrets
from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect

from ..common import Request, Response, json_response
from .oauth import (
    AuthorizeRequest,
    PageError,
    RedirectError,
    TokenError,
    authenticate_client,
    bearer,
    check_owner_scopes,
    choose_org,
    exchange_code,
    grant,
    identity_claims,
    parse_authorize,
    refresh_grant,
    resolve_access_token,
    scope_label,
    validate_authorize,
)
from .oauth import discovery as discovery_document
from .pages import consent as consent_page
from .pages import error as error_page
from .pages import form_post as form_post_page
from .pages import login as login_form
from .runtime import Runtime
from .store import Session

SESSION_COOKIE = "idsrv.session"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def issuer(request: Request) -> str:
    return request.host_url.rstrip("/")


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8")


class AccountsHttp:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    # -- discovery -------------------------------------------------------------------------
    def discovery(self, request: Request) -> Response:
        return json_response(discovery_document(issuer(request)))

    def jwks(self, request: Request) -> Response:
        return json_response(self.rt.key.jwks())

    # -- browser flow ----------------------------------------------------------------------
    def _session(self, request: Request) -> Session | None:
        sid = request.cookies.get(SESSION_COOKIE)
        return self.rt.world.sessions.get(sid) if sid else None

    def _respond(self, req: AuthorizeRequest, params: dict[str, str]) -> Response:
        if req.response_mode == "form_post":
            return _html(form_post_page(req.redirect_uri, params))
        sep = "#" if req.response_mode == "fragment" else ("&" if "?" in req.redirect_uri else "?")
        return redirect(req.redirect_uri + sep + urlencode(params), code=302)

    def _error(self, req: AuthorizeRequest, err: RedirectError) -> Response:
        params = {"error": err.error, "error_description": err.description}
        if req.state is not None:
            params["state"] = req.state
        return self._respond(req, params)

    def _finish(
        self, request: Request, req: AuthorizeRequest, user_id: int, decision: str, selected: str | None
    ) -> Response:
        world = self.rt.world
        with world.lock:
            user = world.users.get(user_id)
            if user is None:
                return _html(error_page("Người dùng không tồn tại."), 400)
            try:
                if decision != "allow":
                    raise RedirectError("access_denied", "The user denied the request")
                shop = choose_org(world, req, user, selected)
                params = grant(
                    world,
                    self.rt.key,
                    req,
                    user,
                    shop,
                    self.rt.clock.time(),
                    self.rt.now_ms(),
                    issuer(request),
                )
            except RedirectError as err:
                return self._error(req, err)
        return self._respond(req, params)

    def authorize(self, request: Request) -> Response:
        world = self.rt.world
        args = request.args.to_dict()
        with world.lock:
            try:
                req = parse_authorize(world, args)
            except PageError as exc:
                return _html(error_page(str(exc)), 400)
            try:
                validate_authorize(req, args.get("response_mode"))
            except RedirectError as err:
                return self._error(req, err)
            auto = world.config.auto_approve
            if auto:
                user = world.user_by_email(str(auto["email"]))
                if user is None:
                    return _html(error_page(f"auto_approve user {auto['email']} does not exist"), 400)
                selected = str(auto["orgid"]) if auto.get("orgid") else None
                return self._finish(request, req, user.id, str(auto.get("decision", "allow")), selected)
            session = self._session(request)
            if session is None or session.user_id not in world.users:
                return_url = request.full_path.rstrip("?")
                return redirect("/account/login?" + urlencode({"ReturnUrl": return_url}), code=302)
            user = world.users[session.user_id]
            app = world.apps[req.client_id]
            orgs = [(oid, world.shops[oid].name) for oid in user.memberships if oid in world.shops]
            fixed: tuple[int, str] | None = None
            try:
                if req.orgid or len(orgs) == 1:
                    shop = choose_org(world, req, user)
                    check_owner_scopes(req, user, shop)
                    fixed = (shop.id, shop.name)
                elif not orgs:
                    raise RedirectError("access_denied", f"user {user.email} belongs to no shop")
            except RedirectError as err:
                return self._error(req, err)
            hidden = {**req.params(), "csrf": session.csrf}
            scopes = [(s, scope_label(s)) for s in req.scopes]
            return _html(consent_page(app.name, user.email, scopes, hidden, orgs, fixed))

    def login_page(self, request: Request) -> Response:
        return _html(login_form(self._return_url(request.args.get("ReturnUrl"))))

    @staticmethod
    def _return_url(value: str | None) -> str:
        # only ever bounce back into our own authorize endpoint (no open redirect)
        return value if value and value.startswith("/connect/authorize") else "/connect/authorize"

    def login_submit(self, request: Request) -> Response:
        world = self.rt.world
        email = (request.form.get("email") or "").strip()
        password = request.form.get("password") or ""
        return_url = self._return_url(request.form.get("ReturnUrl"))
        with world.lock:
            user = world.user_by_email(email)
            if user is None or not secrets.compare_digest(user.password, password):
                return _html(login_form(return_url, "Email hoặc mật khẩu không đúng.", email), 200)
            sid = secrets.token_urlsafe(24)
            world.sessions[sid] = Session(user.id, secrets.token_urlsafe(16), self.rt.clock.time())
        resp = redirect(return_url, code=302)
        resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax", path="/")
        return resp

    def logout(self, request: Request) -> Response:
        sid = request.cookies.get(SESSION_COOKIE)
        with self.rt.world.lock:
            self.rt.world.sessions.pop(sid or "", None)
        target = request.args.get("post_logout_redirect_uri") or "/account/login"
        resp = redirect(target, code=302)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    def consent_submit(self, request: Request) -> Response:
        world = self.rt.world
        form = request.form.to_dict()
        with world.lock:
            try:
                req = parse_authorize(world, form)
            except PageError as exc:
                return _html(error_page(str(exc)), 400)
            session = self._session(request)
            if session is None:
                return redirect(
                    "/account/login?"
                    + urlencode({"ReturnUrl": "/connect/authorize?" + urlencode(req.params())}),
                    code=302,
                )
            if not secrets.compare_digest(session.csrf, form.get("csrf", "")):
                return _html(error_page("Phiên làm việc không hợp lệ (CSRF)."), 400)
            user_id = session.user_id
        decision = form.get("decision", "deny")
        return self._finish(request, req, user_id, decision, form.get("selected_orgid"))

    # -- back channel ----------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        world = self.rt.world
        if request.mimetype != "application/x-www-form-urlencoded":
            err = TokenError("invalid_request", "Content-Type must be application/x-www-form-urlencoded")
            return json_response(err.body(), 400, NO_STORE)
        form = request.form.to_dict()
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                client_id, _, secret = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        now = self.rt.clock.time()
        try:
            with world.lock:
                app = authenticate_client(world, client_id, secret)
                grant_type = form.get("grant_type")
                if grant_type == "authorization_code":
                    body = exchange_code(world, self.rt.key, issuer(request), app, form, now)
                elif grant_type == "refresh_token":
                    body = refresh_grant(world, self.rt.key, issuer(request), app, form, now)
                else:
                    raise TokenError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
        except TokenError as err:
            return json_response(err.body(), err.status, NO_STORE)
        return json_response(body, 200, NO_STORE)

    def userinfo(self, request: Request) -> Response:
        world = self.rt.world
        value = bearer(request.headers.get("Authorization"))
        with world.lock:
            token = resolve_access_token(world, value, self.rt.clock.time())
            if token is None:
                return json_response(
                    {"error": "invalid_token"}, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            if "openid" not in token.scopes:
                return json_response(
                    {"error": "insufficient_scope"},
                    403,
                    {"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
                )
            claims: dict[str, Any] = identity_claims(world.users[token.user_id], world.shops[token.orgid])
        return json_response(claims)
