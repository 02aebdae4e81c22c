"""Token endpoint (§1.3), mandatory headers (§1.4), tenant isolation and the GET rate limit (§2.9)."""

from __future__ import annotations

from typing import Any

import httpx

from kiotsync.emulators.common import Clock

from .helpers import Api, seed


def _token(http: httpx.Client, creds: dict[str, Any], **overrides: str) -> httpx.Response:
    form = {
        "scopes": "PublicApi.Access",
        "grant_type": "client_credentials",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        **overrides,
    }
    return http.post("/connect/token", data={k: v for k, v in form.items() if v is not None})


def test_token_success_shape(http: httpx.Client, creds: dict[str, Any]) -> None:
    r = _token(http, creds)
    assert r.status_code == 200
    body = r.json()
    assert (
        body["expires_in"] == 86400 and body["token_type"] == "Bearer" and body["scope"] == "PublicApi.Access"
    )
    assert body["access_token"].count(".") == 2  # looks like a JWT; opaque to clients


def test_standard_scope_field_is_accepted_too(http: httpx.Client, creds: dict[str, Any]) -> None:
    form = {"scope": "PublicApi.Access", "scopes": None}
    assert _token(http, creds, **form).status_code == 200  # type: ignore[arg-type]


def test_bad_credentials_and_grant(http: httpx.Client, creds: dict[str, Any]) -> None:
    r = _token(http, creds, client_secret="0" * 40)
    assert (r.status_code, r.json()) == (400, {"error": "invalid_client"})
    r = _token(http, creds, client_id="2f1a3b9c-0000-4000-8000-000000000000")
    assert (r.status_code, r.json()) == (400, {"error": "invalid_client"})
    r = _token(http, creds, grant_type="password")
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = _token(http, creds, scopes="Other.Scope")
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"


def test_credentials_look_like_kiotviet(creds: dict[str, Any]) -> None:
    import uuid

    uuid.UUID(creds["client_id"])
    assert len(creds["client_secret"]) == 40 and int(creds["client_secret"], 16) >= 0
    assert 500_000_000 <= creds["retailer_id"] < 510_000_000
    assert len(creds["branches"]) == 3


def test_missing_or_bad_token_is_token_exception(api: Api) -> None:
    r = api.http.get("/branches", headers={"Retailer": api.retailer})
    assert r.status_code == 401 and r.json()["responseStatus"]["errorCode"] == "TokenException"
    r = api.http.get("/branches", headers={"Retailer": api.retailer, "Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["responseStatus"]["errorCode"] == "TokenException"
    assert r.json()["responseStatus"]["message"]


def test_token_expires_after_a_platform_day(api: Api, clock: Clock) -> None:
    assert api.get("/branches").status_code == 200
    clock.advance(86400 - 5)
    assert api.get("/branches").status_code == 200
    clock.advance(10)
    r = api.get("/branches")
    assert r.status_code == 401 and r.json()["responseStatus"]["errorCode"] == "TokenException"
    api.token = api.fetch_token()
    assert api.get("/branches").status_code == 200


def test_retailer_header_is_required_and_bound_to_the_token(http: httpx.Client, api: Api) -> None:
    auth = {"Authorization": f"Bearer {api.token}"}
    r = http.get("/branches", headers=auth)
    assert r.status_code == 400 and "Retailer" in r.json()["responseStatus"]["message"]
    other = seed(http, seed=2)
    r = http.get("/branches", headers={**auth, "Retailer": other["retailer"]})
    assert r.status_code == 401 and "responseStatus" in r.json()
    r = http.get("/branches", headers={**auth, "Retailer": "khong-ton-tai"})
    assert r.status_code == 401
    r = http.get("/branches", headers={**auth, "Retailer": api.retailer.upper()})
    assert r.status_code == 200  # account names compare case-insensitively


def test_tenants_never_see_each_other(http: httpx.Client, api: Api) -> None:
    other = Api(http, seed(http, preset="empty", seed=7, retailer="cuahangkhac"))
    mine = api.all("/products")
    assert len(mine) >= 60
    assert other.ok("GET", "/products")["total"] == 0
    pid = mine[0]["id"]
    assert other.get(f"/products/{pid}").status_code == 404
    assert other.get(f"/products/code/{mine[0]['code']}").status_code == 404
    created = other.ok("POST", "/products", json={"name": "Hàng shop khác", "code": mine[0]["code"]})
    assert created["code"] == mine[0]["code"]  # codes are unique per shop only
    assert api.ok("GET", f"/products/{pid}")["id"] == pid
    assert all(p["name"] != "Hàng shop khác" for p in api.all("/products"))
    assert api.ok("GET", f"/products/code/{mine[0]['code']}")["id"] == pid
    assert [b["branchName"] for b in other.ok("GET", "/branches")["data"]] == ["Chi nhánh trung tâm"]


def test_rate_limit_on_gets_only(http: httpx.Client, api: Api, clock: Clock) -> None:
    assert http.put("/_emulator/config", json={"rate_limit_get_per_hour": 3}).status_code == 200
    for _ in range(3):
        assert api.get("/branches").status_code == 200
    r = api.get("/branches")
    assert r.status_code == 429
    assert r.json()["responseStatus"]["message"]
    retry = int(r.headers["Retry-After"])
    assert 3590 <= retry <= 3600
    # writes are not limited
    assert api.request("POST", "/categories", json={"categoryName": "Không giới hạn"}).status_code == 200
    clock.advance(1800)
    assert api.get("/branches").status_code == 429  # sliding window: still full
    clock.advance(1801)
    assert api.get("/branches").status_code == 200


def test_rate_limit_is_per_shop(http: httpx.Client, api: Api) -> None:
    http.put("/_emulator/config", json={"rate_limit_get_per_hour": 2})
    other = Api(http, seed(http, seed=3))
    api.get("/branches")
    api.get("/branches")
    assert api.get("/branches").status_code == 429
    assert other.get("/branches").status_code == 200


def test_default_limit_is_5000(http: httpx.Client) -> None:
    config = http.get("/_emulator/config").json()
    assert config["rate_limit_get_per_hour"] == 5000 and config["token_ttl_s"] == 86400
