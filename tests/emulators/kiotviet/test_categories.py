"""Categories ("Nhóm hàng", §3.3): flat list, tree, CRUD and the doc's rules."""

from __future__ import annotations

from kiotsync.emulators.common import Clock

from .helpers import Api


def _create(api: Api, name: str, parent: int | None = None) -> dict:  # type: ignore[type-arg]
    body = {"categoryName": name} if parent is None else {"categoryName": name, "parentId": parent}
    r = api.ok("POST", "/categories", json=body)
    assert r["message"] == "Cập nhật dữ liệu thành công"
    return dict(r["data"])


def test_flat_list_is_alphabetical_with_removed_ids(api: Api) -> None:
    env = api.ok("GET", "/categories", params={"pageSize": 100})
    names = [c["categoryName"].casefold() for c in env["data"]]
    assert names == sorted(names)
    assert "removedIds" in env  # documented even without the flag
    roots = [c for c in env["data"] if "parentId" not in c]
    assert roots and all("children" not in c for c in env["data"])
    assert {"categoryId", "categoryName", "retailerId", "createdDate", "rank", "hasChild"} <= set(
        env["data"][0]
    )


def test_tree_has_three_levels(api: Api) -> None:
    env = api.ok("GET", "/categories", params={"hierachicalData": "true", "pageSize": 100})
    tree = env["data"]
    assert all("parentId" not in root for root in tree)
    fashion = next(c for c in tree if c["categoryName"] == "Thời trang")
    tops = next(c for c in fashion["children"] if c["categoryName"] == "Áo")
    assert {c["categoryName"] for c in tops["children"]} == {"Áo thun", "Áo sơ mi", "Áo khoác"}
    assert tops["parentId"] == fashion["categoryId"] and tops["hasChild"] is True

    def walk(nodes: list[dict]) -> list[int]:  # type: ignore[type-arg]
        return [n["categoryId"] for n in nodes] + [i for n in nodes for i in walk(n.get("children", []))]

    flat = api.ok("GET", "/categories", params={"pageSize": 100})["data"]
    assert sorted(walk(tree)) == sorted(c["categoryId"] for c in flat)


def test_get_one_is_wrapped_in_data(api: Api) -> None:
    cat = _create(api, "Đồ chơi")
    got = api.ok("GET", f"/categories/{cat['categoryId']}")
    assert got["data"]["categoryName"] == "Đồ chơi" and got["data"]["children"] == []


def test_depth_is_limited_to_three(api: Api) -> None:
    a = _create(api, "Cấp 1")
    b = _create(api, "Cấp 2", a["categoryId"])
    c = _create(api, "Cấp 3", b["categoryId"])
    r = api.request("POST", "/categories", json={"categoryName": "Cấp 4", "parentId": c["categoryId"]})
    assert r.status_code == 400 and "3 cấp" in r.json()["responseStatus"]["message"]
    # moving a 2-level subtree under a level-2 node would make 4 levels
    other = _create(api, "Khác 1")
    other2 = _create(api, "Khác 2", other["categoryId"])
    r = api.request(
        "PUT",
        f"/categories/{b['categoryId']}",
        json={"categoryName": "Cấp 2", "parentId": other2["categoryId"]},
    )
    assert r.status_code == 400


def test_name_rules(api: Api) -> None:
    r = api.request("POST", "/categories", json={"categoryName": "x" * 126})
    assert r.status_code == 400
    assert api.request("POST", "/categories", json={"categoryName": "x" * 125}).status_code == 200
    r = api.request("POST", "/categories", json={"categoryName": "khác"})
    assert r.status_code == 400  # "Khác" already exists at the root (case-insensitive)
    assert api.request("POST", "/categories", json={"categoryName": ""}).status_code == 400


def test_update_and_delete_rules(api: Api, clock: Clock) -> None:
    parent = _create(api, "Cha")
    child = _create(api, "Con", parent["categoryId"])
    renamed = api.ok("PUT", f"/categories/{child['categoryId']}", json={"categoryName": "Con mới"})
    assert (
        renamed["data"]["categoryName"] == "Con mới" and renamed["data"]["parentId"] == parent["categoryId"]
    )
    r = api.request("DELETE", f"/categories/{parent['categoryId']}")
    assert r.status_code == 400  # has children
    product = api.ok("POST", "/products", json={"name": "Dùng nhóm", "categoryId": child["categoryId"]})
    r = api.request("DELETE", f"/categories/{child['categoryId']}")
    assert r.status_code == 400  # used by a product
    api.ok("DELETE", f"/products/{product['id']}")
    stamp = api.ok("GET", "/categories")["timestamp"]
    clock.advance(1)
    assert api.ok("DELETE", f"/categories/{child['categoryId']}") == {"message": "Xóa dữ liệu thành công"}
    env = api.ok("GET", "/categories", params={"lastModifiedFrom": stamp})
    assert env["removedIds"] == [child["categoryId"]]
    assert parent["categoryId"] in [c["categoryId"] for c in env["data"]]  # its hasChild changed
    assert api.get(f"/categories/{child['categoryId']}").status_code == 404


def test_modified_date_is_absent_until_modified(api: Api) -> None:
    cat = _create(api, "Mới tinh")
    assert "modifiedDate" not in cat
    changed = api.ok("PUT", f"/categories/{cat['categoryId']}", json={"categoryName": "Đã sửa"})["data"]
    assert "modifiedDate" in changed
