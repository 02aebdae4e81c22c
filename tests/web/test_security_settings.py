"""Production settings from the configuration: host names, Secure cookies and HSTS behind HTTPS,
a Content-Security-Policy, and framing only for the origins configured."""

from __future__ import annotations

import dataclasses

import pytest
from django.conf import settings
from django.test import Client

from kiotsync.security import security_settings


def _config(**changes: object) -> object:
    return dataclasses.replace(settings.CONFIG, **changes)


def test_https_public_url_gives_secure_cookies_hsts_and_only_its_host() -> None:
    out = security_settings(_config(public_url="https://kiotsync.example.vn"))  # type: ignore[arg-type]
    assert out["SESSION_COOKIE_SECURE"] and out["CSRF_COOKIE_SECURE"] and out["LANGUAGE_COOKIE_SECURE"]
    assert out["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    assert out["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert "*" not in out["ALLOWED_HOSTS"] and "kiotsync.example.vn" in out["ALLOWED_HOSTS"]
    assert out["CSRF_TRUSTED_ORIGINS"] == ["https://kiotsync.example.vn"]
    assert "frame-ancestors 'self'" in out["KIOTSYNC_CSP"] and out["X_FRAME_OPTIONS"] == "SAMEORIGIN"


def test_plain_http_keeps_cookies_usable_without_tls() -> None:
    out = security_settings(_config(public_url="http://127.0.0.1:8000"))  # type: ignore[arg-type]
    assert not out["SESSION_COOKIE_SECURE"] and out["SECURE_HSTS_SECONDS"] == 0
    assert out["SECURE_PROXY_SSL_HEADER"] is None


def test_framing_inside_haravan_admin_needs_https_and_opens_only_to_those_origins() -> None:
    with pytest.raises(ValueError):
        security_settings(
            _config(public_url="http://a.example", frame_ancestors=("https://x.myharavan.com",))
        )  # type: ignore[arg-type]
    out = security_settings(
        _config(public_url="https://a.example", frame_ancestors=("https://*.myharavan.com",))  # type: ignore[arg-type]
    )
    assert "frame-ancestors 'self' https://*.myharavan.com" in out["KIOTSYNC_CSP"]
    assert out["SESSION_COOKIE_SAMESITE"] == "None" and out["SESSION_COOKIE_SECURE"]


def test_pages_carry_the_policy_and_unknown_hosts_are_refused(client: Client, db: None) -> None:
    resp = client.get("/")
    csp = resp["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert resp["X-Frame-Options"] == "SAMEORIGIN"
    assert b"onclick=" not in resp.content
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
