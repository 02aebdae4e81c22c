"""KiotViet access tokens: OAuth2 client credentials, cached and renewed.

A token lives 24 h. We cache it per ``client_id`` in a pluggable :class:`TokenCache` (the
web app persists tokens encrypted so every worker process reuses one), renew it
``renew_margin_s`` (300 s) before expiry, and when the API rejects it (401 or
``TokenException``) fetch a new one once and replay the call. Concurrent rejections renew
only once: a thread whose rejected token has already been replaced just replays.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from kiotsync.httpkit.caller import ApiCaller, decode_json
from kiotsync.httpkit.errors import PlatformError
from kiotsync.httpkit.wire import Wire

from .errors import PLATFORM, map_token_error

__all__ = ["SCOPE", "CachedToken", "InMemoryTokenCache", "TokenCache", "TokenManager"]

SCOPE = "PublicApi.Access"


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    expires_at: float  # epoch seconds
    token_type: str = "Bearer"


class TokenCache(Protocol):
    def get(self, key: str) -> CachedToken | None: ...

    def set(self, key: str, token: CachedToken) -> None: ...

    def delete(self, key: str) -> None: ...


class InMemoryTokenCache:
    """Default cache: a dict guarded by a lock (one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, CachedToken] = {}

    def get(self, key: str) -> CachedToken | None:
        with self._lock:
            return self._items.get(key)

    def set(self, key: str, token: CachedToken) -> None:
        with self._lock:
            self._items[key] = token

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


class TokenManager:
    """Supplies ``Retailer`` + ``Authorization`` headers; the :class:`AuthHook` of the client."""

    def __init__(
        self,
        caller: ApiCaller,
        *,
        token_url: str,
        retailer: str,
        client_id: str,
        client_secret: str,
        cache: TokenCache | None = None,
        wall_clock: Callable[[], float] = time.time,
        renew_margin_s: float = 300.0,
    ) -> None:
        self._caller = caller
        self._token_url = token_url
        self.retailer = retailer
        self.client_id = client_id
        self._client_secret = client_secret
        self._cache: TokenCache = cache if cache is not None else InMemoryTokenCache()
        self._now = wall_clock
        self.renew_margin_s = renew_margin_s
        self._lock = threading.Lock()
        self._local = threading.local()
        self.fetch_count = 0

    def _fresh(self, token: CachedToken | None) -> bool:
        return token is not None and self._now() < token.expires_at - self.renew_margin_s

    def token(self, force: bool = False) -> str:
        """A valid access token, fetching one when absent, near expiry, or ``force``."""
        cached = self._cache.get(self.client_id)
        if not force and cached is not None and self._fresh(cached):
            return cached.access_token
        with self._lock:
            cached = self._cache.get(self.client_id)
            if not force and cached is not None and self._fresh(cached):
                return cached.access_token
            token = self._fetch()
            self._cache.set(self.client_id, token)
            return token.access_token

    def _fetch(self) -> CachedToken:
        response = self._caller.request(
            "POST",
            self._token_url,
            data={
                "scopes": SCOPE,
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._client_secret,
            },
            idempotent=True,
            error_mapper=map_token_error,
        )
        self.fetch_count += 1
        body = decode_json(response)
        w = Wire(body if isinstance(body, dict) else {})
        access = w.text("access_token")
        if not access:
            raise PlatformError(
                "token endpoint answered without access_token",
                platform=PLATFORM,
                status=response.status_code,
                body=None,
                method="POST",
                path=response.request.url.path,
            )
        expires_in = w.real("expires_in") or 86400.0
        return CachedToken(access, self._now() + expires_in, w.text("token_type") or "Bearer")

    def invalidate(self) -> None:
        self._cache.delete(self.client_id)

    # -- AuthHook ------------------------------------------------------------------------
    def auth_headers(self) -> Mapping[str, str]:
        token = self.token()
        self._local.last = token
        return {"Retailer": self.retailer, "Authorization": f"Bearer {token}"}

    def renew_after_rejection(self) -> bool:
        rejected = getattr(self._local, "last", None)
        with self._lock:
            cached = self._cache.get(self.client_id)
            if cached is not None and cached.access_token != rejected and self._fresh(cached):
                return True  # another thread already renewed
            self._cache.delete(self.client_id)
        self.token(force=True)
        return True
