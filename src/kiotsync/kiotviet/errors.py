"""KiotViet error bodies → typed errors.

Business API errors carry ServiceStack's ``{"responseStatus": {"errorCode", "message",
"errors": [{"errorCode", "fieldName", "message"}]}}`` (some clients also see a top-level
``message``). ``TokenException`` means "get a new token", whatever the HTTP status. Refusals
caused by a shop setting (``Thiết lập "…" đang không được bật``) become
:class:`SettingDisabledError` so the UI can tell the merchant which switch to turn on.

The token endpoint is an IdentityServer: ``{"error": "invalid_client", "error_description"}``.
The login screen needs distinct errors for a wrong retailer, client id and secret; the
server does not always say which of client id / secret is wrong, so
:class:`InvalidClientError` is the common parent of the two precise ones.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from kiotsync.httpkit.caller import decode_json, parse_retry_after
from kiotsync.httpkit.errors import (
    AuthError,
    PlatformError,
    ValidationError,
    error_for_status,
)
from kiotsync.httpkit.wire import Wire

PLATFORM = "kiotviet"

__all__ = [
    "PLATFORM",
    "InvalidClientError",
    "InvalidRetailerError",
    "KiotVietCredentialsError",
    "SettingDisabledError",
    "UnknownClientIdError",
    "WrongClientSecretError",
    "map_api_error",
    "map_token_error",
]

_SETTING = re.compile(r"Thiết lập\s*[\"“”']([^\"“”']+)[\"“”']\s*đang không được bật", re.IGNORECASE)


class KiotVietCredentialsError(AuthError):
    """The merchant's connection details are wrong. ``field`` names which one."""

    field = "credentials"


class InvalidClientError(KiotVietCredentialsError):
    """Client id or secret (Mã bảo mật) rejected; the server did not say which."""

    field = "client"


class UnknownClientIdError(InvalidClientError):
    field = "client_id"


class WrongClientSecretError(InvalidClientError):
    field = "client_secret"


class InvalidRetailerError(KiotVietCredentialsError):
    """The token is fine but the ``Retailer`` (shop name) is unknown or not this client's."""

    field = "retailer"


class SettingDisabledError(ValidationError):
    """Refused because a POS setting is off; ``setting`` is its literal Vietnamese name."""

    def __init__(self, message: str, *, setting: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.setting = setting


def _body_message(body: Any) -> tuple[str | None, str | None, dict[str, list[str]]]:
    """(errorCode, message, field errors) from any of the seen error body shapes."""
    if not isinstance(body, dict):
        return None, (body.strip() or None) if isinstance(body, str) else None, {}
    w = Wire(body)
    status = w.sub("responseStatus")
    code = message = None
    fields: dict[str, list[str]] = {}
    if status is not None:
        code = status.text("errorCode")
        message = status.text("message")
        for item in status.seq("errors"):
            iw = Wire(item) if isinstance(item, dict) else None
            if iw is None:
                continue
            text = iw.text("message") or iw.text("errorCode") or ""
            fields.setdefault(iw.text("fieldName") or "base", []).append(text)
    message = message or w.text("message", "error_description", "error")
    code = code or w.text("errorCode", "error")
    return code, message, fields


def map_api_error(response: httpx.Response, method: str, path: str) -> PlatformError:
    body = decode_json(response)
    code, message, fields = _body_message(body)
    text = message or f"HTTP {response.status_code}"
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "status": response.status_code,
        "code": code,
        "body": body,
        "method": method,
        "path": path,
    }
    if code == "TokenException":
        return AuthError(text, **kw)
    found = _SETTING.search(text)
    if found and response.status_code < 500:
        return SettingDisabledError(text, setting=found.group(1).strip(), field_errors=fields, **kw)
    kw.pop("status")
    return error_for_status(
        response.status_code,
        text,
        field_errors=fields,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        **kw,
    )


def map_token_error(response: httpx.Response, method: str, path: str) -> PlatformError:
    body = decode_json(response)
    w = Wire(body if isinstance(body, dict) else {})
    code = w.text("error")
    description = w.text("error_description") or ""
    text = description or code or f"HTTP {response.status_code}"
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "status": response.status_code,
        "code": code,
        "body": body,
        "method": method,
        "path": path,
    }
    if code == "invalid_client" or (code is None and response.status_code == 401):
        lowered = description.lower()
        if "secret" in lowered or "mã bảo mật" in lowered:
            return WrongClientSecretError(text, **kw)
        if any(s in lowered for s in ("unknown", "not found", "does not exist", "không tồn tại")):
            return UnknownClientIdError(text, **kw)
        return InvalidClientError(text, **kw)
    kw.pop("status")
    return error_for_status(
        response.status_code,
        text,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        **kw,
    )
