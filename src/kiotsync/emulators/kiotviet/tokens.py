"""Where tokens and GET counts are kept: the client-credentials token store (§1.3) and the
sliding-window GET rate limiter (§2.9). Who gets a token and who may call is :mod:`.rules_auth`.

Tokens look like an RS256 ``at+jwt`` (clients must treat them as opaque) but are random; they
are bound to one retailer and one client and expire after ``token_ttl_s`` platform seconds.
The rate limit is a sliding window of GET timestamps per (retailer, client_id).
"""

from __future__ import annotations

import base64
import json
import math
import secrets
from collections import deque
from dataclasses import dataclass

from .errors import KvError, token_error


@dataclass(slots=True)
class TokenInfo:
    retailer: str  # lower-case retailer name
    client_id: str
    expires_at: float  # platform epoch seconds


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenStore:
    def __init__(self) -> None:
        self._tokens: dict[str, TokenInfo] = {}

    def issue(self, retailer: str, client_id: str, now: float, ttl_s: float) -> str:
        header = _b64url(json.dumps({"alg": "RS256", "kid": "kv-emulator", "typ": "at+jwt"}).encode())
        payload = _b64url(
            json.dumps(
                {
                    "iss": "https://id.kiotviet.vn",
                    "nbf": int(now),
                    "iat": int(now),
                    "exp": int(now + ttl_s),
                    "scope": ["PublicApi.Access"],
                    "client_id": client_id,
                    "client_RetailerCode": retailer,
                    "jti": secrets.token_hex(16),
                }
            ).encode()
        )
        token = f"{header}.{payload}.{_b64url(secrets.token_bytes(64))}"
        self._tokens[token] = TokenInfo(retailer.lower(), client_id, now + ttl_s)
        if len(self._tokens) > 10_000:
            self.purge(now)
        return token

    def check(self, token: str, now: float) -> TokenInfo:
        info = self._tokens.get(token)
        if info is None:
            raise token_error("Token không hợp lệ")
        if now >= info.expires_at:
            raise token_error("Token đã hết hạn")
        return info

    def purge(self, now: float) -> None:
        for token in [t for t, i in self._tokens.items() if i.expires_at <= now]:
            del self._tokens[token]

    def revoke_retailer(self, retailer: str) -> None:
        for token in [t for t, i in self._tokens.items() if i.retailer == retailer.lower()]:
            del self._tokens[token]

    def clear(self) -> None:
        self._tokens.clear()


class RateLimiter:
    """Sliding-window counter of GET requests per key, on platform time."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def hit(self, key: tuple[str, str], now: float, limit: int, window_s: float) -> None:
        """Count one request or raise 429 with ``Retry-After`` (seconds until a slot frees)."""
        if limit <= 0:
            return
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        edge = now - window_s
        while hits and hits[0] <= edge:
            hits.popleft()
        if len(hits) >= limit:
            retry = max(1, math.ceil(hits[0] + window_s - now))
            raise KvError(
                429,
                f"Vượt quá giới hạn {limit} request GET mỗi giờ, vui lòng thử lại sau {retry} giây",
                "RateLimitExceeded",
                headers={
                    "Retry-After": str(retry),
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-RequestCount": str(len(hits)),
                },
            )
        hits.append(now)

    def count(self, key: tuple[str, str], now: float, window_s: float) -> int:
        hits = self._hits.get(key)
        if not hits:
            return 0
        return sum(1 for t in hits if t > now - window_s)

    def clear(self) -> None:
        self._hits.clear()
