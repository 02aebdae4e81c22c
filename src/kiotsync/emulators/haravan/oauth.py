"""Rules of the accounts server (OIDC, IdentityServer-style): authorize, codes, tokens, userinfo.

Pure functions over ``World``; the HTTP layer (``http_accounts``) renders pages and redirects.
Errors that must not go back to the client (unknown app, unregistered ``redirect_uri``) raise
``PageError``; errors that go back to the ``redirect_uri`` raise ``RedirectError``; token
endpoint failures raise ``TokenError`` (standard OAuth JSON, HTTP 400).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from .keys import SigningKey
from .model import App, AuthCode, Install, Token, User
from .store import Shop, World

IDENTITY_SCOPES = ("openid", "profile", "email", "org", "userinfo", "address", "phone")
INSTALL_SCOPES = ("grant_service", "offline_access", "wh_api")
OWNER_ONLY_SCOPES = frozenset({"grant_service", "wh_api"})
COM_RESOURCES = ("products", "orders", "inventories", "customers", "shippings", "discounts")
COM_SCOPES = (*(f"com.{rw}_{res}" for res in COM_RESOURCES for rw in ("read", "write")), "com.read_shop")
WEB_SCOPES = tuple(
    f"web.{rw}_{res}" for res in ("contents", "themes", "script_tags") for rw in ("read", "write")
)
KNOWN_SCOPES = frozenset(IDENTITY_SCOPES + INSTALL_SCOPES + COM_SCOPES + WEB_SCOPES)
RESPONSE_TYPES = ("code", "code id_token")
RESPONSE_MODES = ("query", "form_post", "fragment")

SCOPE_LABELS_VI = {
    "openid": "Xác thực danh tính của bạn",
    "profile": "Xem hồ sơ cá nhân (họ tên)",
    "email": "Xem địa chỉ email",
    "org": "Xem thông tin cửa hàng (mã, tên)",
    "userinfo": "Xem thông tin người dùng",
    "address": "Xem địa chỉ",
    "phone": "Xem số điện thoại",
    "grant_service": "Cài đặt ứng dụng vào cửa hàng (chỉ chủ cửa hàng)",
    "offline_access": "Truy cập khi bạn không trực tuyến (refresh token)",
    "wh_api": "Nhận webhook từ cửa hàng (chỉ chủ cửa hàng)",
    "com.read_shop": "Xem thông tin cửa hàng và chi nhánh",
}


def scope_label(scope: str) -> str:
    if scope in SCOPE_LABELS_VI:
        return SCOPE_LABELS_VI[scope]
    if scope.startswith(("com.", "web.")):
        rw, _, res = scope.split(".", 1)[1].partition("_")
        verb = "Xem" if rw == "read" else "Xem và chỉnh sửa"
        return f"{verb} {res}"
    return scope


class PageError(Exception):
    """Shown to the browser as an error page; nothing is sent to the client app."""


class RedirectError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class TokenError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    response_type: str
    response_mode: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    orgid: str | None

    def params(self) -> dict[str, str]:
        """The original query, for hidden form fields and the login ``ReturnUrl``."""
        out = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": self.response_type,
            "response_mode": self.response_mode,
            "scope": " ".join(self.scopes),
        }
        for key in ("state", "nonce", "orgid"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def parse_authorize(world: World, args: dict[str, str]) -> AuthorizeRequest:
    client_id = args.get("client_id", "")
    app = world.apps.get(client_id)
    if app is None:
        raise PageError(f"Ứng dụng không tồn tại (unknown client_id {client_id!r}).")
    redirect_uri = args.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        raise PageError(f"Invalid redirect_uri: {redirect_uri!r} is not registered for this app.")
    response_type = " ".join(sorted(args.get("response_type", "").split(), key=lambda s: s != "code"))
    mode = args.get("response_mode") or ("fragment" if response_type == "code id_token" else "query")
    req = AuthorizeRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        response_type=response_type,
        response_mode=mode if mode in RESPONSE_MODES else "query",
        scopes=tuple(dict.fromkeys(args.get("scope", "").split())),
        state=args.get("state"),
        nonce=args.get("nonce"),
        orgid=args.get("orgid") or None,
    )
    return req


def validate_authorize(req: AuthorizeRequest, raw_mode: str | None) -> None:
    """Errors reported back to the (already validated) ``redirect_uri``."""
    mode = raw_mode or req.response_mode
    response_type = req.response_type
    if mode not in RESPONSE_MODES:
        raise RedirectError("invalid_request", f"unsupported response_mode {mode!r}")
    if response_type not in RESPONSE_TYPES:
        raise RedirectError("unsupported_response_type", f"response_type {response_type!r} is not supported")
    if not req.scopes:
        raise RedirectError("invalid_scope", "scope is required")
    unknown = [s for s in req.scopes if s not in KNOWN_SCOPES]
    if unknown:
        raise RedirectError("invalid_scope", f"unknown scope(s): {' '.join(unknown)}")
    if response_type == "code id_token":
        if "openid" not in req.scopes:
            raise RedirectError("invalid_request", "response_type 'code id_token' requires the openid scope")
        if not req.nonce:
            raise RedirectError("invalid_request", "nonce is required for the hybrid flow")


def choose_org(world: World, req: AuthorizeRequest, user: User, selected: str | None = None) -> Shop:
    """The org the grant is for: ``orgid`` param, then the consent page's choice, then the first."""
    wanted = req.orgid or selected
    if wanted:
        shop = world.shop(wanted)
        if shop is None or shop.id not in user.memberships:
            raise RedirectError("access_denied", f"user {user.email} is not a member of org {wanted}")
        return shop
    for orgid in user.memberships:
        shop = world.shops.get(orgid)
        if shop is not None:
            return shop
    raise RedirectError("access_denied", f"user {user.email} belongs to no shop")


def check_owner_scopes(req: AuthorizeRequest, user: User, shop: Shop) -> None:
    needs_owner = sorted(OWNER_ONLY_SCOPES.intersection(req.scopes))
    if needs_owner and user.memberships.get(shop.id) != "admin":
        raise RedirectError(
            "access_denied",
            f"only the shop owner can grant {' '.join(needs_owner)}; {user.email} is not an admin of {shop.name}",
        )


def _hash_half(value: str) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def identity_claims(user: User, shop: Shop) -> dict[str, Any]:
    role = ["admin"] if user.memberships.get(shop.id) == "admin" else ["staff"]
    return {
        "sub": str(user.id),
        "name": user.name,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "email": user.email,
        "email_verified": True,
        "locale": "vi",
        "orgid": str(shop.id),
        "orgname": shop.name,
        "orgsub": shop.orgsub,
        "orgcat": shop.orgcat,
        "role": role,
    }


def make_id_token(
    key: SigningKey,
    world: World,
    issuer: str,
    client_id: str,
    user: User,
    shop: Shop,
    now: float,
    auth_time: float,
    nonce: str | None,
    extra: dict[str, Any] | None = None,
) -> str:
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": client_id,
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now + world.config.id_token_ttl),
        "auth_time": int(auth_time),
        "idp": "local",
        "amr": ["pwd"],
        **identity_claims(user, shop),
    }
    if nonce:
        claims["nonce"] = nonce
    claims.update(extra or {})
    return key.sign(claims)


def grant(
    world: World,
    key: SigningKey,
    req: AuthorizeRequest,
    user: User,
    shop: Shop,
    now: float,
    now_ms: int,
    issuer: str,
) -> dict[str, str]:
    """User allowed the request: issue a code (and id_token for hybrid), record an install."""
    check_owner_scopes(req, user, shop)
    code = secrets.token_hex(32).upper()
    world.codes[code] = AuthCode(
        code=code,
        client_id=req.client_id,
        redirect_uri=req.redirect_uri,
        orgid=shop.id,
        user_id=user.id,
        scopes=req.scopes,
        nonce=req.nonce,
        expires_at=now + world.config.code_ttl,
        auth_time=now,
    )
    if "grant_service" in req.scopes:
        shop.installs[req.client_id] = Install(req.client_id, req.scopes, now_ms)
    out = {
        "code": code,
        "scope": " ".join(req.scopes),
        "session_state": f"{secrets.token_urlsafe(32)}.{secrets.token_hex(16)}",
    }
    if req.state is not None:
        out["state"] = req.state
    if req.response_type == "code id_token":
        out["id_token"] = make_id_token(
            key, world, issuer, req.client_id, user, shop, now, now, req.nonce, {"c_hash": _hash_half(code)}
        )
    return out


# -- token endpoint --------------------------------------------------------------------------
def authenticate_client(world: World, client_id: str | None, secret: str | None) -> App:
    app = world.apps.get(client_id or "")
    if app is None or not secret or not secrets.compare_digest(app.client_secret, secret):
        raise TokenError("invalid_client", "unknown client or wrong client_secret")
    return app


def _issue(
    world: World,
    key: SigningKey,
    issuer: str,
    app: App,
    user: User,
    shop: Shop,
    scopes: tuple[str, ...],
    now: float,
    auth_time: float,
    nonce: str | None,
    refresh: Token | None,
) -> dict[str, Any]:
    ttl = world.config.access_token_ttl
    access = Token(
        secrets.token_hex(32).upper(), "access", app.client_id, shop.id, user.id, scopes, now + ttl, now
    )
    world.tokens[access.value] = access
    body: dict[str, Any] = {}
    if "openid" in scopes:
        body["id_token"] = make_id_token(key, world, issuer, app.client_id, user, shop, now, auth_time, nonce)
    body.update({"access_token": access.value, "expires_in": ttl, "token_type": "Bearer"})
    if "offline_access" in scopes:
        if refresh is None or world.config.rotate_refresh_tokens:
            if refresh is not None:
                refresh.revoked = True
            refresh = Token(
                secrets.token_hex(32).upper(), "refresh", app.client_id, shop.id, user.id, scopes, 0.0, now
            )
            world.tokens[refresh.value] = refresh
        refresh.expires_at = now + world.config.refresh_token_ttl  # sliding lifetime
        body["refresh_token"] = refresh.value
    body["scope"] = " ".join(scopes)
    return body


def exchange_code(
    world: World, key: SigningKey, issuer: str, app: App, form: dict[str, str], now: float
) -> dict[str, Any]:
    code = world.codes.get(form.get("code") or "")
    if code is None or code.client_id != app.client_id:
        raise TokenError("invalid_grant", "invalid authorization code")
    if code.used:
        raise TokenError("invalid_grant", "authorization code has already been used")
    if now > code.expires_at:
        raise TokenError("invalid_grant", "authorization code has expired")
    if form.get("redirect_uri") != code.redirect_uri:
        raise TokenError("invalid_grant", "Invalid redirect_uri")
    code.used = True
    user = world.users.get(code.user_id)
    shop = world.shops.get(code.orgid)
    if user is None or shop is None:
        raise TokenError("invalid_grant", "the user or shop no longer exists")
    return _issue(world, key, issuer, app, user, shop, code.scopes, now, code.auth_time, code.nonce, None)


def refresh_grant(
    world: World, key: SigningKey, issuer: str, app: App, form: dict[str, str], now: float
) -> dict[str, Any]:
    token = world.tokens.get(form.get("refresh_token") or "")
    if token is None or token.kind != "refresh" or token.client_id != app.client_id:
        raise TokenError("invalid_grant", "invalid refresh token")
    if token.revoked or now > token.expires_at:
        raise TokenError("invalid_grant", "refresh token expired or revoked")
    user = world.users.get(token.user_id)
    shop = world.shops.get(token.orgid)
    if user is None or shop is None:
        raise TokenError("invalid_grant", "the user or shop no longer exists")
    return _issue(world, key, issuer, app, user, shop, token.scopes, now, token.issued_at, None, token)


def resolve_access_token(world: World, value: str | None, now: float) -> Token | None:
    token = world.tokens.get(value or "")
    if token is None or token.kind != "access" or token.revoked or now > token.expires_at:
        return None
    if token.orgid not in world.shops:
        return None
    return token


def revoke_app_tokens(world: World, orgid: int, client_id: str) -> int:
    n = 0
    for token in world.tokens.values():
        if token.orgid == orgid and token.client_id == client_id and not token.revoked:
            token.revoked = True
            n += 1
    return n


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def discovery(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/openid-configuration/jwks",
        "authorization_endpoint": f"{issuer}/connect/authorize",
        "token_endpoint": f"{issuer}/connect/token",
        "userinfo_endpoint": f"{issuer}/connect/userinfo",
        "end_session_endpoint": f"{issuer}/connect/endsession",
        "scopes_supported": sorted(KNOWN_SCOPES),
        "claims_supported": [
            "sub",
            "name",
            "given_name",
            "family_name",
            "email",
            "email_verified",
            "locale",
            "orgid",
            "orgname",
            "orgsub",
            "orgcat",
            "role",
        ],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": list(RESPONSE_TYPES),
        "response_modes_supported": list(RESPONSE_MODES),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": [],
    }
