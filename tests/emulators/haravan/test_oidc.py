"""Accounts host: discovery, browser code flow (login + consent forms), tokens, id_token, userinfo."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx
import jwt
import pytest

from kiotsync.emulators.common import Clock

from .helpers import ALL_SCOPES, REDIRECT, authorize_params, auto_code, bearer, callback_params, exchange

LOGIN_SCOPES = "openid profile email org userinfo"


def _form_fields(html: str) -> dict[str, str]:
    return {
        unescape(m.group(1)): unescape(m.group(2))
        for m in re.finditer(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', html)
    }


def browser_login(client: httpx.Client, params: dict[str, str], email: str, password: str) -> httpx.Response:
    """Follow authorize → login page → POST login → back to authorize; returns the consent page."""
    r = client.get("/connect/authorize", params=params)
    assert r.status_code == 302 and r.headers["location"].startswith("/account/login?")
    login_page = client.get(r.headers["location"])
    assert login_page.status_code == 200 and 'id="password"' in login_page.text
    fields = _form_fields(login_page.text)
    r = client.post("/account/login", data={**fields, "email": email, "password": password})
    assert r.status_code == 302, r.text
    consent = client.get(r.headers["location"])
    return consent


def consent_submit(client: httpx.Client, consent_html: str, decision: str) -> httpx.Response:
    fields = _form_fields(consent_html)
    return client.post("/connect/consent", data={**fields, "decision": decision})


def test_discovery_names_issuer_and_jwks(client: httpx.Client) -> None:
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://hv.test"
    assert doc["token_endpoint"] == "http://hv.test/connect/token"
    assert "code id_token" in doc["response_types_supported"]
    keys = client.get(doc["jwks_uri"].removeprefix("http://hv.test")).json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["kid"]


def verify_id_token(client: httpx.Client, id_token: str, audience: str) -> dict[str, Any]:
    jwks = client.get("/.well-known/openid-configuration/jwks").json()
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims: dict[str, Any] = jwt.decode(
        id_token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=audience, issuer="http://hv.test"
    )
    return claims


def test_full_browser_code_flow_with_state_and_nonce(client: httpx.Client, shop: dict[str, Any]) -> None:
    params = authorize_params(shop, ALL_SCOPES, state="st-123", nonce="n-456", orgid=shop["orgid"])
    consent = browser_login(client, params, shop["owner"]["email"], shop["owner"]["password"])
    assert consent.status_code == 200
    assert "Cho phép" in consent.text and "Từ chối" in consent.text
    assert 'data-scope="grant_service"' in consent.text
    r = consent_submit(client, consent.text, "allow")
    assert r.status_code == 302
    assert r.headers["location"].startswith(REDIRECT + "?")
    cb = callback_params(r.headers["location"])
    assert cb["state"] == "st-123" and cb["scope"] == ALL_SCOPES and cb["session_state"]
    tok = exchange(client, shop, cb["code"])
    assert tok.status_code == 200, tok.text
    body = tok.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400 and body["refresh_token"]
    claims = verify_id_token(client, body["id_token"], shop["client_id"])
    assert claims["nonce"] == "n-456"
    assert claims["orgid"] == shop["orgid"] and claims["orgname"] == shop["orgname"]
    assert claims["orgsub"] == shop["orgsub"]
    assert "admin" in claims["role"]
    assert claims["email"] == shop["owner"]["email"]
    assert {"sub", "exp", "iat", "nbf", "name"} <= set(claims)
    info = client.get("/connect/userinfo", headers=bearer(body["access_token"]))
    assert info.status_code == 200 and info.json()["orgid"] == shop["orgid"]
    # the app now counts as installed for the org
    summary = client.get(f"/_emulator/shops/{shop['orgid']}").json()
    assert summary["installs"] == [shop["client_id"]]


def test_session_cookie_skips_login_the_second_time(client: httpx.Client, shop: dict[str, Any]) -> None:
    params = authorize_params(shop, LOGIN_SCOPES)
    browser_login(client, params, shop["owner"]["email"], shop["owner"]["password"])
    again = client.get("/connect/authorize", params=params)
    assert again.status_code == 200 and 'id="allow"' in again.text


def test_wrong_password_shows_the_login_page_again(client: httpx.Client, shop: dict[str, Any]) -> None:
    r = client.get("/connect/authorize", params=authorize_params(shop, LOGIN_SCOPES))
    page = client.get(r.headers["location"])
    r = client.post(
        "/account/login",
        data={**_form_fields(page.text), "email": shop["owner"]["email"], "password": "nope"},
    )
    assert r.status_code == 200 and "không đúng" in r.text
    assert "idsrv.session" not in r.cookies


def test_form_post_mode_returns_an_autosubmitting_form(client: httpx.Client, shop: dict[str, Any]) -> None:
    params = authorize_params(shop, LOGIN_SCOPES, response_mode="form_post", state="s1")
    consent = browser_login(client, params, shop["owner"]["email"], shop["owner"]["password"])
    r = consent_submit(client, consent.text, "allow")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f'action="{REDIRECT}"' in r.text and "document.forms[0].submit()" in r.text
    fields = _form_fields(r.text)
    assert fields["state"] == "s1" and fields["code"]
    assert exchange(client, shop, fields["code"]).status_code == 200


def test_hybrid_flow_returns_an_id_token_with_c_hash(client: httpx.Client, shop: dict[str, Any]) -> None:
    params = authorize_params(
        shop, LOGIN_SCOPES, response_type="code id_token", response_mode="form_post", nonce="nn"
    )
    consent = browser_login(client, params, shop["owner"]["email"], shop["owner"]["password"])
    fields = _form_fields(consent_submit(client, consent.text, "allow").text)
    claims = verify_id_token(client, fields["id_token"], shop["client_id"])
    assert claims["nonce"] == "nn" and claims["c_hash"]


def test_deny_redirects_with_access_denied(client: httpx.Client, shop: dict[str, Any]) -> None:
    consent = browser_login(
        client,
        authorize_params(shop, LOGIN_SCOPES, state="z"),
        shop["owner"]["email"],
        shop["owner"]["password"],
    )
    r = consent_submit(client, consent.text, "deny")
    cb = callback_params(r.headers["location"])
    assert cb["error"] == "access_denied" and cb["state"] == "z" and "code" not in cb


def test_staff_cannot_grant_owner_only_scopes(client: httpx.Client, shop: dict[str, Any]) -> None:
    consent = browser_login(
        client, authorize_params(shop, ALL_SCOPES), shop["staff"]["email"], shop["staff"]["password"]
    )
    assert consent.status_code == 302
    cb = callback_params(consent.headers["location"])
    assert cb["error"] == "access_denied" and "grant_service" in cb["error_description"]


def test_staff_login_only_gets_a_non_admin_role(client: httpx.Client, shop: dict[str, Any]) -> None:
    code = auto_code(client, shop, LOGIN_SCOPES, email=shop["staff"]["email"])
    claims = verify_id_token(client, exchange(client, shop, code).json()["id_token"], shop["client_id"])
    assert "admin" not in claims["role"] and claims["orgid"] == shop["orgid"]


def test_unregistered_redirect_uri_shows_an_error_page_without_redirect(
    client: httpx.Client, shop: dict[str, Any]
) -> None:
    params = {**authorize_params(shop), "redirect_uri": "https://evil.example/cb"}
    r = client.get("/connect/authorize", params=params)
    assert r.status_code == 400 and "location" not in r.headers
    assert "redirect_uri" in r.text


def test_unknown_scope_is_reported_to_the_client(client: httpx.Client, shop: dict[str, Any]) -> None:
    r = client.get("/connect/authorize", params=authorize_params(shop, "openid com.read_everything"))
    assert callback_params(r.headers["location"])["error"] == "invalid_scope"


def test_code_is_single_use_and_bound_to_redirect_uri(client: httpx.Client, shop: dict[str, Any]) -> None:
    code = auto_code(client, shop)
    bad = exchange(client, shop, code, redirect_uri=REDIRECT + "/other")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    assert exchange(client, shop, code).status_code == 200
    again = exchange(client, shop, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_expires(client: httpx.Client, shop: dict[str, Any], clock: Clock) -> None:
    code = auto_code(client, shop)
    clock.advance(301)
    r = exchange(client, shop, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(client: httpx.Client, shop: dict[str, Any]) -> None:
    code = auto_code(client, shop)
    r = client.post(
        "/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": shop["client_id"],
            "client_secret": "wrong",
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"


def test_basic_auth_and_refresh_rotation(client: httpx.Client, shop: dict[str, Any], clock: Clock) -> None:
    first = exchange(client, shop, auto_code(client, shop)).json()
    clock.advance(86401)
    assert client.get("/com/shop.json", headers=bearer(first["access_token"])).status_code == 401
    r = client.post(
        "/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(shop["client_id"], shop["client_secret"]),
    )
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/com/shop.json", headers=bearer(second["access_token"])).status_code == 200
    reused = client.post(
        "/connect/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": shop["client_id"],
            "client_secret": shop["client_secret"],
        },
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_without_offline_access_there_is_no_refresh_token(client: httpx.Client, shop: dict[str, Any]) -> None:
    body = exchange(client, shop, auto_code(client, shop, LOGIN_SCOPES + " com.read_products")).json()
    assert "refresh_token" not in body and body["access_token"]


def test_token_ttl_is_configurable(client: httpx.Client, shop: dict[str, Any], clock: Clock) -> None:
    client.put("/_emulator/config", json={"access_token_ttl": 60})
    body = exchange(client, shop, auto_code(client, shop)).json()
    assert body["expires_in"] == 60
    clock.advance(61)
    assert client.get("/connect/userinfo", headers=bearer(body["access_token"])).status_code == 401


@pytest.mark.parametrize("grant", ["password", "client_credentials"])
def test_unsupported_grants(client: httpx.Client, shop: dict[str, Any], grant: str) -> None:
    r = client.post(
        "/connect/token",
        data={"grant_type": grant, "client_id": shop["client_id"], "client_secret": shop["client_secret"]},
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def test_owner_of_two_shops_picks_one_on_the_consent_page(client: httpx.Client) -> None:
    owner = {"owner_email": "chu@hai-cua-hang.vn", "owner_password": "mat-khau-1"}
    app = {"redirect_uris": [REDIRECT]}
    first = client.post(
        "/_emulator/seed", json={"preset": "empty", "seed": 1, "app": app, "shop": owner}
    ).json()
    second = client.post(
        "/_emulator/seed",
        json={"preset": "empty", "seed": 2, "app": {**app, "client_id": first["client_id"]}, "shop": owner},
    ).json()
    consent = browser_login(
        client, authorize_params(first, ALL_SCOPES), owner["owner_email"], owner["owner_password"]
    )
    assert 'id="orgid"' in consent.text and second["orgname"] in consent.text
    fields = _form_fields(consent.text)
    r = client.post(
        "/connect/consent", data={**fields, "selected_orgid": second["orgid"], "decision": "allow"}
    )
    body = exchange(client, first, callback_params(r.headers["location"])["code"]).json()
    assert verify_id_token(client, body["id_token"], first["client_id"])["orgid"] == second["orgid"]
    shop_json = client.get("/com/shop.json", headers=bearer(body["access_token"])).json()["shop"]
    assert shop_json["id"] == int(second["orgid"])


def test_uninstall_revokes_the_refresh_token(client: httpx.Client, shop: dict[str, Any]) -> None:
    body = exchange(client, shop, auto_code(client, shop)).json()
    client.post("/_emulator/uninstall", json={"orgid": shop["orgid"], "client_id": shop["client_id"]})
    r = client.post(
        "/connect/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": shop["client_id"],
            "client_secret": shop["client_secret"],
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
