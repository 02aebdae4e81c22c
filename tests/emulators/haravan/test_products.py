"""Products, options, variants, handles, images; list filters, paging and ``fields``."""

from __future__ import annotations

from typing import Any

import httpx


def create(api: httpx.Client, **product: Any) -> dict[str, Any]:
    r = api.post("/com/products.json", json={"product": product})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()["product"]
    return body


def test_default_variant_and_option(api: httpx.Client) -> None:
    p = create(api, title="Đồng hồ đeo tay", body_html="<b>Đẹp</b>")
    assert [o["name"] for o in p["options"]] == ["Title"]
    assert len(p["variants"]) == 1
    v = p["variants"][0]
    assert v["title"] == "Default Title" and v["option1"] == "Default Title" and v["option2"] is None
    assert p["vendor"] == "Khác" and p["product_type"] == "Khác"
    assert p["handle"] == "dong-ho-deo-tay"
    assert p["body_plain"] == "Đẹp"
    assert p["published_at"] is not None and p["published_scope"] == "global"


def test_handles_fold_vietnamese_and_stay_unique(api: httpx.Client) -> None:
    handles = [create(api, title="Đầm Lụa Đỏ — Size Lớn!")["handle"] for _ in range(3)]
    assert handles == ["dam-lua-do-size-lon", "dam-lua-do-size-lon-1", "dam-lua-do-size-lon-2"]


def test_variant_titles_join_option_values(api: httpx.Client) -> None:
    p = create(
        api,
        title="Áo sơ mi",
        options=[{"name": "Màu"}, {"name": "Size"}],
        variants=[
            {"option1": "Đen", "option2": "S", "sku": "ASM-DS", "price": 200000},
            {"option1": "Đen", "option2": "M", "sku": "ASM-DM", "price": "210000"},
        ],
    )
    assert [v["title"] for v in p["variants"]] == ["Đen / S", "Đen / M"]
    assert [v["price"] for v in p["variants"]] == [200000.0, 210000.0]
    assert [o["position"] for o in p["options"]] == [1, 2]
    assert [v["position"] for v in p["variants"]] == [1, 2]


def test_limits_three_options_hundred_variants(api: httpx.Client) -> None:
    r = api.post(
        "/com/products.json",
        json={
            "product": {
                "title": "X",
                "options": [{"name": n} for n in "ABCD"],
                "variants": [{"option1": "1", "option2": "2", "option3": "3"}],
            }
        },
    )
    assert r.status_code == 422 and "options" in r.json()["errors"]
    variants = [{"option1": f"v{i}"} for i in range(101)]
    r = api.post("/com/products.json", json={"product": {"title": "Y", "variants": variants}})
    assert r.status_code == 422 and "variants" in r.json()["errors"]
    p = create(api, title="Z", variants=variants[:100])
    r = api.post(f"/com/products/{p['id']}/variants.json", json={"variant": {"option1": "v100"}})
    assert r.status_code == 422
    assert api.get("/com/products/count.json", params={"handle": "y"}).json() == {"count": 0}


def test_duplicate_option_values_and_missing_values_are_rejected(api: httpx.Client) -> None:
    r = api.post(
        "/com/products.json",
        json={"product": {"title": "D", "variants": [{"option1": "A"}, {"option1": "A"}]}},
    )
    assert r.status_code == 422 and "base" in r.json()["errors"]
    r = api.post(
        "/com/products.json",
        json={
            "product": {
                "title": "D",
                "options": [{"name": "Màu"}, {"name": "Size"}],
                "variants": [{"option1": "A"}],
            }
        },
    )
    assert r.status_code == 422 and "option2" in r.json()["errors"]


def test_unpublished_product(api: httpx.Client) -> None:
    p = create(api, title="Ẩn", published=False)
    assert p["published_at"] is None and p["published_scope"] == "pos"
    r = api.put(f"/com/products/{p['id']}.json", json={"product": {"id": p["id"], "published": True}})
    assert r.json()["product"]["published_at"] is not None


def test_put_updates_fields_and_inline_variants_keeping_omitted_ones(api: httpx.Client) -> None:
    p = create(
        api,
        title="Mũ",
        options=[{"name": "Màu"}],
        variants=[{"option1": "Đỏ", "sku": "M-1"}, {"option1": "Vàng", "sku": "M-2"}],
    )
    v1, v2 = p["variants"]
    r = api.put(
        f"/com/products/{p['id']}.json",
        json={
            "product": {
                "id": p["id"],
                "title": "Mũ bảo hiểm",
                "tags": "a, b,a",
                "variants": [
                    {"id": v1["id"], "price": 99000, "sku": "M-1b"},
                    {"option1": "Xanh", "sku": "M-3"},
                ],
            }
        },
    )
    assert r.status_code == 200, r.text
    q = r.json()["product"]
    assert q["title"] == "Mũ bảo hiểm" and q["handle"] == "mu"  # handle stays
    assert q["tags"] == "a,b"
    assert [v["sku"] for v in q["variants"]] == ["M-1b", "M-2", "M-3"]
    assert q["variants"][0]["price"] == 99000.0 and q["variants"][1]["id"] == v2["id"]
    assert q["updated_at"] >= p["updated_at"]
    # a 422 leaves no trace
    r = api.put(
        f"/com/products/{p['id']}.json", json={"product": {"title": "Changed", "variants": [{"id": 1}]}}
    )
    assert r.status_code == 422
    assert api.get(f"/com/products/{p['id']}.json").json()["product"]["title"] == "Mũ bảo hiểm"
    assert api.get("/com/products.json", params={"sku": "M-1"}).json()["products"] == []
    assert len(api.get("/com/products.json", params={"sku": "M-1b"}).json()["products"]) == 1


def test_variant_crud(api: httpx.Client) -> None:
    p = create(api, title="Ly", options=[{"name": "Cỡ"}], variants=[{"option1": "Nhỏ", "sku": "LY-S"}])
    r = api.post(
        f"/com/products/{p['id']}/variants.json",
        json={"variant": {"option1": "Lớn", "sku": "LY-L", "barcode": "893000"}},
    )
    assert r.status_code == 201
    v = r.json()["variant"]
    assert v["title"] == "Lớn" and v["product_id"] == p["id"] and v["position"] == 2
    assert api.get(f"/com/products/{p['id']}/variants/count.json").json() == {"count": 2}
    r = api.put(
        f"/com/variants/{v['id']}.json", json={"variant": {"id": v["id"], "option1": "Rất lớn", "price": 5}}
    )
    assert r.json()["variant"]["title"] == "Rất lớn"
    assert api.get(f"/com/variants/{v['id']}.json").json()["variant"]["price"] == 5.0
    r = api.put(f"/com/variants/{v['id']}.json", json={"variant": {"option1": "Nhỏ"}})
    assert r.status_code == 422
    assert api.delete(f"/com/products/{p['id']}/variants/{v['id']}.json").json() == []
    assert api.get(f"/com/variants/{v['id']}.json").status_code == 404
    only = p["variants"][0]["id"]
    assert api.delete(f"/com/products/{p['id']}/variants/{only}.json").status_code == 422


def test_images_crud_and_variant_links(api: httpx.Client) -> None:
    p = create(
        api,
        title="Gối",
        options=[{"name": "Màu"}],
        variants=[{"option1": "Trắng"}, {"option1": "Xám"}],
        images=[{"src": "https://cdn.example/a.jpg"}],
    )
    v_white = p["variants"][0]["id"]
    assert p["images"][0]["filename"] == "a.jpg" and p["images"][0]["position"] == 1
    r = api.post(
        f"/com/products/{p['id']}/images.json",
        json={"image": {"src": "https://cdn.example/b.jpg", "position": 1, "variant_ids": [v_white]}},
    )
    assert r.status_code == 201
    img = r.json()["image"]
    assert img["position"] == 1 and img["variant_ids"] == [v_white]
    assert api.get(f"/com/variants/{v_white}.json").json()["variant"]["image_id"] == img["id"]
    assert api.get(f"/com/products/{p['id']}/images/count.json").json() == {"count": 2}
    r = api.put(f"/com/products/{p['id']}/images/{img['id']}.json", json={"image": {"position": 2}})
    assert r.json()["image"]["position"] == 2
    assert api.delete(f"/com/products/{p['id']}/images/{img['id']}.json").status_code == 200
    assert api.get(f"/com/variants/{v_white}.json").json()["variant"]["image_id"] is None
    assert [i["position"] for i in api.get(f"/com/products/{p['id']}/images.json").json()["images"]] == [1]


def test_delete_cascades(api: httpx.Client) -> None:
    p = create(api, title="Bút", variants=[{"option1": "Xanh", "sku": "BUT-X"}])
    vid = p["variants"][0]["id"]
    assert api.delete(f"/com/products/{p['id']}.json").json() == []
    assert api.get(f"/com/products/{p['id']}.json").status_code == 404
    assert api.get(f"/com/variants/{vid}.json").status_code == 404
    assert api.get("/com/inventory_locations.json", params={"variant_ids": str(vid)}).json() == {
        "inventory_locations": []
    }
    assert create(api, title="Bút")["handle"] == "but"  # the handle is free again


def test_tags_endpoints(api: httpx.Client) -> None:
    p = create(api, title="Kẹo", tags="VIP")
    r = api.post(f"/com/products/{p['id']}/tags.json", json={"tags": "a1,a2"})
    assert r.json() == {"tags": "VIP,a1,a2"}
    r = api.request("DELETE", f"/com/products/{p['id']}/tags.json", json={"tags": "a1,VIP"})
    assert r.json() == {"tags": "a2"}


def test_list_filters_paging_and_fields(api: httpx.Client) -> None:
    all_ids = [p["id"] for p in api.get("/com/products.json", params={"limit": 250}).json()["products"]]
    assert len(all_ids) == 15 and all_ids == sorted(all_ids)
    page1 = api.get("/com/products.json", params={"limit": 4, "page": 1}).json()["products"]
    page4 = api.get("/com/products.json", params={"limit": 4, "page": 4}).json()["products"]
    assert [p["id"] for p in page1] == all_ids[:4] and len(page4) == 3
    since = api.get("/com/products.json", params={"since_id": all_ids[-3]}).json()["products"]
    assert [p["id"] for p in since] == all_ids[-2:]
    ids = api.get("/com/products.json", params={"ids": f"{all_ids[0]},{all_ids[5]}"}).json()["products"]
    assert [p["id"] for p in ids] == [all_ids[0], all_ids[5]]
    slim = api.get("/com/products.json", params={"fields": "id,title", "limit": 1}).json()
    assert set(slim["products"][0]) == {"id", "title"}
    by_sku = api.get("/com/products.json", params={"sku": "ATCB-DEN-S"}).json()["products"]
    assert [p["title"] for p in by_sku] == ["Áo thun cotton basic"]
    by_type = api.get("/com/products/count.json", params={"product_type": "Phụ kiện"}).json()
    assert by_type == {"count": 4}
    assert (
        api.get("/com/products.json", params={"handle": "mu-luoi-trai-tron"}).json()["products"][0]["title"]
        == "Mũ lưỡi trai trơn"
    )
    single = api.get(f"/com/products/{all_ids[0]}.json", params={"fields": "id,handle"}).json()
    assert single == {"product": {"id": all_ids[0], "handle": "ao-thun-cotton-basic"}}


def test_updated_at_filter_sees_changes(api: httpx.Client, clock: Any) -> None:
    p = api.get("/com/products.json", params={"limit": 1}).json()["products"][0]
    before = api.get("/_emulator/clock").json()["iso"]
    clock.advance(60)
    mark = api.get("/_emulator/clock").json()["iso"]
    api.put(f"/com/products/{p['id']}.json", json={"product": {"id": p["id"], "body_html": "<p>mới</p>"}})
    changed = api.get("/com/products.json", params={"updated_at_min": mark}).json()["products"]
    assert [x["id"] for x in changed] == [p["id"]]
    assert api.get("/com/products/count.json", params={"updated_at_max": before}).json()["count"] == 14
