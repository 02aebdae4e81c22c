"""Cross-cutting conventions (§2): case-insensitive keys, arrays, paging, sorting, dates, nulls."""

from __future__ import annotations

import re
from typing import Any

import httpx

from kiotsync.emulators.common import Clock

from .helpers import Api

LOCAL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}$")
OFFSET_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+07:00$")


def test_envelope_and_default_page_size(api: Api) -> None:
    env = api.ok("GET", "/products")
    assert list(env) == ["total", "pageSize", "data", "timestamp"]
    assert env["pageSize"] == 20 and len(env["data"]) == 20 and env["total"] >= 60
    assert OFFSET_DATE.match(env["timestamp"])


def test_page_size_is_capped_at_100_and_echoed(api: Api, http: httpx.Client) -> None:
    http.post("/_emulator/products/bulk", json={"products": 30, "variants_per_product": 4})
    env = api.ok("GET", "/products", params={"pageSize": 1000})
    assert env["pageSize"] == 100 and len(env["data"]) == 100 and env["total"] > 100


def test_current_item_is_an_offset_and_pages_do_not_overlap(api: Api) -> None:
    seen: list[int] = []
    offset = 0
    while True:
        env = api.ok("GET", "/products", params={"pageSize": 7, "currentItem": offset, "orderBy": "id"})
        seen.extend(p["id"] for p in env["data"])
        offset += 7
        if offset >= env["total"]:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == env["total"]


def test_order_by_and_direction(api: Api) -> None:
    asc = api.ok("GET", "/products", params={"orderBy": "basePrice", "pageSize": 100})["data"]
    prices = [p["basePrice"] for p in asc]
    assert prices == sorted(prices)
    desc = api.ok(
        "GET", "/products", params={"orderby": "BASEPRICE", "orderDirection": "desc", "pageSize": 100}
    )
    assert [p["basePrice"] for p in desc["data"]] == sorted(prices, reverse=True)
    by_code = api.ok("GET", "/products", params={"orderBy": "code", "orderDirection": "Desc", "pageSize": 5})[
        "data"
    ]
    codes = [p["code"].casefold() for p in by_code]
    assert codes == sorted(codes, reverse=True)


def test_query_keys_are_case_insensitive(api: Api) -> None:
    a = api.ok("GET", "/products", params={"includeInventory": "true", "pageSize": 2})
    b = api.ok("GET", "/products", params={"INCLUDEINVENTORY": "True", "PageSize": 2})
    assert "inventories" in a["data"][0] and "inventories" in b["data"][0]
    assert b["pageSize"] == 2


def test_route_literals_are_case_insensitive(api: Api) -> None:
    assert api.get("/productonhands").status_code == 200
    assert api.get("/PRODUCTS").status_code == 200


def test_array_parameters_in_every_form(api: Api) -> None:
    statuses = {o["status"] for o in api.all("/orders")}
    assert {1, 3, 4} <= statuses
    comma = api.ok("GET", "/orders", params={"status": "1,4", "pageSize": 100})
    repeated = api.request(
        "GET", "/orders", params=[("status", "1"), ("status", "4"), ("pageSize", "100")]
    ).json()
    brackets = api.ok("GET", "/orders", params={"status": "[1,4]", "pageSize": 100})
    suffixed = api.request("GET", "/orders", params=[("status[]", "1"), ("status[]", "4")]).json()
    for env in (comma, repeated, brackets, suffixed):
        assert {o["status"] for o in env["data"]} == {1, 4}
        assert env["total"] == comma["total"]


def test_json_body_keys_are_case_insensitive(api: Api) -> None:
    created = api.ok("POST", "/products", json={"NAME": "Áo chữ hoa", "BasePrice": 10000, "CODE": "HOA-01"})
    assert created["name"] == "Áo chữ hoa" and created["basePrice"] == 10000 and created["code"] == "HOA-01"
    hook = api.ok("POST", "/webhooks", json={"webhook": {"type": "stock.update", "url": "https://x.test/h"}})
    assert hook["type"] == "stock.update"


def test_entity_dates_are_local_with_seven_digits(api: Api) -> None:
    product = api.ok("GET", "/products", params={"pageSize": 1})["data"][0]
    assert LOCAL_DATE.match(product["createdDate"]) and LOCAL_DATE.match(product["modifiedDate"])
    assert product["createdDate"].endswith("0000")  # millisecond precision as in real captures
    order = api.ok("GET", "/orders", params={"pageSize": 1})["data"][0]
    assert LOCAL_DATE.match(order["purchaseDate"])


def test_local_time_is_utc_plus_seven(api: Api, http: httpx.Client, clock: Clock) -> None:
    import datetime as dt

    env = api.ok("GET", "/branches")
    stamp = dt.datetime.fromisoformat(env["timestamp"][:26] + env["timestamp"][27:])
    assert abs(stamp.timestamp() - clock.time()) < 60
    assert stamp.utcoffset() == dt.timedelta(hours=7)


def test_nulls_are_omitted(api: Api) -> None:
    products = api.all("/products")
    simple = next(p for p in products if p["name"] == "Ví da nam")
    assert "masterProductId" not in simple and "masterUnitId" not in simple and "barCode" in simple
    assert "attributes" not in simple and "units" not in simple
    without_barcode = [p for p in products if "barCode" not in p]
    assert without_barcode, "the demo shop has products without barcodes: their barCode is omitted"

    def no_nulls(value: Any) -> bool:
        if isinstance(value, dict):
            return all(v is not None and no_nulls(v) for v in value.values())
        if isinstance(value, list):
            return all(no_nulls(v) for v in value)
        return True

    assert no_nulls(products)
    assert no_nulls(api.all("/orders", includePayment="true", includeOrderDelivery="true"))
    assert no_nulls(api.all("/categories"))
    walk_in = next(o for o in api.all("/invoices") if "customerId" not in o)
    assert "customerName" not in walk_in


def test_unknown_routes_and_ids_use_the_error_envelope(api: Api) -> None:
    r = api.get("/khongco")
    assert r.status_code == 404 and r.json()["responseStatus"]["errorCode"] == "NotFound"
    r = api.get("/products/1")
    assert r.status_code == 404 and "responseStatus" in r.json()
    r = api.request("PATCH", "/products")
    assert r.status_code == 405


def test_invalid_json_and_values_are_400(api: Api) -> None:
    r = api.request("POST", "/products", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "responseStatus" in r.json()
    r = api.get("/products", lastModifiedFrom="hôm qua")
    assert r.status_code == 400
    r = api.get("/products", pageSize="abc")
    assert r.status_code == 400


def test_last_modified_from_is_inclusive_and_accepts_many_forms(api: Api, clock: Clock) -> None:
    import datetime as dt

    before = api.ok("GET", "/products", params={"pageSize": 1})["timestamp"]
    clock.advance(2)
    created = api.ok("POST", "/products", json={"name": "Hàng mới", "code": "MOI-1"})
    exact = created["modifiedDate"]
    as_utc = (dt.datetime.fromisoformat(exact[:26]) - dt.timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for since in (before, exact, exact[:19], exact[:10], as_utc, exact + "+07:00"):
        ids = [p["id"] for p in api.ok("GET", "/products", params={"lastModifiedFrom": since})["data"]]
        assert created["id"] in ids, since
    after = (dt.datetime.fromisoformat(exact[:26]) + dt.timedelta(milliseconds=1)).isoformat()
    assert created["id"] not in [
        p["id"] for p in api.ok("GET", "/products", params={"lastModifiedFrom": after})["data"]
    ]
    assert api.ok("GET", "/products", params={"lastModifiedFrom": "2999-01-01"})["total"] == 0
    # a "+" that arrived as a space (not URL-encoded) still parses
    raw = api.request("GET", "/products?lastModifiedFrom=" + before.replace("+", " ")).json()
    assert created["id"] in [p["id"] for p in raw["data"]]
