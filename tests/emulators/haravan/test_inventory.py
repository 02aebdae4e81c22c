"""Stock per location: inventory_locations reads, adjustorset writes, adjustment history."""

from __future__ import annotations

from typing import Any

import httpx


def balances(api: httpx.Client, variant_id: int) -> dict[int, dict[str, Any]]:
    rows = api.get("/com/inventory_locations.json", params={"variant_ids": str(variant_id)}).json()
    return {r["loc_id"]: r for r in rows["inventory_locations"]}


def new_variant(api: httpx.Client, sku: str, tracked: bool = True) -> dict[str, Any]:
    r = api.post(
        "/com/products.json",
        json={
            "product": {
                "title": f"Hàng {sku}",
                "variants": [{"sku": sku, "inventory_management": "haravan" if tracked else None}],
            }
        },
    )
    v: dict[str, Any] = r.json()["product"]["variants"][0]
    return v


def adjust(
    api: httpx.Client, location_id: int, lines: list[dict[str, Any]], kind: str | None = None
) -> httpx.Response:
    inv: dict[str, Any] = {"location_id": location_id, "line_items": lines, "note": "sync"}
    if kind:
        inv["type"] = kind
    return api.post("/com/inventories/adjustorset.json", json={"inventory": inv})


def test_set_and_adjust_keep_available_equal_onhand_minus_committed(
    api: httpx.Client, shop: dict[str, Any]
) -> None:
    loc_a, loc_b = (loc["id"] for loc in shop["locations"])
    v = new_variant(api, "INV-1")
    assert set(balances(api, v["id"])) == {loc_a, loc_b}
    r = adjust(
        api, loc_a, [{"product_id": v["product_id"], "product_variant_id": v["id"], "quantity": 12}], "set"
    )
    assert r.status_code == 200, r.text
    adj = r.json()["inventory"]
    assert adj["adjust_number"].startswith("IA") and adj["type"] == "set"
    assert adj["line_items"][0]["quantity"] == 12 and adj["line_items"][0]["sku"] == "INV-1"
    adjust(api, loc_a, [{"product_variant_id": v["id"], "quantity": -5}])  # default type: adjust
    adjust(api, loc_b, [{"product_variant_id": v["id"], "quantity": 3}])
    rows = balances(api, v["id"])
    assert rows[loc_a]["qty_onhand"] == 7 and rows[loc_b]["qty_onhand"] == 3
    order = api.post(
        "/com/orders.json",
        json={"order": {"line_items": [{"variant_id": v["id"], "quantity": 9}], "location_id": loc_a}},
    )
    assert order.status_code == 201
    rows = balances(api, v["id"])
    assert rows[loc_a]["qty_commited"] == 9 and rows[loc_a]["qty_available"] == -2
    for row in rows.values():
        assert row["qty_available"] == row["qty_onhand"] - row["qty_commited"]
    # set overwrites ON-HAND; committed stock is untouched
    adjust(api, loc_a, [{"product_variant_id": v["id"], "quantity": 20}], "set")
    rows = balances(api, v["id"])
    assert (rows[loc_a]["qty_onhand"], rows[loc_a]["qty_commited"], rows[loc_a]["qty_available"]) == (
        20,
        9,
        11,
    )
    variant = api.get(f"/com/variants/{v['id']}.json").json()["variant"]
    assert variant["inventory_quantity"] == 11 + 3
    assert variant["inventory_advance"] == {
        "qty_available": 14,
        "qty_onhand": 23,
        "qty_commited": 9,
        "qty_incoming": 0,
    }


def test_untracked_variant_has_no_inventory_advance(api: httpx.Client) -> None:
    v = new_variant(api, "INV-U", tracked=False)
    assert v["inventory_management"] is None and v["inventory_advance"] is None


def test_validation(api: httpx.Client, shop: dict[str, Any]) -> None:
    loc = shop["locations"][0]["id"]
    v = new_variant(api, "INV-2")
    line = {"product_variant_id": v["id"], "quantity": 1}
    assert adjust(api, loc, [line] * 100).status_code == 200
    r = adjust(api, loc, [line] * 101)
    assert r.status_code == 422 and "line_items" in r.json()["errors"]
    assert adjust(api, loc, []).status_code == 422
    assert adjust(api, 1, [line]).status_code == 422
    assert adjust(api, loc, [{"product_variant_id": 1, "quantity": 1}]).status_code == 422
    assert adjust(api, loc, [line], "replace").status_code == 422
    # a rejected batch changes nothing, even for its valid lines
    before = balances(api, v["id"])[loc]["qty_onhand"]
    assert adjust(api, loc, [line, {"product_variant_id": 1, "quantity": 1}]).status_code == 422
    assert balances(api, v["id"])[loc]["qty_onhand"] == before == 100


def test_list_filters(api: httpx.Client, shop: dict[str, Any], clock: Any) -> None:
    loc_a, loc_b = (loc["id"] for loc in shop["locations"])
    everything = api.get("/com/inventory_locations.json").json()["inventory_locations"]
    variants = api.get("/_emulator/shops/" + shop["orgid"]).json()["variants"]
    assert len(everything) == min(250, 2 * variants)
    only_b = api.get("/com/inventory_locations.json", params={"location_ids": str(loc_b), "limit": 5}).json()
    assert len(only_b["inventory_locations"]) == 5 and {
        r["loc_id"] for r in only_b["inventory_locations"]
    } == {loc_b}
    too_many = ",".join(str(i) for i in range(1, 52))
    assert api.get("/com/inventory_locations.json", params={"variant_ids": too_many}).status_code == 422
    assert api.get("/com/inventory_locations.json", params={"location_ids": too_many}).status_code == 422
    clock.advance(30)
    mark = api.get("/_emulator/clock").json()["iso"]
    v = new_variant(api, "INV-3")
    adjust(api, loc_a, [{"product_variant_id": v["id"], "quantity": 4}])
    fresh = api.get("/com/inventory_locations.json", params={"updated_at_min": mark}).json()[
        "inventory_locations"
    ]
    assert {r["variant_id"] for r in fresh} == {v["id"]}
    desc = api.get(
        "/com/inventory_locations.json", params={"order": "id", "direction": "desc", "limit": 3}
    ).json()
    ids = [r["id"] for r in desc["inventory_locations"]]
    assert ids == sorted(ids, reverse=True)
    since = api.get("/com/inventory_locations.json", params={"since_id": ids[1]}).json()[
        "inventory_locations"
    ]
    assert [r["id"] for r in since] == [ids[0]]


def test_adjustment_history(api: httpx.Client, shop: dict[str, Any]) -> None:
    loc_a, loc_b = (loc["id"] for loc in shop["locations"])
    v = new_variant(api, "INV-4")
    first = adjust(api, loc_a, [{"product_variant_id": v["id"], "quantity": 5}]).json()["inventory"]
    second = adjust(api, loc_b, [{"product_variant_id": v["id"], "quantity": 2}], "set").json()["inventory"]
    assert int(second["adjust_number"][2:]) == int(first["adjust_number"][2:]) + 1
    assert api.get("/com/inventories/adjustments/count.json").json()["count"] >= 2
    at_b = api.get("/com/inventories/adjustments.json", params={"location_id": loc_b}).json()["adjustments"]
    assert [a["id"] for a in at_b] == [second["id"]]
    one = api.get(f"/com/inventories/adjustments/{first['id']}.json").json()["adjustment"]
    assert one["total_quantity"] == 5 and one["location_id"] == loc_a


def test_variant_inventory_quantity_write_lands_on_the_primary_location(
    api: httpx.Client, shop: dict[str, Any]
) -> None:
    primary = next(loc["id"] for loc in shop["locations"] if loc["is_primary"])
    r = api.post(
        "/com/products.json",
        json={
            "product": {
                "title": "Q",
                "variants": [{"sku": "Q1", "inventory_management": "haravan", "inventory_quantity": 6}],
            }
        },
    )
    v = r.json()["product"]["variants"][0]
    assert v["inventory_quantity"] == 6 and balances(api, v["id"])[primary]["qty_onhand"] == 6
    r = api.put(f"/com/variants/{v['id']}.json", json={"variant": {"inventory_quantity": 10}})
    body = r.json()["variant"]
    assert body["inventory_quantity"] == 10 and body["old_inventory_quantity"] == 6
    assert body["inventory_quantity_adjustment"] == 4
