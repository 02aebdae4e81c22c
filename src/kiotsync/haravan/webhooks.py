"""Incoming Haravan webhooks: HMAC check, topic/org headers, and the ``hub.challenge`` handshake.

Delivery (§4.9): POST of the bare resource JSON with ``X-Haravan-Topic``,
``X-Haravan-Org-Id`` and ``X-Haravan-HmacSha256 = base64(HMAC-SHA256(client_secret,
raw body))``. Header names are matched case-insensitively; the signature is computed on the
raw bytes (never re-serialised JSON) and compared in constant time.

Registration handshake (§1.7): Haravan calls ``GET callback?hub.mode=subscribe&
hub.verify_token=…&hub.challenge=…`` and expects the raw challenge back when the verify token
matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HMAC_HEADER",
    "ORG_HEADER",
    "TOPIC_HEADER",
    "HaravanWebhook",
    "challenge_response",
    "parse_webhook",
    "sign",
    "verify_haravan_webhook",
    "verify_webhook",
]

HMAC_HEADER = "X-Haravan-HmacSha256"
TOPIC_HEADER = "X-Haravan-Topic"
ORG_HEADER = "X-Haravan-Org-Id"

# Spellings some apps normalise defensively (§4.8); harmless to map.
_TOPIC_ALIASES = {
    "app_uninstalled": "app/uninstalled",
    "shops/update": "shop/update",
    "products/delete": "products/deleted",
}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered or key.lower().replace("_", "-") == lowered:
            return value
    return None


def sign(raw_body: bytes, secret: str) -> str:
    """The signature Haravan sends for ``raw_body`` (useful for tests and replays)."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()).decode(
        "ascii"
    )


def verify_haravan_webhook(raw_body: bytes, signature: str | None, secret: str) -> bool:
    """True if ``signature`` (the header's value) signs ``raw_body`` with ``secret``."""
    if not signature or not secret:
        return False
    expected = sign(raw_body, secret).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def verify_webhook(raw_body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True if the ``X-Haravan-HmacSha256`` header (any case) signs ``raw_body``."""
    given = _header(headers, HMAC_HEADER) or _header(headers, "x-haravan-hmac-sha256")
    return verify_haravan_webhook(raw_body, given, secret)


@dataclass(frozen=True)
class HaravanWebhook:
    topic: str
    org_id: str | None
    body: Any

    @property
    def resource_id(self) -> int | None:
        value = self.body.get("id") if isinstance(self.body, Mapping) else None
        return value if isinstance(value, int) else None


def parse_webhook(raw_body: bytes, headers: Mapping[str, str]) -> HaravanWebhook:
    """Topic and shop from the headers, the bare resource from the body (verify first!)."""
    topic = (_header(headers, TOPIC_HEADER) or "").strip()
    topic = _TOPIC_ALIASES.get(topic, topic)
    body: Any = json.loads(raw_body) if raw_body.strip() else None
    return HaravanWebhook(topic=topic, org_id=_header(headers, ORG_HEADER), body=body)


def challenge_response(params: Mapping[str, str], verify_token: str) -> str | None:
    """The body to answer a registration check with, or ``None`` to reject it."""
    if params.get("hub.mode") != "subscribe":
        return None
    given = params.get("hub.verify_token") or ""
    if not verify_token or not hmac.compare_digest(given.encode("utf-8"), verify_token.encode("utf-8")):
        return None
    challenge = params.get("hub.challenge")
    return challenge if challenge is not None else None
