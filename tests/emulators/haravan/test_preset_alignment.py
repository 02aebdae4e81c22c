"""The demo shops of both emulators share SKUs: every shared Haravan SKU is a KiotViet demo code."""

from __future__ import annotations

import httpx

from kiotsync.emulators.haravan.presets import HARAVAN_ONLY_SKUS, SHARED_SKUS
from kiotsync.emulators.kiotviet import create_app as create_kiotviet


def test_shared_skus_exist_in_the_kiotviet_demo() -> None:
    kv = create_kiotviet()
    try:
        with httpx.Client(transport=httpx.WSGITransport(app=kv), base_url="http://kv.test") as c:
            creds = c.post("/_emulator/seed", json={"preset": "demo", "seed": 1}).json()
            token = c.post(
                "/connect/token",
                data={
                    "client_id": creds["client_id"],
                    "client_secret": creds["client_secret"],
                    "grant_type": "client_credentials",
                    "scopes": "PublicApi.Access",
                },
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}", "Retailer": creds["retailer"]}
            codes: set[str] = set()
            start = 0
            while True:
                page = c.get(
                    "/products", headers=headers, params={"pageSize": 100, "currentItem": start}
                ).json()
                codes |= {p["code"] for p in page["data"]}
                start += 100
                if start >= page["total"]:
                    break
    finally:
        kv.webhooks.stop()
    assert set(SHARED_SKUS) <= codes
    assert not set(HARAVAN_ONLY_SKUS) & codes
