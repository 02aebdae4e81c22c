"""Haravan OAuth2 / OpenID Connect: install, login, token refresh and id_token checks.

Haravan's accounts server is an IdentityServer (§1). The app sends the owner to
:meth:`HaravanOAuth.authorize_url`, exchanges the returned ``code`` at ``/connect/token``,
and learns *which shop* from the verified id_token (``orgid``; ``role`` contains
``admin`` for the owner, who alone may grant ``grant_service``/``wh_api``). Signatures are
checked against the JWKS named by the discovery document (both cached), ``iss`` must equal
the discovery ``issuer``, ``aud`` the client id, ``nonce`` the one we sent, and
``exp``/``nbf``/``iat`` hold within a small leeway (checked against an injectable clock so
time-scaled emulators and tests work).

Refresh keeps the old refresh token when the answer has none; ``invalid_grant`` on refresh
raises :class:`~.errors.InstallRevokedError` (the shop uninstalled the app or revoked it).
:class:`RefreshingTokenProvider` plugs this into :class:`~.client.HaravanClient`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm

from kiotsync.httpkit.caller import ApiCaller, decode_json
from kiotsync.httpkit.errors import PlatformError
from kiotsync.httpkit.retry import RetryPolicy
from kiotsync.httpkit.wire import Wire

from .errors import PLATFORM, IdTokenError, InstallRevokedError, OAuthError, map_api_error, map_oauth_error

__all__ = [
    "DEFAULT_ACCOUNTS_URL",
    "INSTALL_SCOPES",
    "LOGIN_SCOPES",
    "HaravanOAuth",
    "IdTokenClaims",
    "IdTokenError",
    "InstallRevokedError",
    "OAuthError",
    "RefreshingTokenProvider",
    "TokenSet",
]

DEFAULT_ACCOUNTS_URL = "https://accounts.haravan.com"
LOGIN_SCOPES = ("openid", "profile", "email", "org", "userinfo")
INSTALL_SCOPES = (
    *LOGIN_SCOPES,
    "grant_service",
    "offline_access",
    "wh_api",
    "com.read_shop",
    "com.read_products",
    "com.write_products",
    "com.read_orders",
    "com.write_orders",
    "com.read_inventories",
    "com.write_inventories",
    "com.read_customers",
    "com.write_customers",
)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    id_token: str | None = None
    expires_at: float | None = None  # epoch seconds
    scope: str | None = None
    token_type: str = "Bearer"
    expires_in: float | None = None  # as returned by the server

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple((self.scope or "").split())


@dataclass(frozen=True)
class IdTokenClaims:
    sub: str
    orgid: str | None = None
    orgname: str | None = None
    orgsub: str | None = None
    roles: tuple[str, ...] = ()
    email: str | None = None
    name: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_owner(self) -> bool:
        """The shop owner (``role`` contains ``admin``): the only one who may install."""
        return any(r.lower() == "admin" for r in self.roles)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> IdTokenClaims:
        w = Wire(claims)
        role = claims.get("role")
        roles = (role,) if isinstance(role, str) else tuple(str(r) for r in role or ())
        return cls(
            sub=w.text("sub") or "",
            orgid=w.text("orgid"),
            orgname=w.text("orgname"),
            orgsub=w.text("orgsub"),
            roles=roles,
            email=w.text("email"),
            name=w.text("name"),
            raw=dict(claims),
        )


class HaravanOAuth:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        accounts_url: str = DEFAULT_ACCOUNTS_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        leeway_s: float = 60.0,
        cache_ttl_s: float = 3600.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.accounts_url = accounts_url.rstrip("/")
        self._now = wall_clock
        self.leeway_s = leeway_s
        self.cache_ttl_s = cache_ttl_s
        self._caller = ApiCaller(
            platform=PLATFORM,
            error_mapper=map_api_error,
            transport=transport,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            http=http,
        )
        self._lock = threading.Lock()
        self._discovery: tuple[float, dict[str, Any]] | None = None
        self._jwks: tuple[float, dict[str, Any]] | None = None

    def close(self) -> None:
        self._caller.close()

    # -- authorize ---------------------------------------------------------------------------
    def authorize_url(
        self,
        *,
        redirect_uri: str,
        state: str,
        nonce: str,
        scopes: str | Sequence[str] = INSTALL_SCOPES,
        scope: str | Sequence[str] | None = None,
        orgid: str | None = None,
        response_mode: str = "query",
        response_type: str = "code",
    ) -> str:
        """The URL to send the browser to (``scope`` is an alias of ``scopes``)."""
        wanted = scope if scope is not None else scopes
        params = {
            "client_id": self.client_id,
            "response_type": response_type,
            "response_mode": response_mode,
            "scope": wanted if isinstance(wanted, str) else " ".join(wanted),
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
        }
        if orgid:
            params["orgid"] = str(orgid)
        return f"{self.accounts_url}/connect/authorize?{urlencode(params)}"

    # -- tokens --------------------------------------------------------------------------------
    def _token_request(self, form: dict[str, str]) -> TokenSet:
        response = self._caller.request(
            "POST",
            f"{self.accounts_url}/connect/token",
            data={**form, "client_id": self.client_id, "client_secret": self._client_secret},
            idempotent=False,  # codes and rotating refresh tokens are single-use
            error_mapper=map_oauth_error,
        )
        body = decode_json(response)
        w = Wire(body if isinstance(body, Mapping) else {})
        access = w.text("access_token")
        if not access:
            raise OAuthError(
                "token endpoint answered without access_token",
                platform=PLATFORM,
                status=response.status_code,
                method="POST",
                path="/connect/token",
            )
        expires_in = w.real("expires_in")
        return TokenSet(
            access_token=access,
            refresh_token=w.text("refresh_token"),
            id_token=w.text("id_token"),
            expires_at=self._now() + expires_in if expires_in is not None else None,
            scope=w.text("scope"),
            token_type=w.text("token_type") or "Bearer",
            expires_in=expires_in,
        )

    def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """Trade the callback's ``code`` for tokens (same ``redirect_uri`` as authorize)."""
        return self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        """New access token; keeps ``refresh_token`` if none is returned.

        Raises :class:`InstallRevokedError` on ``invalid_grant``.
        """
        try:
            tokens = self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})
        except OAuthError as exc:
            if exc.code == "invalid_grant":
                raise InstallRevokedError(
                    exc.message,
                    platform=PLATFORM,
                    status=exc.status,
                    code=exc.code,
                    body=exc.body,
                    method=exc.method,
                    path=exc.path,
                ) from exc
            raise
        if tokens.refresh_token is None:
            tokens = TokenSet(
                tokens.access_token,
                refresh_token,
                tokens.id_token,
                tokens.expires_at,
                tokens.scope,
                tokens.token_type,
            )
        return tokens

    def userinfo(self, access_token: str) -> dict[str, Any]:
        response = self._caller.request(
            "GET",
            f"{self.accounts_url}/connect/userinfo",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        body = decode_json(response)
        return dict(body) if isinstance(body, Mapping) else {}

    # -- discovery, keys -------------------------------------------------------------------
    def _get_json(self, url: str) -> dict[str, Any]:
        body = decode_json(self._caller.request("GET", url))
        if not isinstance(body, Mapping):
            raise PlatformError(
                f"expected a JSON object from {url}", platform=PLATFORM, method="GET", path=url
            )
        return dict(body)

    def discovery(self, refresh: bool = False) -> dict[str, Any]:
        """The OpenID configuration (cached for ``cache_ttl_s``)."""
        with self._lock:
            cached = self._discovery
        if cached and not refresh and self._now() - cached[0] < self.cache_ttl_s:
            return cached[1]
        doc = self._get_json(f"{self.accounts_url}/.well-known/openid-configuration")
        with self._lock:
            self._discovery = (self._now(), doc)
        return doc

    def jwks(self, refresh: bool = False) -> dict[str, Any]:
        """The signing keys named by discovery's ``jwks_uri`` (cached)."""
        with self._lock:
            cached = self._jwks
        if cached and not refresh and self._now() - cached[0] < self.cache_ttl_s:
            return cached[1]
        uri = self.discovery().get("jwks_uri")
        if not isinstance(uri, str) or not uri:
            raise IdTokenError("discovery document has no jwks_uri")
        keys = self._get_json(uri)
        with self._lock:
            self._jwks = (self._now(), keys)
        return keys

    def _signing_keys(self, kid: str | None, refresh: bool) -> list[Any]:
        keys = [k for k in self.jwks(refresh).get("keys", []) if isinstance(k, Mapping)]
        chosen = [k for k in keys if kid is None or k.get("kid") == kid]
        out = []
        for key in chosen:
            if key.get("kty") not in (None, "RSA"):
                continue
            try:
                out.append(RSAAlgorithm.from_jwk(dict(key)))
            except (jwt.InvalidKeyError, ValueError, KeyError, TypeError):
                continue
        return out

    # -- id_token ----------------------------------------------------------------------------
    def verify_id_token(self, id_token: str, *, nonce: str | None) -> IdTokenClaims:
        """Verify signature (RS256), ``iss``, ``aud``, ``nonce`` and times; return claims."""
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise IdTokenError(f"malformed id_token: {exc}") from exc
        if header.get("alg") != "RS256":
            raise IdTokenError(f"unexpected id_token algorithm {header.get('alg')!r}")
        kid = header.get("kid")
        keys = self._signing_keys(kid, refresh=False)
        if not keys:
            keys = self._signing_keys(kid, refresh=True)  # keys rotated since we cached them
        if not keys:
            raise IdTokenError("no signing key matches the id_token")
        issuer = self.discovery().get("issuer")
        claims: dict[str, Any] | None = None
        last_error: Exception | None = None
        for key in keys:
            try:
                claims = jwt.decode(
                    id_token,
                    key=key,
                    algorithms=["RS256"],
                    audience=self.client_id,
                    issuer=issuer if isinstance(issuer, str) else None,
                    options={
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                        "verify_iss": isinstance(issuer, str),
                        "require": ["iss", "aud", "exp", "sub"],
                    },
                )
                break
            except jwt.InvalidSignatureError as exc:
                last_error = exc
                continue
            except jwt.PyJWTError as exc:
                raise IdTokenError(f"id_token rejected: {exc}") from exc
        if claims is None:
            raise IdTokenError(f"id_token signature invalid: {last_error}")
        self._check_times(claims)
        if nonce is not None and claims.get("nonce") != nonce:
            raise IdTokenError("id_token nonce does not match")
        return IdTokenClaims.from_claims(claims)

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._now()
        w = Wire(claims)
        exp, nbf, iat = w.real("exp"), w.real("nbf"), w.real("iat")
        if exp is None or now > exp + self.leeway_s:
            raise IdTokenError("id_token expired")
        if nbf is not None and now < nbf - self.leeway_s:
            raise IdTokenError("id_token not valid yet")
        if iat is not None and iat > now + self.leeway_s:
            raise IdTokenError("id_token issued in the future")


class RefreshingTokenProvider:
    """A shop's tokens for :class:`~.client.HaravanClient`: refreshes near expiry and after a
    401, and reports every new :class:`TokenSet` to ``on_update`` (to persist it)."""

    def __init__(
        self,
        oauth: HaravanOAuth,
        tokens: TokenSet,
        *,
        on_update: Callable[[TokenSet], None] | None = None,
        wall_clock: Callable[[], float] = time.time,
        renew_margin_s: float = 60.0,
    ) -> None:
        self._oauth = oauth
        self.tokens = tokens
        self._on_update = on_update
        self._now = wall_clock
        self.renew_margin_s = renew_margin_s
        self._lock = threading.Lock()
        self._local = threading.local()

    def _renew_locked(self) -> str | None:
        if not self.tokens.refresh_token:
            return None
        self.tokens = self._oauth.refresh(self.tokens.refresh_token)
        if self._on_update is not None:
            self._on_update(self.tokens)
        return self.tokens.access_token

    def access_token(self) -> str:
        with self._lock:
            expires = self.tokens.expires_at
            if (
                expires is not None
                and self._now() >= expires - self.renew_margin_s
                and self.tokens.refresh_token
            ):
                self._renew_locked()
            self._local.last = self.tokens.access_token
            return self.tokens.access_token

    def refresh(self) -> bool:
        rejected = getattr(self._local, "last", None)
        with self._lock:
            if rejected is not None and self.tokens.access_token != rejected:
                return True  # another thread already refreshed
            return self._renew_locked() is not None
