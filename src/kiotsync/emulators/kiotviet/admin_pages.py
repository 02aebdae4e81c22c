"""Clickable KiotViet back office for the demo: ``GET /_emulator/admin`` and the forms it posts.

A person playing the shop owner changes stock in a branch, edits goods, sells at the till,
confirms / completes / cancels orders, moves an invoice's delivery along and toggles shop
settings. Each form handler only validates the fields and turns them into the body of the
documented JSON control helper (``/_emulator/stock``, ``/pos/invoices``, ``/orders/<id>/complete``
...), dispatched in-process (``AdminSite.control``), so rules, stock moves and webhooks are
exactly those of the JSON path. Success answers ``303`` back to the page with a message; bad
input re-renders the page (``400``) with the error and changes nothing.

``GET /`` (the API host root, unused by the real API) shows a small index linking here
(``AdminSite.index``, :mod:`kiotsync.emulators.common.admin_view`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..common import Request, Response
from ..common.admin_forms import Call, Form, FormError
from ..common.admin_forms import form_int as _int
from ..common.admin_forms import form_required as _required
from ..common.admin_forms import form_text as _text
from ..common.admin_view import View
from .admin_view import SETTING_LABELS, KvAdmin
from .model import DELIVERY_STATUS

Builder = Callable[[Form], Call]


# -- field parsing -----------------------------------------------------------------------------
def _number(form: Form, key: str, label: str, positive: bool = False) -> float:
    raw = _required(form, key, label)
    try:
        value = float(raw)
    except ValueError:
        raise FormError(f"{label} phải là một số (đã nhập: {raw})") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FormError(f"{label} phải là một số (đã nhập: {raw})")
    if positive and value <= 0:
        raise FormError(f"{label} phải lớn hơn 0")
    if value < 0:
        raise FormError(f"{label} không được âm")
    return value


# -- the forms ---------------------------------------------------------------------------------
def _stock(form: Form) -> Call:
    body = {
        "product_id": _int(form, "product_id", "hàng hóa"),
        "branch_id": _int(form, "branch_id", "chi nhánh"),
        "on_hand": _number(form, "on_hand", "Tồn kho thực tế"),
    }
    return Call("POST", "/stock", body, lambda d: f"Đã kiểm kho {d['code']}", "products")


def _edit_product(pid: int) -> Builder:
    def build(form: Form) -> Call:
        body = {"name": _required(form, "name", "tên hàng"), "basePrice": _number(form, "price", "Giá bán")}
        return Call("PUT", f"/products/{pid}", body, lambda d: f"Đã lưu hàng hóa {d['code']}", "products")

    return build


def _toggle_active(pid: int) -> Builder:
    def build(form: Form) -> Call:
        active = _text(form, "active")
        if active not in ("0", "1"):
            raise FormError("Trạng thái kinh doanh không hợp lệ")

        def done(d: Any) -> str:
            return f"{d['code']}: {'đang kinh doanh' if d.get('isActive') else 'ngừng kinh doanh'}"

        return Call("PUT", f"/products/{pid}", {"isActive": active == "1"}, done, "products")

    return build


def _sell(form: Form) -> Call:
    kind = _text(form, "kind") or "invoice"
    if kind not in ("invoice", "order"):
        raise FormError("Loại phiếu không hợp lệ")
    line = {
        "productCode": _required(form, "code", "mã hàng"),
        "quantity": _number(form, "quantity", "Số lượng", True),
    }
    body: dict[str, Any] = {"branch_id": _int(form, "branch_id", "chi nhánh"), "lines": [line]}
    phone, name = _text(form, "phone"), _text(form, "customer_name")
    if phone or name:
        body["customer"] = {"contactNumber": phone, "name": name or f"Khách {phone}"}
    if _text(form, "description"):
        body["description"] = _text(form, "description")
    if kind == "order":
        return Call("POST", "/pos/orders", body, lambda d: f"Đã tạo đơn đặt hàng {d['code']}", "orders")
    return Call("POST", "/pos/invoices", body, lambda d: f"Đã tạo hóa đơn {d['code']}", "invoices")


def _confirm(oid: int) -> Builder:
    return lambda form: Call(
        "PUT", f"/orders/{oid}", {"status": 5}, lambda d: f"Đã xác nhận đơn {d['code']}", "orders"
    )


def _complete(oid: int) -> Builder:
    def build(form: Form) -> Call:
        body: dict[str, Any] = {}
        if _text(form, "delivery_status"):
            status = _int(form, "delivery_status", "trạng thái giao hàng")
            if status not in DELIVERY_STATUS:
                raise FormError("Trạng thái giao hàng không hợp lệ")
            body["delivery_status"] = status

        def done(d: Any) -> str:
            return f"Đã hoàn thành đơn {d['order']['code']}: hóa đơn {d['invoice']['code']}"

        return Call("POST", f"/orders/{oid}/complete", body, done, "orders")

    return build


def _cancel_order(oid: int) -> Builder:
    return lambda form: Call(
        "POST", f"/orders/{oid}/cancel", {}, lambda d: f"Đã hủy đơn {d['code']}", "orders"
    )


def _delivery(iid: int) -> Builder:
    def build(form: Form) -> Call:
        status = _int(form, "status", "trạng thái giao hàng")
        if status not in DELIVERY_STATUS:
            raise FormError("Trạng thái giao hàng không hợp lệ")
        label = DELIVERY_STATUS[status]
        return Call(
            "POST",
            f"/invoices/{iid}/delivery",
            {"status": status},
            lambda d: f"{d['code']}: {label}",
            "invoices",
        )

    return build


def _cancel_invoice(iid: int) -> Builder:
    return lambda form: Call(
        "POST", f"/invoices/{iid}/cancel", {}, lambda d: f"Đã hủy hóa đơn {d['code']}", "invoices"
    )


def _settings(form: Form) -> Call:
    body = {key: key in form for key in SETTING_LABELS}
    return Call("PUT", "/settings", body, lambda d: "Đã lưu thiết lập cửa hàng", "settings")


# -- plumbing ---------------------------------------------------------------------------------
def _submit(site: KvAdmin, request: Request, build: Builder) -> Response:
    def send(view: View) -> tuple[Call, tuple[int, Any]]:
        call = build(request.form)
        body = {**call.body, "retailer": view.shop} if view.shop else call.body
        return call, site.control(call, body=body)

    return site.submit(request, send)


def routes(site: KvAdmin) -> list[tuple[str, list[str], Callable[..., Any]]]:
    """Control routes of the back office (paths under ``/_emulator``)."""

    def form(build: Builder) -> Callable[..., Response]:
        return lambda request: _submit(site, request, build)

    def form_for(factory: Callable[[int], Builder]) -> Callable[..., Response]:
        return lambda request, **ids: _submit(site, request, factory(*ids.values()))

    return [
        ("/admin", ["GET"], site.show),
        ("/admin/stock", ["POST"], form(_stock)),
        ("/admin/sell", ["POST"], form(_sell)),
        ("/admin/settings", ["POST"], form(_settings)),
        ("/admin/products/<int:pid>", ["POST"], form_for(_edit_product)),
        ("/admin/products/<int:pid>/active", ["POST"], form_for(_toggle_active)),
        ("/admin/orders/<int:oid>/confirm", ["POST"], form_for(_confirm)),
        ("/admin/orders/<int:oid>/complete", ["POST"], form_for(_complete)),
        ("/admin/orders/<int:oid>/cancel", ["POST"], form_for(_cancel_order)),
        ("/admin/invoices/<int:iid>/delivery", ["POST"], form_for(_delivery)),
        ("/admin/invoices/<int:iid>/cancel", ["POST"], form_for(_cancel_invoice)),
    ]
