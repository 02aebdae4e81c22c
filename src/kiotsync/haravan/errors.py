"""Haravan error bodies → typed errors.

REST errors use an ``errors`` key shaped as a string (``"Not Found"``), a list, or a map
field → list of messages (``{"title": ["can't be blank"]}``); all three are read. OAuth
endpoints answer ``{"error": "invalid_grant", "error_description": …}``: on a refresh that
means the shop uninstalled the app or revoked consent (:class:`InstallRevokedError` — stop
syncing and ask the owner to reinstall), elsewhere :class:`OAuthError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from kiotsync.httpkit.caller import decode_json, parse_retry_after
from kiotsync.httpkit.errors import AuthError, PlatformError, error_for_status
from kiotsync.httpkit.wire import Wire

PLATFORM = "haravan"

__all__ = [
    "PLATFORM",
    "IdTokenError",
    "InstallRevokedError",
    "OAuthError",
    "map_api_error",
    "map_oauth_error",
    "parse_errors",
]


class OAuthError(AuthError):
    """The accounts server refused an OAuth request (bad code, redirect URI, client…)."""


class InstallRevokedError(OAuthError):
    """Refresh answered ``invalid_grant``: the install is gone; the owner must reinstall."""


class IdTokenError(AuthError):
    """An id_token failed verification (signature, issuer, audience, nonce or time)."""

    def __init__(self, message: str, **kw: Any) -> None:
        kw.setdefault("platform", PLATFORM)
        super().__init__(message, **kw)


def parse_errors(body: Any) -> tuple[str | None, dict[str, list[str]]]:
    """(summary message, field errors) from an ``errors`` value of any shape."""
    if isinstance(body, str):
        return (body.strip() or None), {}
    if not isinstance(body, Mapping):
        return None, {}
    errors = body.get("errors", body.get("error"))
    if errors is None:
        message = Wire(body).text("message", "error_description")
        return message, {}
    if isinstance(errors, str):
        return errors, {}
    if isinstance(errors, list):
        texts = [str(e) for e in errors if e is not None]
        return ("; ".join(texts) or None), ({"base": texts} if texts else {})
    if isinstance(errors, Mapping):
        fields: dict[str, list[str]] = {}
        for key, value in errors.items():
            if isinstance(value, list):
                fields[str(key)] = [str(v) for v in value]
            elif value is not None:
                fields[str(key)] = [str(value)]
        summary = "; ".join(f"{k} {m}" if k != "base" else m for k, msgs in fields.items() for m in msgs)
        return (summary or None), fields
    return str(errors), {}


def map_api_error(response: httpx.Response, method: str, path: str) -> PlatformError:
    body = decode_json(response)
    message, fields = parse_errors(body)
    return error_for_status(
        response.status_code,
        message or response.reason_phrase or f"HTTP {response.status_code}",
        platform=PLATFORM,
        body=body,
        method=method,
        path=path,
        field_errors=fields,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def map_oauth_error(response: httpx.Response, method: str, path: str) -> PlatformError:
    body = decode_json(response)
    w = Wire(body if isinstance(body, Mapping) else {})
    code = w.text("error")
    text = w.text("error_description") or code or f"HTTP {response.status_code}"
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "status": response.status_code,
        "code": code,
        "body": body,
        "method": method,
        "path": path,
    }
    if code is not None and response.status_code < 500 and response.status_code != 429:
        return OAuthError(text, **kw)
    kw.pop("status")
    return error_for_status(
        response.status_code, text, retry_after=parse_retry_after(response.headers.get("Retry-After")), **kw
    )
