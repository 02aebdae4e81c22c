"""Clickable Haravan admin + storefront for the demo: ``GET /_emulator/admin`` and its forms.

A person plays the shop owner (change stock in a location; confirm, fulfil, move the carrier /
COD status of, or cancel an order) and a customer (check out on the storefront). Each form
handler validates the fields and turns them into the body of the documented JSON control helper
(``/_emulator/shops/<orgid>/inventory``, ``/web_orders``, ``/orders/<id>/fulfill|carrier|cancel``,
``/com/orders/<id>/confirm.json`` as the shop admin), dispatched in-process
(``AdminSite.control``), so rules, stock moves and webhooks are exactly those of the JSON path.
Success answers ``303`` back to the page with a message; bad input re-renders the page
(``400``) with the error and changes nothing.

``GET /`` (unrouted on the real hosts) shows a small index linking here (``AdminSite.index``,
:mod:`kiotsync.emulators.common.admin_view`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..common import Request, Response
from ..common.admin_forms import Call, Form, FormError, form_int
from ..common.admin_forms import form_required as _required
from ..common.admin_forms import form_text as _text
from ..common.admin_view import View
from .admin_view import PAID_GATEWAY, HvAdmin
from .enums import CARRIER_STATUSES, COD_STATUSES
from .store import Shop

Builder = Callable[[Form, Shop], Call]


# -- field parsing -----------------------------------------------------------------------------
def _int(form: Form, key: str, label: str) -> int:
    return form_int(form, key, label, "{label} phải là số nguyên (đã nhập: {raw})")


def _order_done(verb: str) -> Callable[[Any], str]:
    return lambda d: f"{verb} đơn hàng {d['order']['name']}"


# -- the forms ---------------------------------------------------------------------------------
def _inventory(form: Form, shop: Shop) -> Call:
    vid = _int(form, "variant_id", "Phiên bản")
    variant = shop.variants.get(vid)
    if variant is None:
        raise FormError(f"Không tìm thấy phiên bản {vid}")
    location = _int(form, "location_id", "Chi nhánh")
    kind = _text(form, "type") or "set"
    if kind not in ("set", "adjust"):
        raise FormError("Loại điều chỉnh không hợp lệ")
    quantity = _int(form, "quantity", "Số lượng")
    if kind == "set" and quantity < 0:
        raise FormError("Số lượng tồn kho không được âm")
    body = {"location_id": location, "type": kind, "line_items": [{"variant_id": vid, "quantity": quantity}]}
    sku = variant.sku or vid
    return Call("POST", "/inventory", body, lambda d: f"Đã cập nhật tồn kho {sku}", "products")


def _web_order(form: Form, shop: Shop) -> Call:
    if _text(form, "variant_id"):
        vid = _int(form, "variant_id", "Sản phẩm")
        if vid not in shop.variants:
            raise FormError(f"Không tìm thấy sản phẩm {vid}")
    else:
        sku = _required(form, "sku", "sản phẩm")
        variant = shop.variant_by_sku(sku)
        if variant is None:
            raise FormError(f"Không tìm thấy sản phẩm có SKU {sku}")
        vid = variant.id
    quantity = _int(form, "quantity", "Số lượng")
    if quantity < 1:
        raise FormError("Số lượng phải lớn hơn 0")
    name = _required(form, "name", "họ tên khách hàng")
    phone = _required(form, "phone", "số điện thoại")
    address = _required(form, "address", "địa chỉ giao hàng")
    payment = _text(form, "payment") or "cod"
    if payment not in ("cod", "paid"):
        raise FormError("Hình thức thanh toán không hợp lệ")
    *last, first = name.split()
    person = {"first_name": first, "last_name": " ".join(last) or None, "phone": phone}
    body: dict[str, Any] = {
        "line_items": [{"variant_id": vid, "quantity": quantity}],
        "customer": person,
        "phone": phone,
        "shipping_address": {**person, "address1": address},
        "billing_address": {**person, "address1": address},
    }
    if payment == "paid":
        body.update({"gateway": PAID_GATEWAY, "financial_status": "paid"})
    return Call(
        "POST", "/web_orders", body, lambda d: f"Khách đã đặt đơn hàng {d['order']['name']}", "orders"
    )


def _confirm(oid: int) -> Builder:
    return lambda form, shop: Call(
        "POST", f"/com/orders/{oid}/confirm.json", {}, _order_done("Đã xác nhận"), "orders"
    )


def _fulfil(oid: int) -> Builder:
    return lambda form, shop: Call(
        "POST", f"/orders/{oid}/fulfill", {}, _order_done("Đã giao hàng"), "orders"
    )


def _carrier(oid: int) -> Builder:
    def build(form: Form, shop: Shop) -> Call:
        body: dict[str, Any] = {"fulfillment_id": _int(form, "fulfillment_id", "Vận đơn")}
        carrier = _text(form, "carrier_status_code")
        cod = _text(form, "carrier_cod_status_code")
        if carrier and carrier not in CARRIER_STATUSES:
            raise FormError("Trạng thái vận chuyển không hợp lệ")
        if cod and cod not in COD_STATUSES:
            raise FormError("Trạng thái thu hộ (COD) không hợp lệ")
        if not carrier and not cod:
            raise FormError("Vui lòng chọn trạng thái vận chuyển")
        if carrier:
            body["carrier_status_code"] = carrier
        if cod:
            body["carrier_cod_status_code"] = cod
        label = CARRIER_STATUSES[carrier][0] if carrier else f"COD {COD_STATUSES[cod][0].lower()}"
        return Call(
            "POST", f"/orders/{oid}/carrier", body, lambda d: f"{d['order']['name']}: {label}", "orders"
        )

    return build


def _cancel(oid: int) -> Builder:
    return lambda form, shop: Call(
        "POST",
        f"/orders/{oid}/cancel",
        {"restock": True, "reason": "customer"},
        _order_done("Đã hủy"),
        "orders",
    )


# -- plumbing ---------------------------------------------------------------------------------
def _submit(site: HvAdmin, request: Request, build: Builder) -> Response:
    def send(view: View) -> tuple[Call, tuple[int, Any]]:
        with site.lock():  # read-only look-ups while building the call
            shop = site.pick(view.shop)
            if shop is None:
                raise FormError("Không tìm thấy cửa hàng")
            call = build(request.form, shop)
            orgid = shop.id
        return call, site.control(call, path=f"/shops/{orgid}{call.path}")

    return site.submit(request, send)


def routes(site: HvAdmin) -> list[tuple[str, list[str], Callable[..., Any]]]:
    """Control routes of the admin page (paths under ``/_emulator``)."""

    def form(build: Builder) -> Callable[..., Response]:
        return lambda request: _submit(site, request, build)

    def order_form(factory: Callable[[int], Builder]) -> Callable[..., Response]:
        return lambda request, order_id: _submit(site, request, factory(order_id))

    return [
        ("/admin", ["GET"], site.show),
        ("/admin/inventory", ["POST"], form(_inventory)),
        ("/admin/web_order", ["POST"], form(_web_order)),
        ("/admin/orders/<int:order_id>/confirm", ["POST"], order_form(_confirm)),
        ("/admin/orders/<int:order_id>/fulfill", ["POST"], order_form(_fulfil)),
        ("/admin/orders/<int:order_id>/carrier", ["POST"], order_form(_carrier)),
        ("/admin/orders/<int:order_id>/cancel", ["POST"], order_form(_cancel)),
    ]
