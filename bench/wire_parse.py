"""Parse time of the wire models on one realistic 100-product page per platform.

    .venv/bin/python bench/wire_parse.py [--runs 15] [--loops 20]

The pages come from the emulators' ``demo`` preset (topped up with bulk products to reach 100),
fetched through their HTTP apps in-process, exactly as the clients receive them:

- KiotViet ``GET /products?includeInventory=true&includePricebook=true&pageSize=100``
  (inventories per branch, attributes, units, images, price books);
- Haravan ``GET /com/products.json`` (variants, images, options), 100 products read through the
  emulator's admin view of the same API.

Only ``from_wire`` is timed (the JSON is decoded once, before timing). Each figure is the median
over ``--runs`` runs of the mean of ``--loops`` parses of the whole page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from kiotsync.emulators.haravan import create_app as create_haravan
from kiotsync.emulators.kiotviet import create_app as create_kiotviet
from kiotsync.haravan.models import Product as HvProduct
from kiotsync.kiotviet.models import Page
from kiotsync.kiotviet.models import Product as KvProduct

PAGE = 100


def kiotviet_page() -> dict[str, Any]:
    app = create_kiotviet()
    base = "http://kiotviet.bench"
    with httpx.Client(base_url=base, transport=httpx.WSGITransport(app=app), timeout=30) as http:
        seed = http.post(
            "/_emulator/seed",
            json={"preset": "demo", "seed": 1, "base_url": base, "products": 10, "variants_per_product": 4},
        ).json()
        token = http.post(
            "/connect/token",
            data={
                "scopes": "PublicApi.Access",
                "grant_type": "client_credentials",
                "client_id": seed["client_id"],
                "client_secret": seed["client_secret"],
            },
        ).json()["access_token"]
        body = http.get(
            "/products",
            params={
                "pageSize": PAGE,
                "currentItem": 0,
                "orderBy": "id",
                "orderDirection": "Asc",
                "includeInventory": "true",
                "includePricebook": "true",
            },
            headers={"Retailer": seed["retailer"], "Authorization": f"Bearer {token}"},
        ).json()
    app.webhooks.stop()
    assert len(body["data"]) == PAGE, len(body["data"])
    return dict(body)


def haravan_page() -> dict[str, Any]:
    app = create_haravan()
    base = "http://haravan.bench"
    with httpx.Client(base_url=base, transport=httpx.WSGITransport(app=app), timeout=30) as http:
        seed = http.post("/_emulator/seed", json={"preset": "demo", "seed": 1, "base_url": base}).json()
        missing = max(0, PAGE - int(seed["products"]))
        if missing:
            spec = {"products": missing, "variants_per_product": 4, "sku_prefix": "BENCH"}
            seed = http.post(
                "/_emulator/seed", json={"preset": "demo", "seed": 1, "base_url": base, "bulk": spec}
            ).json()
        products: list[Any] = []
        page = 1
        while len(products) < PAGE:
            body = http.get(
                f"/_emulator/shops/{seed['orgid']}/com/products.json", params={"page": page, "limit": 50}
            ).json()
            if not body["products"]:
                break
            products.extend(body["products"])
            page += 1
    app.webhooks.stop()
    assert len(products) >= PAGE, len(products)
    return {"products": products[:PAGE]}


def time_page(parse: Callable[[], object], runs: int, loops: int) -> float:
    """Median over ``runs`` of the mean time (ms) of one whole-page parse."""
    parse()  # warm up (first parse may build per-class plans)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(loops):
            parse()
        samples.append((time.perf_counter() - start) * 1000 / loops)
    return statistics.median(samples)


def describe(page: Mapping[str, Any], items: str, nested: tuple[str, ...]) -> str:
    rows = page[items]
    counts = ", ".join(f"{sum(len(r.get(k) or []) for r in rows)} {k}" for k in nested)
    return f"{len(rows)} {items} ({counts}; {len(json.dumps(page)) // 1024} KiB of JSON)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--loops", type=int, default=20)
    args = parser.parse_args(argv)

    kv = kiotviet_page()
    hv = haravan_page()
    kv_rows = kv["data"]
    hv_rows = hv["products"]

    def parse_kv() -> object:
        page = Page.from_wire(kv)
        return [KvProduct.from_wire(item) for item in page.items]

    def parse_hv() -> object:
        return [HvProduct.from_wire(item) for item in hv_rows]

    print(
        "KiotViet /products page:", describe(kv, "data", ("inventories", "attributes", "units", "priceBooks"))
    )
    print("Haravan /products.json page:", describe(hv, "products", ("variants", "images", "options")))
    kv_ms = time_page(parse_kv, args.runs, args.loops)
    hv_ms = time_page(parse_hv, args.runs, args.loops)
    print(
        f"kiotviet  Page + {len(kv_rows)} Product.from_wire: {kv_ms:7.3f} ms per page (median of {args.runs})"
    )
    print(
        f"haravan   {len(hv_rows)} Product.from_wire:        {hv_ms:7.3f} ms per page (median of {args.runs})"
    )
    print(json.dumps({"kiotviet_page_ms": round(kv_ms, 3), "haravan_page_ms": round(hv_ms, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
