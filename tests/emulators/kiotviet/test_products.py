"""Products (§3.4): model (variants, units, combos, services), filters, CRUD, bulk, deltas."""

from __future__ import annotations

from typing import Any

import httpx

from kiotsync.emulators.common import Clock

from .helpers import Api, ctl


def _by_name(products: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [p for p in products if p["name"] == name]


def test_demo_catalogue_has_every_kind(api: Api) -> None:
    products = api.all("/products", includeInventory="true")
    assert len(products) >= 60
    assert any(p["type"] == 1 for p in products) and any(p["type"] == 3 for p in products)
    assert any(p["isActive"] is False for p in products)
    assert any("images" in p for p in products) and any("images" not in p for p in products)
    assert any("barCode" in p for p in products) and any("barCode" not in p for p in products)
    assert all(len(p["barCode"]) <= 16 for p in products if "barCode" in p)


def test_variant_group_shape(api: Api) -> None:
    group = _by_name(api.all("/products"), "Áo thun cotton basic")
    assert len(group) == 9 and all(p["hasVariants"] for p in group)
    masters = [p for p in group if "masterProductId" not in p]
    assert len(masters) == 1
    master = masters[0]
    assert all(p["masterProductId"] == master["id"] for p in group if p is not master)
    some = next(p for p in group if p["fullName"] == "Áo thun cotton basic - Đen - M")
    assert some["attributes"] == [
        {"productId": some["id"], "attributeName": "Màu sắc", "attributeValue": "Đen"},
        {"productId": some["id"], "attributeName": "Kích thước", "attributeValue": "M"},
    ]
    family = api.ok("GET", "/products", params={"masterProductId": master["id"], "pageSize": 100})
    assert {p["id"] for p in family["data"]} == {p["id"] for p in group}


def test_create_variant_through_the_api(api: Api) -> None:
    group = _by_name(api.all("/products"), "Quần jean slim fit")
    member = next(p for p in group if "masterProductId" in p)
    created = api.ok(
        "POST",
        "/products",
        json={
            "name": "Quần jean slim fit",
            "code": "QJSF-33",
            "hasVariants": True,
            "masterProductId": member["id"],  # a sibling, not the master: resolved to the master
            "attributes": [{"attributeName": "Kích thước", "attributeValue": "33"}],
            "basePrice": 459000,
        },
    )
    assert created["masterProductId"] == member["masterProductId"]
    assert created["fullName"] == "Quần jean slim fit - 33" and created["hasVariants"] is True
    catalogue = api.ok("GET", "/attributes/allwithdistinctvalue")
    sizes = next(a for a in catalogue if a["name"] == "Kích thước")
    assert "33" in [v["value"] for v in sizes["attributeValues"]]
    assert all(v["attributeId"] == sizes["id"] for v in sizes["attributeValues"])
    new_attr = api.ok(
        "POST",
        "/products",
        json={"name": "Mũ len", "attributes": [{"attributeName": "Chất liệu", "attributeValue": "Len"}]},
    )
    assert new_attr["fullName"] == "Mũ len - Len"
    assert any(a["name"] == "Chất liệu" for a in api.ok("GET", "/attributes/allwithdistinctvalue"))


def test_units_family(api: Api, creds: dict[str, Any]) -> None:
    beer = _by_name(api.all("/products", includeInventory="true"), "Bia Tiger lon 330ml")
    base = next(p for p in beer if "masterUnitId" not in p)
    case = next(p for p in beer if p.get("masterUnitId") == base["id"])
    assert base["conversionValue"] == 1 and case["conversionValue"] == 24
    assert base["units"] == [
        {
            "id": case["id"],
            "code": case["code"],
            "name": case["name"],
            "fullName": "Bia Tiger lon 330ml - Thùng",
            "unit": "Thùng",
            "conversionValue": 24,
            "basePrice": case["basePrice"],
        }
    ]
    assert base["fullName"] == "Bia Tiger lon 330ml - Lon"
    branch = creds["branches"][0]["id"]
    lon = next(i for i in base["inventories"] if i["branchId"] == branch)
    thung = next(i for i in case["inventories"] if i["branchId"] == branch)
    assert thung["onHand"] == round(lon["onHand"] / 24, 3)
    family = api.ok("GET", "/products", params={"masterUnitId": base["id"]})
    assert {p["id"] for p in family["data"]} == {base["id"], case["id"]}


def test_stock_take_on_a_unit_row_writes_base_units(api: Api, creds: dict[str, Any]) -> None:
    beer = _by_name(api.all("/products"), "Nước suối Aquafina 500ml")
    base = next(p for p in beer if "masterUnitId" not in p)
    case = next(p for p in beer if "masterUnitId" in p)
    branch = creds["branches"][1]["id"]
    api.ok("PUT", f"/products/{case['id']}", json={"inventories": [{"branchId": branch, "onHand": 2}]})
    assert api.stock(base["code"], branch)["onHand"] == 48
    assert api.stock(case["code"], branch)["onHand"] == 2


def test_create_unit_row_via_api(api: Api) -> None:
    base = api.ok(
        "POST", "/products", json={"name": "Nước tăng lực", "code": "NTL", "unit": "Chai", "basePrice": 12000}
    )
    row = api.ok(
        "POST",
        "/products",
        json={
            "masterUnitId": base["id"],
            "unit": "Lốc",
            "conversionValue": 6,
            "basePrice": 70000,
            "code": "NTL-LOC",
        },
    )
    assert (
        row["masterUnitId"] == base["id"]
        and row["name"] == "Nước tăng lực"
        and row["fullName"] == "Nước tăng lực - Lốc"
    )
    again = api.product("NTL")
    assert [u["code"] for u in again["units"]] == ["NTL-LOC"]
    dup = api.request(
        "POST", "/products", json={"masterUnitId": base["id"], "unit": "lốc", "conversionValue": 12}
    )
    assert dup.status_code == 400
    bad = api.request(
        "POST", "/products", json={"masterUnitId": base["id"], "unit": "Thùng", "conversionValue": 0}
    )
    assert bad.status_code == 400


def test_combo_and_service(api: Api, creds: dict[str, Any]) -> None:
    products = api.all("/products", includeMaterial="true", includeInventory="true")
    combo = next(p for p in products if p["type"] == 1)
    assert [f["materialCode"] for f in combo["productFormulas"]] == [
        "ATCB-TRA-M",
        next(p["code"] for p in products if p["name"] == "Mũ lưỡi trai trơn"),
    ]
    branch = creds["branches"][0]["id"]
    tee = api.stock("ATCB-TRA-M", branch)
    cap_code = combo["productFormulas"][1]["materialCode"]
    cap = api.stock(cap_code, branch)
    combo_stock = next(i for i in combo["inventories"] if i["branchId"] == branch)
    assert combo_stock["onHand"] == min(tee["onHand"], cap["onHand"])
    service = next(p for p in products if p["type"] == 3)
    assert service["inventories"] == []
    without = api.ok("GET", "/products", params={"pageSize": 100, "productType": 1})
    assert [p["id"] for p in without["data"]] == [combo["id"]] and "productFormulas" not in without["data"][0]
    r = api.request("POST", "/products", json={"name": "Combo rỗng", "type": 1})
    assert r.status_code == 400


def test_filters(api: Api, creds: dict[str, Any]) -> None:
    products = api.all("/products")
    fashion_id = next(
        c["categoryId"]
        for c in api.ok("GET", "/categories", params={"pageSize": 100})["data"]
        if c["categoryName"] == "Thời trang"
    )
    fashion = api.all("/products", categoryId=fashion_id)
    assert fashion and any(p["categoryName"] == "Áo thun" for p in fashion)  # descendants included
    inactive = api.all("/products", isActive="false")
    assert [p["name"] for p in inactive] == ["Áo khoác gió 2023"]
    assert len(api.all("/products", isActive="true")) == len(products) - 1
    services = api.all("/products", productType=3)
    assert {p["name"] for p in services} == {"Gói quà tặng", "Lên lai quần"}
    named = api.all("/products", name="BIA")
    assert named and all("bia" in p["name"].casefold() for p in named)
    brand = next(p for p in products if p.get("tradeMarkName") == "Coolmate")
    assert all(
        p.get("tradeMarkId") == brand["tradeMarkId"]
        for p in api.all("/products", tradeMarkId=brand["tradeMarkId"])
    )
    branch = creds["branches"][2]["id"]
    one_branch = api.ok("GET", "/products", params={"includeInventory": True, "BranchIds": branch})["data"]
    assert all([i["branchId"] for i in p["inventories"]] == [branch] for p in one_branch if p["type"] != 3)


def test_include_flags(api: Api) -> None:
    plain = api.ok("GET", "/products", params={"pageSize": 100})["data"]
    assert not any(k in plain[0] for k in ("inventories", "priceBooks", "minQuantity", "productSerials"))
    rich = api.ok(
        "GET",
        "/products",
        params={
            "pageSize": 100,
            "includePricebook": "true",
            "includeQuantity": "true",
            "IncludeSerials": "true",
            "IncludeBatchExpires": "true",
            "includeWarranties": "true",
            "IncludeProductShelves": "true",
        },
    )["data"]
    assert all(p["productSerials"] == [] and p["productBatchExpires"] == [] for p in rich)
    assert all("minQuantity" in p and "productShelves" in p and "productWarranties" in p for p in rich)
    priced = [p for p in rich if p["priceBooks"]]
    assert priced and {"priceBookId", "priceBookName", "price", "startDate", "endDate", "isActive"} <= set(
        priced[0]["priceBooks"][0]
    )


def test_soft_deleted_attributes(api: Api) -> None:
    p = api.product("TTCV-KEM-S")
    api.ok(
        "PUT",
        f"/products/{p['id']}",
        json={"attributes": [{"attributeName": "Màu sắc", "attributeValue": "Kem"}]},
    )
    default = api.product("TTCV-KEM-S")
    assert [a["attributeValue"] for a in default["attributes"]] == [
        "Kem",
        "S",
    ]  # "S" soft-deleted, still listed
    hidden = api.ok("GET", "/products/code/TTCV-KEM-S", params={"includeSoftDeletedAttribute": "false"})
    assert [a["attributeValue"] for a in hidden["attributes"]] == ["Kem"]
    assert hidden["fullName"] == "Túi tote canvas - Kem"


def test_get_by_id_and_code_forms(api: Api) -> None:
    p = api.product("ATCB-DEN-L")
    assert {"inventories", "priceBooks"} <= set(p)
    assert api.ok("GET", f"/products/{p['id']}")["code"] == "ATCB-DEN-L"
    assert api.ok("GET", "/products/code/atcb-den-l")["id"] == p["id"]
    assert api.ok("GET", "/products/code", params={"Id": 0, "Code": "ATCB-DEN-L"})["id"] == p["id"]
    assert api.get("/products/code/KHONG-CO").status_code == 404
    slash = api.ok("POST", "/products", json={"name": "Mã có gạch", "code": "A/B 1"})
    assert api.ok("GET", "/products/code/A%2FB%201")["id"] == slash["id"]


def test_create_defaults_and_validation(api: Api, creds: dict[str, Any]) -> None:
    branch = creds["branches"][0]["id"]
    p = api.ok(
        "POST",
        "/products",
        json={
            "name": "Không mã",
            "basePrice": 1000,
            "inventories": [{"branchId": branch, "onHand": 5, "cost": 700}],
        },
    )
    assert p["code"].startswith("SP") and len(p["code"]) == 8 and p["code"][2:].isdigit()
    assert p["type"] == 2 and p["isActive"] is True and p["allowsSale"] is True
    stock = next(i for i in p["inventories"] if i["branchId"] == branch)
    assert stock["onHand"] == 5 and stock["cost"] == 700
    assert len(p["inventories"]) == 3
    q = api.ok("POST", "/products", json={"name": "Không mã 2"})
    assert int(q["code"][2:]) == int(p["code"][2:]) + 1
    assert api.request("POST", "/products", json={"basePrice": 1}).status_code == 400
    r = api.request("POST", "/products", json={"name": "x", "inventories": [{"branchId": 1, "onHand": 1}]})
    assert r.status_code == 400


def test_duplicate_code_and_barcode_rejected(api: Api) -> None:
    existing = api.product("ATCB-TRA-S")
    r = api.request("POST", "/products", json={"name": "Trùng", "code": "atcb-tra-s"})
    assert r.status_code == 400
    message = r.json()["responseStatus"]["message"]
    assert "atcb-tra-s" in message and "đã tồn tại" in message
    r = api.request("POST", "/products", json={"name": "Trùng vạch", "barCode": existing["barCode"]})
    assert r.status_code == 400 and "Mã vạch" in r.json()["responseStatus"]["message"]
    r = api.request("POST", "/products", json={"name": "Dài", "barCode": "1" * 17})
    assert r.status_code == 400
    ok = api.request("POST", "/products", json={"name": "Vừa", "barCode": "1" * 16, "code": "VUA"})
    assert ok.status_code == 200
    other = api.product("ATCB-TRA-M")
    r = api.request("PUT", f"/products/{other['id']}", json={"code": "ATCB-TRA-S"})
    assert r.status_code == 400
    api.ok("PUT", f"/products/{other['id']}", json={"code": "ATCB-TRA-M"})  # its own code is fine


def test_update_fields_and_inventories(api: Api, creds: dict[str, Any]) -> None:
    p = api.product("ATCB-XAN-L")
    branch = creds["branches"][2]["id"]
    updated = api.ok(
        "PUT",
        f"/products/{p['id']}",
        json={
            "name": "Áo thun cotton basic mới",
            "basePrice": 159000,
            "isActive": False,
            "description": "<b>mới</b>",
            "images": ["https://cdn.example/x.jpg"],
            "inventories": [{"branchId": branch, "onHand": 77}],
        },
    )
    assert updated["name"] == "Áo thun cotton basic mới" and updated["basePrice"] == 159000
    assert updated["isActive"] is False and updated["images"] == ["https://cdn.example/x.jpg"]
    assert next(i for i in updated["inventories"] if i["branchId"] == branch)["onHand"] == 77
    assert api.get("/products/999").status_code == 404


def test_delete_tombstones_and_delta(api: Api, clock: Clock) -> None:
    cursor = api.ok("GET", "/products", params={"pageSize": 1})["timestamp"]
    clock.advance(1)
    victim = api.product("SP000010")
    assert api.ok("DELETE", f"/products/{victim['id']}") == {"message": "Xóa dữ liệu thành công"}
    changed = api.product("ATCB-TRA-L")
    api.ok("PUT", f"/products/{changed['id']}", json={"basePrice": 1})
    env = api.ok("GET", "/products", params={"lastModifiedFrom": cursor, "includeRemoveIds": "true"})
    assert env["removedIds"] == [victim["id"]]
    assert [p["id"] for p in env["data"]] == [changed["id"]]
    assert "removedIds" not in api.ok("GET", "/products", params={"lastModifiedFrom": cursor})
    assert api.get(f"/products/{victim['id']}").status_code == 404
    assert api.get(f"/products/code/{victim['code']}").status_code == 404
    # the code is free again
    assert (
        api.ok("POST", "/products", json={"name": "Tái dùng mã", "code": victim["code"]})["id"]
        != victim["id"]
    )


def test_delete_rules_for_families(api: Api) -> None:
    beer = _by_name(api.all("/products"), "Coca-Cola lon 320ml")
    base = next(p for p in beer if "masterUnitId" not in p)
    api.ok("DELETE", f"/products/{base['id']}")
    assert all(api.get(f"/products/{p['id']}").status_code == 404 for p in beer)  # unit rows go along
    group = _by_name(api.all("/products"), "Quần jean slim fit")
    master = next(p for p in group if "masterProductId" not in p)
    api.ok("DELETE", f"/products/{master['id']}")
    rest = _by_name(api.all("/products"), "Quần jean slim fit")
    new_masters = [p for p in rest if "masterProductId" not in p]
    assert len(rest) == 3 and len(new_masters) == 1
    assert all(p.get("masterProductId") == new_masters[0]["id"] for p in rest if p is not new_masters[0])
    tee = api.product("ATCB-TRA-M")
    r = api.request("DELETE", f"/products/{tee['id']}")
    assert r.status_code == 400 and "combo" in r.json()["responseStatus"]["message"]


def test_bulk_add_and_update(api: Api) -> None:
    body = {
        "listProducts": [
            {"code": "BULK-1", "name": "Hàng loạt 1", "basePrice": 1000},
            {"code": "BULK-2", "name": "Hàng loạt 2", "basePrice": 2000, "branchId": 1},
        ]
    }
    assert api.ok("POST", "/listaddproducts", json=body) == {
        "message": "Thêm mới danh sách sản phẩm thành công"
    }
    b1, b2 = api.product("BULK-1"), api.product("BULK-2")
    r = api.request(
        "POST",
        "/listaddproducts",
        json={"listProducts": [{"code": "BULK-3", "name": "a"}, {"code": "bulk-3", "name": "b"}]},
    )
    assert r.status_code == 400 and api.get("/products/code/BULK-3").status_code == 404  # whole batch refused
    upd = {"listProducts": [{"id": b1["id"], "basePrice": 1500}, {"id": b2["id"], "name": "Hàng loạt hai"}]}
    assert api.ok("PUT", "/listupdatedproducts", json=upd) == {
        "message": "Cập nhật danh sách sản phẩm thành công"
    }
    assert api.product("BULK-1")["basePrice"] == 1500 and api.product("BULK-2")["name"] == "Hàng loạt hai"


def test_product_on_hands_tracks_stock_moves_only(
    api: Api, http: httpx.Client, clock: Clock, creds: dict[str, Any]
) -> None:
    env = api.ok("GET", "/productOnHands", params={"pageSize": 3})
    row = env["data"][0]
    assert set(row) == {"id", "code", "createdDate", "modifiedDate", "inventories"}
    assert set(row["inventories"][0]) == {"branchId", "onHand", "reserved"}
    cursor = env["timestamp"]
    clock.advance(1)
    ctl(http, "POST", "/stock", {"code": "SP000009", "branch_id": creds["branches"][0]["id"], "on_hand": 3})
    moved = api.ok("GET", "/productOnHands", params={"lastModifiedFrom": cursor})
    assert [r["code"] for r in moved["data"]] == ["SP000009"]
    # a stock move alone does not change the product's own modifiedDate
    assert api.ok("GET", "/products", params={"lastModifiedFrom": cursor})["total"] == 0
    only = api.ok(
        "GET", "/productOnHands", params={"lastModifiedFrom": cursor, "branchIds": creds["branches"][0]["id"]}
    )
    assert only["data"][0]["inventories"] == [
        {"branchId": creds["branches"][0]["id"], "onHand": 3, "reserved": 0}
    ]


def test_list_of_100_with_inventories_is_fast(api: Api, http: httpx.Client) -> None:
    import time

    http.post("/_emulator/products/bulk", json={"products": 25, "variants_per_product": 4})
    api.get("/products", pageSize=100, includeInventory="true")  # warm up
    started = time.perf_counter()
    for _ in range(5):
        r = api.get("/products", pageSize=100, includeInventory="true", includePricebook="true")
        assert r.status_code == 200
    per_call = (time.perf_counter() - started) / 5
    assert per_call < 0.25, f"{per_call * 1000:.1f} ms per 100-product page"  # generous; typically a few ms
