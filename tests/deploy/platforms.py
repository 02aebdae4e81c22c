"""The two platforms as their owners and customers see them: the emulators' real APIs and their
``/_emulator`` control plane (the platforms' own back offices). End states are read here, never
from the app's database."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx


class KiotViet:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30)
        self.creds: dict[str, Any] = {}
        self._token = ""

    def control(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.http.request(method, "/_emulator" + path, **kw)
        assert resp.status_code < 300, (
            f"KiotViet {method} /_emulator{path}: {resp.status_code} {resp.text[:500]}"
        )
        return resp.json()

    # -- the public API, as any API client of the retailer ------------------------------------
    def api(self, path: str, **params: Any) -> Any:
        if not self._token:
            resp = self.http.post(
                "/connect/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.creds["client_id"],
                    "client_secret": self.creds["client_secret"],
                    "scopes": "PublicApi.Access",
                },
            )
            resp.raise_for_status()
            self._token = resp.json()["access_token"]
        headers = {"Retailer": self.creds["retailer"], "Authorization": f"Bearer {self._token}"}
        resp = self.http.get(path, params=params, headers=headers)
        assert resp.status_code == 200, f"KiotViet GET {path}: {resp.status_code} {resp.text[:500]}"
        return resp.json()

    def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            page = self.api(path, pageSize=100, currentItem=len(out), **params)
            out.extend(page["data"])
            if not page["data"] or len(out) >= page["total"]:
                return out

    def orders_for(self, hv_order_id: int) -> list[dict[str, Any]]:
        """KiotViet orders KiotSync made for a Haravan order (its marker in the description)."""
        marker = f"[HRV:{hv_order_id}]"
        return [o for o in self.all("/orders") if marker in (o.get("description") or "")]

    def order_codes(self) -> Counter[str]:
        return Counter(o["code"] for o in self.all("/orders"))

    def product(self, code: str) -> dict[str, Any]:
        return dict(self.api(f"/products/code/{code}"))

    def product_codes(self) -> Counter[str]:
        return Counter(p["code"] for p in self.all("/products"))

    def available(self, code: str, branch_ids: list[int] | None = None) -> float:
        """Σ max(0, onHand − reserved) over the branches (what KiotSync puts on Haravan)."""
        inventories = self.product(code).get("inventories") or []
        return sum(
            max(0.0, float(i.get("onHand") or 0) - float(i.get("reserved") or 0))
            for i in inventories
            if branch_ids is None or i["branchId"] in branch_ids
        )


class Haravan:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30)
        self.creds: dict[str, Any] = {}

    @property
    def orgid(self) -> str:
        return str(self.creds["orgid"])

    def control(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.http.request(method, "/_emulator" + path, **kw)
        assert resp.status_code < 300, (
            f"Haravan {method} /_emulator{path}: {resp.status_code} {resp.text[:500]}"
        )
        return resp.json()

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        """A ``/com`` call as the shop's own admin (the Haravan back office)."""
        return self.control(method, f"/shops/{self.orgid}/com/{path.lstrip('/')}", **kw)

    def products(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            items = self.admin("GET", f"/products.json?limit=50&page={page}")["products"]
            if not items:
                return out
            out.extend(items)
            page += 1

    def skus(self) -> Counter[str]:
        """How many variants carry each SKU, over every product of the shop."""
        return Counter(v["sku"] for p in self.products() for v in p["variants"] if v.get("sku"))

    def variant(self, sku: str) -> dict[str, Any]:
        found = [v for p in self.products() for v in p["variants"] if v.get("sku") == sku]
        assert len(found) == 1, f"{len(found)} Haravan variants with SKU {sku}"
        return found[0]

    def on_hand(self, variant_id: int, location_id: int) -> float:
        rows = self.admin(
            "GET", f"/inventory_locations.json?variant_ids={variant_id}&location_ids={location_id}"
        )["inventory_locations"]
        return float(rows[0]["qty_onhand"]) if rows else 0.0

    def web_order(self, lines: list[dict[str, Any]], phone: str = "0987654321") -> dict[str, Any]:
        """A customer checks out on the storefront."""
        body = {
            "line_items": lines,
            "customer": {
                "first_name": "An",
                "last_name": "Nguyễn Văn",
                "phone": phone,
                "email": "an@example.vn",
            },
            "shipping_address": {
                "name": "Nguyễn Văn An",
                "phone": phone,
                "address1": "12 Láng Hạ",
                "ward": "Phường Láng Hạ",
                "district": "Quận Đống Đa",
                "province": "Hà Nội",
            },
            "shipping_lines": [{"title": "Giao hàng tiêu chuẩn", "price": 30000}],
        }
        return dict(self.control("POST", f"/shops/{self.orgid}/web_orders", json=body)["order"])
