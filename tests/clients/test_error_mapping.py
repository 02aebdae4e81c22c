"""Error bodies of both platforms map onto the typed hierarchy (pure: built responses)."""

from __future__ import annotations

from typing import Any

import httpx

from kiotsync.haravan.errors import InstallRevokedError, OAuthError, map_oauth_error, parse_errors
from kiotsync.haravan.errors import map_api_error as hv_map
from kiotsync.httpkit import (
    AuthError,
    ForbiddenError,
    NotFoundError,
    PlatformError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from kiotsync.kiotviet.errors import (
    InvalidClientError,
    SettingDisabledError,
    UnknownClientIdError,
    WrongClientSecretError,
    map_token_error,
)
from kiotsync.kiotviet.errors import map_api_error as kv_map


def _resp(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def test_kiotviet_api_errors() -> None:
    envelope = {
        "responseStatus": {
            "errorCode": "ValidationException",
            "message": "Mã hàng đã tồn tại",
            "errors": [{"errorCode": "Exists", "fieldName": "Code", "message": "Mã hàng đã tồn tại"}],
        }
    }
    err = kv_map(_resp(400, envelope), "POST", "/products")
    assert isinstance(err, ValidationError) and err.message == "Mã hàng đã tồn tại"
    assert err.field_errors == {"Code": ["Mã hàng đã tồn tại"]} and err.code == "ValidationException"
    assert (err.platform, err.status, err.method, err.path) == ("kiotviet", 400, "POST", "/products")
    token = kv_map(
        _resp(400, {"responseStatus": {"errorCode": "TokenException", "message": "hết hạn"}}), "GET", "/x"
    )
    assert isinstance(token, AuthError)
    setting = kv_map(
        _resp(400, {"responseStatus": {"message": 'Thiết lập "Cho phép đặt hàng" đang không được bật'}}),
        "POST",
        "/orders",
    )
    assert isinstance(setting, SettingDisabledError) and setting.setting == "Cho phép đặt hàng"
    assert isinstance(kv_map(_resp(401), "GET", "/x"), AuthError)
    assert isinstance(kv_map(_resp(403, {"message": "gói"}), "GET", "/x"), ForbiddenError)
    assert isinstance(kv_map(_resp(404), "GET", "/x"), NotFoundError)
    limited = kv_map(_resp(429, None, {"Retry-After": "12"}), "GET", "/x")
    assert isinstance(limited, RateLimitedError) and limited.retry_after == 12
    server = kv_map(_resp(500, {"message": "boom"}), "POST", "/orders")
    assert isinstance(server, TransientError) and server.maybe_committed and server.message == "boom"
    unavailable = kv_map(_resp(503), "POST", "/orders")
    assert isinstance(unavailable, TransientError) and not unavailable.maybe_committed
    assert type(kv_map(_resp(409), "GET", "/x")) is PlatformError
    assert "kiotviet" in str(server) and "/orders" in str(server)


def test_kiotviet_token_errors_name_the_wrong_field() -> None:
    assert type(map_token_error(_resp(400, {"error": "invalid_client"}), "POST", "/t")) is InvalidClientError
    secret = map_token_error(
        _resp(400, {"error": "invalid_client", "error_description": "Invalid client secret"}), "POST", "/t"
    )
    assert isinstance(secret, WrongClientSecretError) and secret.field == "client_secret"
    unknown = map_token_error(
        _resp(400, {"error": "invalid_client", "error_description": "Unknown client"}), "POST", "/t"
    )
    assert isinstance(unknown, UnknownClientIdError)
    assert isinstance(map_token_error(_resp(503), "POST", "/t"), TransientError)


def test_haravan_error_shapes() -> None:
    assert parse_errors({"errors": "Not Found"}) == ("Not Found", {})
    assert parse_errors({"errors": ["a", "b"]}) == ("a; b", {"base": ["a", "b"]})
    message, fields = parse_errors({"errors": {"title": ["can't be blank"], "base": ["Cannot"]}})
    assert (
        fields == {"title": ["can't be blank"], "base": ["Cannot"]}
        and message == "title can't be blank; Cannot"
    )
    err = hv_map(_resp(422, {"errors": {"title": ["can't be blank"]}}), "POST", "/com/products.json")
    assert isinstance(err, ValidationError) and err.field_errors["title"] == ["can't be blank"]
    limited = hv_map(_resp(429, {"errors": "Too many"}, {"Retry-After": "2.0"}), "GET", "/com/shop.json")
    assert isinstance(limited, RateLimitedError) and limited.retry_after == 2.0
    assert isinstance(hv_map(_resp(403, {}), "GET", "/x"), ForbiddenError)
    assert isinstance(hv_map(_resp(502), "GET", "/x"), TransientError)


def test_haravan_oauth_errors() -> None:
    err = map_oauth_error(
        _resp(400, {"error": "invalid_grant", "error_description": "bad code"}), "POST", "/connect/token"
    )
    assert (
        isinstance(err, OAuthError)
        and not isinstance(err, InstallRevokedError)
        and err.code == "invalid_grant"
    )
    assert isinstance(map_oauth_error(_resp(500), "POST", "/connect/token"), TransientError)
