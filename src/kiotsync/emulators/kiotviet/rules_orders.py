"""Orders ("Đặt hàng", §3.7) and their stock effects.

An order reserves stock at its branch (status 1 Phiếu tạm; 5 once confirmed); invoices created
from it (``orderId``, ``makeInvoice`` or the control plane, :mod:`.rules_invoices`) consume that
reservation, making it 2 (partly invoiced) then 3 Hoàn thành; cancelling (``DELETE``) makes it
4 Đã hủy and releases what is still reserved.
"""

from __future__ import annotations

from typing import Any

from .errors import SETTING_ORDER_OUT_OF_STOCK, KvError, found, invalid, setting_off
from .model import Line, Sale, Shop
from .params import as_bool, as_int
from .rules_invoices import create_invoice
from .rules_sales import (
    check_delivery_setting,
    order_status_word,
    parse_delivery,
    payment_method,
    purchase_date,
    require_order_setting,
    sale_branch,
    sale_channel,
    sale_customer,
    sale_lines,
    sale_payments,
    sale_surcharges,
    sale_user,
    set_totals,
    void_payments,
)
from .rules_stock import move as move_stock
from .rules_stock import short_of
from .timefmt import entity_ticks


def create_order(shop: Shop, body: dict[str, Any], now: int, default_channel: int | None = None) -> Sale:
    require_order_setting(shop)
    branch_id = sale_branch(shop, body.get("branchid"))
    purchase = purchase_date(shop, body, now)
    lines = sale_lines(shop, body.get("orderdetails"), "orderDetails", "orderdetailtaxs")
    if not shop.settings["allow_order_when_out_stock"]:
        for ln in lines:
            if short_of(shop, shop.products[ln.product_id], branch_id, ln.quantity, True):
                raise setting_off(SETTING_ORDER_OUT_OF_STOCK)
    raw_delivery = body.get("orderdelivery")
    delivery = parse_delivery(raw_delivery) if isinstance(raw_delivery, dict) else None
    check_delivery_setting(shop, delivery)
    surcharges = sale_surcharges(shop, body, now) or []
    sold_by = sale_user(shop, body.get("soldbyid"), "soldById")
    cashier = sale_user(shop, body.get("cashierid"), "cashierId") or shop.admin_id
    channel = sale_channel(shop, body.get("salechannelid"), default_channel or shop.default_channel_id)
    customer_id = sale_customer(shop, body, now)
    code = shop.next_code("DH", shop.order_by_code)
    payments, paid = sale_payments(shop, body, code, now)
    ts = entity_ticks(now)
    order = Sale(
        id=shop.next_id("order"),
        code=code,
        branch_id=branch_id,
        purchase_date=purchase if purchase is not None else ts,
        created=ts,
        modified=ts,
        status=1,
        lines=lines,
        customer_id=customer_id,
        sold_by_id=sold_by,
        cashier_id=cashier,
        description=str(body.get("description") or ""),
        sale_channel_id=channel,
        payments=payments,
        total_payment=paid,
        delivery=delivery,
        surcharges=surcharges,
        using_cod=as_bool(body.get("usingcod", False), "usingCod"),
        method=payment_method(body),
    )
    set_totals(order, body)
    for ln in lines:
        move_stock(shop, shop.products[ln.product_id], branch_id, now, reserved=ln.quantity)
    shop.orders[order.id] = order
    shop.order_by_code[code.lower()] = order.id
    shop.events.orders[order.id] = None
    if body.get("makeinvoice") and as_bool(body["makeinvoice"], "makeInvoice"):
        try:
            create_invoice(shop, {"orderid": order.id}, now)
        except KvError:
            _discard(shop, order, now)  # all or nothing: no order without its invoice
            raise
    return order


def _discard(shop: Shop, order: Sale, now: int) -> None:
    _release(shop, order, now)
    shop.orders.pop(order.id, None)
    shop.order_by_code.pop(order.code.lower(), None)
    shop.events.orders.pop(order.id, None)


def _release(shop: Shop, order: Sale, now: int) -> None:
    for ln in order.lines:
        left = ln.quantity - ln.invoiced
        p = shop.products.get(ln.product_id)
        if left > 0 and p is not None:
            move_stock(shop, p, order.branch_id, now, reserved=-left)


def _move_reservation(
    shop: Shop, order: Sale, new_lines: list[Line] | None, branch_id: int, now: int
) -> None:
    """New lines or another branch: release what the order reserves and reserve it again."""
    if new_lines is None and branch_id == order.branch_id:
        return
    _release(shop, order, now)
    if new_lines is not None:
        order.lines = new_lines
    order.branch_id = branch_id
    for ln in order.lines:
        move_stock(shop, shop.products[ln.product_id], branch_id, now, reserved=ln.quantity)


def update_order(shop: Shop, oid: int, body: dict[str, Any], now: int) -> Sale:
    order = get_order(shop, oid)
    require_order_setting(shop)
    status = body.get("status")
    if status not in (None, ""):
        status = as_int(status, "status")
        if status == 4:  # one SDK cancels through PUT status=4 (unverified): treat as cancel
            return cancel_order(shop, oid, as_bool(body.get("isvoidpayment", False), "isVoidPayment"), now)
        if status not in (1, 5):
            raise invalid("Trạng thái đơn đặt hàng không hợp lệ", "status")
    if order.status not in (1, 5):
        raise invalid(f'Đơn đặt hàng "{order.code}" đã {order_status_word(order)}, không thể cập nhật')
    purchase = purchase_date(shop, body, now)
    new_lines = None
    if body.get("orderdetails") is not None:
        new_lines = sale_lines(shop, body["orderdetails"], "orderDetails", "orderdetailtaxs")
    delivery = order.delivery
    if isinstance(body.get("orderdelivery"), dict):
        delivery = parse_delivery(body["orderdelivery"], order.delivery)
        check_delivery_setting(shop, delivery)
    surcharges = sale_surcharges(shop, body, now)
    sold_by = sale_user(shop, body.get("soldbyid"), "soldById") if "soldbyid" in body else order.sold_by_id
    channel = sale_channel(shop, body.get("salechannelid"), order.sale_channel_id)
    customer_id = sale_customer(shop, body, now)
    branch_id = sale_branch(shop, body["branchid"]) if body.get("branchid") else order.branch_id
    # every check passed: apply
    _move_reservation(shop, order, new_lines, branch_id, now)
    if purchase is not None:
        order.purchase_date = purchase
    order.delivery = delivery
    if surcharges is not None:
        order.surcharges = surcharges
    order.sold_by_id = sold_by
    order.sale_channel_id = channel
    if customer_id is not None:
        order.customer_id = customer_id
    if "description" in body:
        order.description = str(body["description"] or "")
    if "usingcod" in body:
        order.using_cod = as_bool(body["usingcod"], "usingCod")
    if status in (1, 5):
        order.status = status
    payments, paid = sale_payments(shop, body, order.code, now)
    order.payments.extend(payments)
    order.total_payment += paid
    set_totals(order, body)
    order.modified = entity_ticks(now)
    shop.events.orders[order.id] = None
    return order


def cancel_order(shop: Shop, oid: int, void_payment: bool, now: int) -> Sale:
    order = get_order(shop, oid)
    require_order_setting(shop)
    if order.status == 4:
        return order  # guess: cancelling twice is a no-op rather than an error
    if order.status == 3:
        raise invalid(f'Đơn đặt hàng "{order.code}" đã hoàn thành, không thể hủy')
    _release(shop, order, now)
    order.status = 4
    if void_payment:
        void_payments(order)
    order.modified = entity_ticks(now)
    shop.events.orders[order.id] = None
    return order


def get_order(shop: Shop, oid: int) -> Sale:
    return found(shop.orders.get(oid), "đơn đặt hàng")


def get_order_by_code(shop: Shop, code: str) -> Sale:
    return get_order(shop, found(shop.order_by_code.get(code.strip().lower()), "đơn đặt hàng"))
