"""The clickable KiotViet back office (``/_emulator/admin``): every form changes the shop exactly as
the JSON control plane / API would (webhooks included), pages carry KiotViet's Vietnamese
labels, and bad input re-renders the page with an error and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiotsync.emulators.common import Clock
from kiotsync.emulators.kiotviet import KiotVietApp, create_app

from .helpers import BASE, Api, Receiver, ctl, register, seed

ADMIN = "/_emulator/admin"
SECRET_RAW = "admin-page-secret"
SECRET = base64.b64encode(SECRET_RAW.encode()).decode()
CODE = "ATCB-TRA-S"


def submit(http: httpx.Client, creds: dict[str, Any], path: str, **fields: Any) -> httpx.Response:
    """Post a back-office form the way the browser does (url-encoded fields)."""
    data = {"retailer": creds["retailer"], **{k: str(v) for k, v in fields.items()}}
    return http.post(f"{ADMIN}{path}", data=data)


def done(r: httpx.Response) -> str:
    """A successful form answers 303 back to the page; returns the message it carries."""
    assert r.status_code == 303, r.text[:2000]
    assert r.headers["location"].startswith(f"{ADMIN}?")
    return str(httpx.URL(r.headers["location"]).params.get("msg"))


def error(r: httpx.Response) -> str:
    assert r.status_code == 400, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    found = re.search(r'id="error">([^<]*)<', r.text)
    assert found, "no error message on the page"
    assert 'id="product-table"' in r.text  # the whole page is shown again
    return found.group(1)


def drain(app: KiotVietApp) -> None:
    assert app.webhooks.drain(5)


def product_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="p-\d+" data-code="([^"]+)"', html)


def without_dates(value: Any) -> Any:
    """Drop every date/time field so two shops seeded alike compare equal."""
    if isinstance(value, dict):
        return {k: without_dates(v) for k, v in value.items() if "date" not in k.lower() and k != "timestamp"}
    if isinstance(value, list):
        return [without_dates(v) for v in value]
    return value


def latest(api: Api, path: str) -> dict[str, Any]:
    env = api.ok("GET", path, params={"orderBy": "id", "orderDirection": "Desc", "pageSize": 1})
    return dict(env["data"][0])


@pytest.fixture
def twin() -> Iterator[tuple[httpx.Client, Api, dict[str, Any]]]:
    """A second emulator seeded identically: the JSON path runs there, the form path here."""
    other = create_app(Clock())
    with httpx.Client(transport=httpx.WSGITransport(app=other), base_url=BASE) as http:
        creds = seed(http)
        yield http, Api(http, creds), creds
    other.webhooks.stop()


# -- rendering ---------------------------------------------------------------------------------
def test_page_renders_the_shop_with_vietnamese_labels(http: httpx.Client, creds: dict[str, Any]) -> None:
    r = http.get(ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    for label in (
        "Quản lý",
        "Hàng hóa",
        "Tồn / Đặt",
        "Kiểm kho",
        "Bán tại quầy",
        "Đặt hàng",
        "Hóa đơn",
        "Thiết lập cửa hàng",
        "Cho phép đặt hàng",
        "Phiếu tạm",
        "Đã xác nhận",
        "Hoàn thành",
        "Xác nhận",
        "Giao thành công",
        creds["name"],
    ):
        assert label in html, label
    for branch in creds["branches"]:
        assert branch["name"] in html
    assert CODE in product_rows(html)
    assert 'lang="vi"' in html and 'charset="utf-8"' in html


def test_index_links_to_the_back_office(http: httpx.Client, creds: dict[str, Any]) -> None:
    r = http.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f'href="{ADMIN}"' in r.text and f"?retailer={creds['retailer']}" in r.text
    assert "/_emulator/stock" in r.text and "/_emulator/seed" in r.text


def test_shop_picker_when_several_shops(http: httpx.Client) -> None:
    first = seed(http, retailer="shopmot", seed=1)
    second = seed(http, retailer="shophai", seed=2)
    picker = http.get(ADMIN).text
    assert "Chọn cửa hàng" in picker and 'id="product-table"' not in picker
    assert f"retailer={first['retailer']}" in picker and f"retailer={second['retailer']}" in picker
    chosen = http.get(ADMIN, params={"retailer": "shophai"}).text
    assert 'id="product-table"' in chosen and "(shophai)" in chosen and "Đổi cửa hàng" in chosen
    unknown = http.get(ADMIN, params={"retailer": "khongco"}).text
    assert "Không tìm thấy cửa hàng" in unknown and "Chọn cửa hàng" in unknown


def test_search_and_paging(http: httpx.Client, creds: dict[str, Any]) -> None:
    total = creds["products"]
    assert total > 50
    first = product_rows(http.get(ADMIN).text)
    second_html = http.get(ADMIN, params={"page": 2}).text
    second = product_rows(second_html)
    assert len(first) == 50 and len(second) == total - 50 and not set(first) & set(second)
    assert f"Trang 2/2 · {total} hàng hóa" in second_html
    found = product_rows(http.get(ADMIN, params={"q": "atcb-tra"}).text)
    assert found == ["ATCB-TRA-S", "ATCB-TRA-M", "ATCB-TRA-L"]
    by_name = product_rows(http.get(ADMIN, params={"q": "sơ mi"}).text)
    assert by_name and all(c.startswith("ASM") for c in by_name)
    assert "Không tìm thấy hàng hóa nào" in http.get(ADMIN, params={"q": "zzz-none"}).text


# -- goods -------------------------------------------------------------------------------------
def test_stock_form_fires_a_signed_stock_update(
    app: KiotVietApp, http: httpx.Client, api: Api, creds: dict[str, Any], receiver: Receiver
) -> None:
    register(api, "stock.update", SECRET)
    product = api.product(CODE)
    branch = creds["branches"][1]["id"]
    msg = done(submit(http, creds, "/stock", product_id=product["id"], branch_id=branch, on_hand=42))
    assert msg == f"Đã kiểm kho {CODE}"
    assert api.stock(CODE, branch)["onHand"] == 42
    drain(app)
    rows = receiver.data("stock.update")
    assert [(r["ProductId"], r["BranchId"], r["OnHand"]) for r in rows] == [(product["id"], branch, 42)]
    call = receiver.calls[0]
    expected = "sha1=" + hmac.new(SECRET_RAW.encode(), call.body, hashlib.sha256).hexdigest()
    assert call.headers["x-hub-signature"] == expected
    assert "42 / 0" in http.get(ADMIN).text.split(f'data-code="{CODE}"')[1].split("</tr>")[0]


def test_forms_change_state_exactly_like_the_json_control_plane(
    http: httpx.Client, api: Api, creds: dict[str, Any], twin: tuple[httpx.Client, Api, dict[str, Any]]
) -> None:
    other_http, other_api, other_creds = twin
    assert other_creds["retailer"] == creds["retailer"]
    pid = api.product(CODE)["id"]
    branch = creds["branches"][2]["id"]

    done(submit(http, creds, "/stock", product_id=pid, branch_id=branch, on_hand="7"))
    ctl(other_http, "POST", "/stock", {"product_id": pid, "branch_id": branch, "on_hand": 7})
    done(submit(http, creds, f"/products/{pid}", name="Áo thun basic 2026", price="155000"))
    ctl(other_http, "PUT", f"/products/{pid}", {"name": "Áo thun basic 2026", "basePrice": 155000})
    assert without_dates(api.product(CODE)) == without_dates(other_api.product(CODE))

    sale = {
        "branch_id": branch,
        "code": CODE,
        "quantity": "2",
        "phone": "0909111222",
        "customer_name": "Bà Tư",
    }
    done(submit(http, creds, "/sell", kind="invoice", **sale))
    ctl(
        other_http,
        "POST",
        "/pos/invoices",
        {
            "branchId": branch,
            "lines": [{"productCode": CODE, "quantity": 2}],
            "customer": {"contactNumber": "0909111222", "name": "Bà Tư"},
        },
    )
    assert without_dates(latest(api, "/invoices")) == without_dates(latest(other_api, "/invoices"))

    order = api.ok("GET", "/orders/code/DH000002")
    done(submit(http, creds, f"/orders/{order['id']}/complete", delivery_status="2"))
    ctl(other_http, "POST", f"/orders/{order['id']}/complete", {"delivery_status": 2})
    assert without_dates(api.ok("GET", f"/orders/{order['id']}")) == without_dates(
        other_api.ok("GET", f"/orders/{order['id']}")
    )
    inv, other_inv = latest(api, "/invoices"), latest(other_api, "/invoices")
    assert inv["orderCode"] == "DH000002" and without_dates(inv) == without_dates(other_inv)
    assert without_dates(api.product(CODE)) == without_dates(other_api.product(CODE))


def test_edit_and_deactivate_fire_product_update(
    app: KiotVietApp, http: httpx.Client, api: Api, creds: dict[str, Any], receiver: Receiver
) -> None:
    register(api, "product.update")
    pid = api.product(CODE)["id"]
    assert done(submit(http, creds, f"/products/{pid}", name="Áo <b>mới</b>", price="150000")) == (
        f"Đã lưu hàng hóa {CODE}"
    )
    product = api.product(CODE)
    assert product["name"] == "Áo <b>mới</b>" and product["basePrice"] == 150000
    assert "Áo &lt;b&gt;mới&lt;/b&gt;" in http.get(ADMIN).text  # shown escaped
    assert done(submit(http, creds, f"/products/{pid}/active", active="0")) == f"{CODE}: ngừng kinh doanh"
    assert api.product(CODE)["isActive"] is False
    drain(app)
    items = [i for i in receiver.data("product.update") if i["Id"] == pid]
    assert items[0]["Name"] == "Áo <b>mới</b>" and items[0]["BasePrice"] == 150000
    assert items[-1]["isActive"] is False
    # the POS refuses goods no longer sold; re-activating allows it again
    branch = creds["branches"][0]["id"]
    assert "ngừng kinh doanh" in error(submit(http, creds, "/sell", code=CODE, quantity=1, branch_id=branch))
    done(submit(http, creds, f"/products/{pid}/active", active="1"))
    done(submit(http, creds, "/sell", code=CODE, quantity=1, branch_id=branch))


# -- POS, orders, invoices ---------------------------------------------------------------------
def test_pos_invoice_and_order(
    app: KiotVietApp, http: httpx.Client, api: Api, creds: dict[str, Any], receiver: Receiver
) -> None:
    register(api, "invoice.update")
    register(api, "order.update")
    branch = creds["branches"][0]["id"]
    before = api.stock(CODE, branch)
    msg = done(
        submit(
            http,
            creds,
            "/sell",
            kind="invoice",
            code=CODE.lower(),
            quantity="3",
            branch_id=branch,
            phone="0912000777",
            customer_name="Chị Hạnh",
            description="Bán tại quầy demo",
        )
    )
    inv = latest(api, "/invoices")
    assert msg == f"Đã tạo hóa đơn {inv['code']}"
    assert inv["status"] == 1 and inv["branchId"] == branch and inv["description"] == "Bán tại quầy demo"
    assert inv["invoiceDetails"][0]["productCode"] == CODE and inv["invoiceDetails"][0]["quantity"] == 3
    customer = api.ok("GET", f"/customers/{inv['customerId']}")
    assert customer["name"] == "Chị Hạnh" and customer["contactNumber"] == "0912000777"
    assert api.stock(CODE, branch)["onHand"] == before["onHand"] - 3

    msg = done(submit(http, creds, "/sell", kind="order", code=CODE, quantity="2", branch_id=branch))
    order = latest(api, "/orders")
    assert msg == f"Đã tạo đơn đặt hàng {order['code']}" and order["status"] == 1
    assert order["saleChannelId"] == creds["sale_channels"][0]["id"]  # "Bán trực tiếp"
    assert api.stock(CODE, branch)["reserved"] == before["reserved"] + 2
    drain(app)
    assert inv["id"] in {i["Id"] for i in receiver.data("invoice.update")}
    assert order["id"] in {o["Id"] for o in receiver.data("order.update")}


def test_order_confirm_complete_and_delivery(http: httpx.Client, api: Api, creds: dict[str, Any]) -> None:
    branch = creds["branches"][0]["id"]
    done(submit(http, creds, "/sell", kind="order", code=CODE, quantity="2", branch_id=branch))
    order = latest(api, "/orders")
    assert f'id="o-{order["id"]}"' in http.get(ADMIN).text
    assert done(submit(http, creds, f"/orders/{order['id']}/confirm")) == f"Đã xác nhận đơn {order['code']}"
    assert api.ok("GET", f"/orders/{order['id']}")["statusValue"] == "Đã xác nhận"
    on_hand = api.stock(CODE, branch)["onHand"]

    msg = done(submit(http, creds, f"/orders/{order['id']}/complete", delivery_status="2"))
    inv = latest(api, "/invoices")
    assert msg == f"Đã hoàn thành đơn {order['code']}: hóa đơn {inv['code']}"
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == 3
    detail = api.ok("GET", f"/invoices/{inv['id']}")
    assert detail["status"] == 3 and detail["invoiceDelivery"]["status"] == 2  # Đang xử lý, Đang giao hàng
    assert api.stock(CODE, branch)["onHand"] == on_hand - 2

    assert done(submit(http, creds, f"/invoices/{inv['id']}/delivery", status="3")) == (
        f"{inv['code']}: Giao thành công"
    )
    detail = api.ok("GET", f"/invoices/{inv['id']}")
    assert detail["status"] == 1 and detail["invoiceDelivery"]["status"] == 3


def test_cancel_order_and_invoice_give_stock_back(
    http: httpx.Client, api: Api, creds: dict[str, Any]
) -> None:
    branch = creds["branches"][0]["id"]
    before = api.stock(CODE, branch)
    done(submit(http, creds, "/sell", kind="order", code=CODE, quantity="4", branch_id=branch))
    order = latest(api, "/orders")
    assert done(submit(http, creds, f"/orders/{order['id']}/cancel")) == f"Đã hủy đơn {order['code']}"
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == 4
    assert api.stock(CODE, branch)["reserved"] == before["reserved"]

    done(submit(http, creds, "/sell", kind="invoice", code=CODE, quantity="5", branch_id=branch))
    inv = latest(api, "/invoices")
    assert done(submit(http, creds, f"/invoices/{inv['id']}/cancel")) == f"Đã hủy hóa đơn {inv['code']}"
    assert api.ok("GET", f"/invoices/{inv['id']}")["statusValue"] == "Đã hủy"
    assert api.stock(CODE, branch)["onHand"] == before["onHand"]


def test_settings_toggles(http: httpx.Client, api: Api, creds: dict[str, Any]) -> None:
    keep = ["use_delivery", "manage_cod", "allow_change_purchase_date", "allow_sell_when_out_stock"]
    msg = done(submit(http, creds, "/settings", **{k: "1" for k in keep}))
    assert msg == "Đã lưu thiết lập cửa hàng"
    flags = ctl(http, "GET", "/settings")["settings"]
    assert {k for k, v in flags.items() if v} == set(keep)
    assert api.ok("GET", "/settings")["AllowOrderWhenOutStock"] is False
    assert '<input type="checkbox" name="allow_order" value="1">' in http.get(ADMIN).text  # unchecked
    orders = api.ok("GET", "/orders")["total"]
    branch = creds["branches"][0]["id"]
    r = submit(http, creds, "/sell", kind="order", code=CODE, quantity="1", branch_id=branch)
    assert error(r) == "Thiết lập &quot;Cho phép đặt hàng&quot; đang không được bật"
    assert api.ok("GET", "/orders")["total"] == orders


# -- bad input ---------------------------------------------------------------------------------
def _fingerprint(api: Api) -> Any:
    return (
        without_dates(api.all("/products", includeInventory="true")),
        [api.ok("GET", p)["total"] for p in ("/orders", "/invoices", "/customers")],
        without_dates(api.all("/orders")),
    )


BAD_INPUTS: list[tuple[str, dict[str, str], str]] = [
    ("/stock", {"product_id": "{pid}", "branch_id": "{branch}", "on_hand": "mười"}, "phải là một số"),
    ("/stock", {"product_id": "{pid}", "branch_id": "{branch}", "on_hand": "-3"}, "không được âm"),
    ("/stock", {"product_id": "999", "branch_id": "{branch}", "on_hand": "3"}, "Không tìm thấy hàng hóa"),
    ("/stock", {"product_id": "{pid}", "branch_id": "12", "on_hand": "3"}, "Chi nhánh không tồn tại"),
    ("/sell", {"code": "{code}", "quantity": "hai", "branch_id": "{branch}"}, "Số lượng phải là một số"),
    ("/sell", {"code": "{code}", "quantity": "0", "branch_id": "{branch}"}, "phải lớn hơn 0"),
    ("/sell", {"code": "KHONG-CO", "quantity": "1", "branch_id": "{branch}"}, "không tồn tại"),
    ("/sell", {"code": "", "quantity": "1", "branch_id": "{branch}"}, "Vui lòng nhập mã hàng"),
    ("/sell", {"code": "{code}", "quantity": "1", "branch_id": "{branch}", "kind": "x"}, "không hợp lệ"),
    ("/products/{pid}", {"name": "", "price": "1000"}, "Vui lòng nhập tên hàng"),
    ("/products/{pid}", {"name": "Áo", "price": "1tr"}, "Giá bán phải là một số"),
    ("/products/{pid}/active", {"active": "maybe"}, "không hợp lệ"),
    ("/orders/{oid}/complete", {"delivery_status": "99"}, "Trạng thái giao hàng không hợp lệ"),
    ("/orders/{done_oid}/cancel", {}, "đã hoàn thành, không thể hủy"),
    ("/invoices/{iid}/delivery", {"status": "abc"}, "không hợp lệ"),
]


@pytest.mark.parametrize(
    ("path", "fields", "message"), BAD_INPUTS, ids=[f"{p}-{m}" for p, _, m in BAD_INPUTS]
)
def test_bad_input_shows_an_error_and_changes_nothing(
    app: KiotVietApp,
    http: httpx.Client,
    api: Api,
    creds: dict[str, Any],
    receiver: Receiver,
    path: str,
    fields: dict[str, str],
    message: str,
) -> None:
    for kind in ("stock.update", "product.update", "order.update", "invoice.update", "customer.update"):
        register(api, kind)
    values = {
        "pid": api.product(CODE)["id"],
        "code": CODE,
        "branch": creds["branches"][0]["id"],
        "oid": api.ok("GET", "/orders/code/DH000001")["id"],
        "done_oid": api.ok("GET", "/orders/code/DH000004")["id"],
        "iid": latest(api, "/invoices")["id"],
    }
    before = _fingerprint(api)
    r = submit(http, creds, path.format(**values), **{k: v.format(**values) for k, v in fields.items()})
    assert message in error(r)
    assert _fingerprint(api) == before
    drain(app)
    assert receiver.calls == []
