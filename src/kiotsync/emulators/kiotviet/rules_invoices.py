"""Invoices ("Hóa đơn", §3.8) and their stock effects.

An invoice lowers onHand at its branch; one created from an order consumes the order's
reservation (:func:`.rules_sales.order_progress`). Its delivery status drives its own status
(3 Giao thành công → 1 Hoàn thành, 5 Đã hủy → 5). Cancelling an invoice (status 2) puts stock
back and, for an order's invoice, re-reserves it on the order.
"""

from __future__ import annotations

from typing import Any

from .errors import SETTING_COD, SETTING_SELL_OUT_OF_STOCK, found, invalid, setting_off
from .model import Line, Sale, Shop
from .params import as_bool, as_int
from .rules_sales import (
    check_delivery_setting,
    check_sellable,
    order_progress,
    order_status_word,
    parse_delivery,
    payment_method,
    purchase_date,
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


def _invoice_status_for_delivery(delivery_status: int | None, current: int) -> int:
    if delivery_status == 3:
        return 1
    if delivery_status == 5:
        return 5
    return current


def _invoiced_order(shop: Shop, body: dict[str, Any]) -> Sale | None:
    """The order an invoice completes (``orderId``), if any; not one completed or cancelled."""
    if body.get("orderid") in (None, "", 0):
        return None
    order = shop.orders.get(as_int(body["orderid"], "orderId"))
    if order is None:
        raise invalid("Đơn đặt hàng không tồn tại", "orderId")
    if order.status in (3, 4):
        raise invalid(f'Đơn đặt hàng "{order.code}" đã {order_status_word(order)}, không thể tạo hóa đơn')
    return order


def _invoice_lines(shop: Shop, body: dict[str, Any], order: Sale | None) -> list[Line]:
    """``invoiceDetails``; without them, what the order has not invoiced yet."""
    if body.get("invoicedetails") is not None or order is None:
        return sale_lines(shop, body.get("invoicedetails"), "invoiceDetails", "invoicedetailtaxs")
    lines = [
        Line(
            product_id=ln.product_id,
            product_code=ln.product_code,
            product_name=ln.product_name,
            quantity=ln.quantity - ln.invoiced,
            price=ln.price,
            discount=ln.discount,
            discount_ratio=ln.discount_ratio,
            note=ln.note,
            tax_ids=list(ln.tax_ids),
        )
        for ln in order.lines
        if ln.quantity - ln.invoiced > 0 and ln.product_id in shop.products
    ]
    if not lines:
        raise invalid("Vui lòng chọn ít nhất một hàng hóa", "invoiceDetails")
    for ln in lines:
        check_sellable(shop.products[ln.product_id])
    return lines


def _invoice_delivery(shop: Shop, body: dict[str, Any], order: Sale | None) -> dict[str, Any] | None:
    """``deliveryDetail`` (alias ``invoiceDelivery``), else the order's delivery; status 1 by default."""
    raw_delivery = body.get("deliverydetail", body.get("invoicedelivery"))
    if (
        raw_delivery is None
        and order is not None
        and order.delivery is not None
        and "deliverydetail" not in body
    ):
        delivery: dict[str, Any] | None = dict(order.delivery)
    else:
        delivery = parse_delivery(raw_delivery) if isinstance(raw_delivery, dict) else None
    check_delivery_setting(shop, delivery)
    if delivery is not None and delivery.get("status") is None:
        delivery["status"] = 1
    return delivery


def _check_stock_for_sale(shop: Shop, lines: list[Line], branch_id: int, order: Sale | None) -> None:
    """Refuse a sale the branch has not the stock for, unless the shop's setting allows it."""
    setting = "allow_sell_when_order_out_stock" if order is not None else "allow_sell_when_out_stock"
    if shop.settings[setting]:
        return
    need: dict[int, float] = {}
    for ln in lines:
        need[ln.product_id] = need.get(ln.product_id, 0) + ln.quantity
    for pid, qty in need.items():
        if short_of(shop, shop.products[pid], branch_id, qty, False):
            raise setting_off(SETTING_SELL_OUT_OF_STOCK)


def _new_invoice_status(body: dict[str, Any], delivery: dict[str, Any] | None) -> int:
    """``status`` 1, 3 or 5; by default 3 (processing) while a delivery is not yet delivered."""
    status = body.get("status")
    if status in (None, ""):
        return 3 if delivery is not None and delivery.get("status") != 3 else 1
    status = as_int(status, "status")
    if status not in (1, 3, 5):
        raise invalid("Trạng thái hóa đơn không hợp lệ", "status")
    return status


def create_invoice(shop: Shop, body: dict[str, Any], now: int, default_channel: int | None = None) -> Sale:
    order = _invoiced_order(shop, body)
    branch_id = sale_branch(shop, body.get("branchid") or (order.branch_id if order else None))
    purchase = purchase_date(shop, body, now)
    lines = _invoice_lines(shop, body, order)
    delivery = _invoice_delivery(shop, body, order)
    using_cod = as_bool(body.get("usingcod", False), "usingCod")
    if (using_cod or (delivery and delivery.get("usingPriceCod"))) and not shop.settings["manage_cod"]:
        raise setting_off(SETTING_COD)
    _check_stock_for_sale(shop, lines, branch_id, order)
    surcharges = sale_surcharges(shop, body, now)
    sold_by = sale_user(shop, body.get("soldbyid"), "soldById")
    customer_id = sale_customer(shop, body, now)
    if customer_id is None and order is not None:
        customer_id = order.customer_id
    fallback_channel = order.sale_channel_id if order else (default_channel or shop.default_channel_id)
    channel = sale_channel(shop, body.get("salechannelid"), fallback_channel)
    status = _new_invoice_status(body, delivery)
    code = shop.next_code("HD", shop.invoice_by_code)
    payments, paid = sale_payments(shop, body, code, now)
    ts = entity_ticks(now)
    inv = Sale(
        id=shop.next_id("invoice"),
        code=code,
        branch_id=branch_id,
        purchase_date=purchase if purchase is not None else ts,
        created=ts,
        modified=ts,
        status=status,
        lines=lines,
        customer_id=customer_id,
        sold_by_id=sold_by if sold_by is not None else (order.sold_by_id if order else None),
        cashier_id=shop.admin_id,
        description=str(body.get("description") or (order.description if order else "")),
        sale_channel_id=channel,
        payments=payments,
        total_payment=paid,
        delivery=delivery,
        surcharges=surcharges if surcharges is not None else (list(order.surcharges) if order else []),
        using_cod=using_cod or bool(delivery and delivery.get("usingPriceCod")),
        method=payment_method(body),
        order_id=order.id if order else None,
    )
    set_totals(inv, body)
    for ln in lines:
        move_stock(shop, shop.products[ln.product_id], branch_id, now, on_hand=-ln.quantity)
    if order is not None:
        _consume(shop, order, inv, now)
    cust = shop.customers.get(customer_id) if customer_id is not None else None
    if cust is not None:
        cust.total_invoiced += inv.total
        cust.total_paid += inv.total_payment
    shop.invoices[inv.id] = inv
    shop.invoice_by_code[code.lower()] = inv.id
    shop.events.invoices[inv.id] = None
    return inv


def _consume(shop: Shop, order: Sale, inv: Sale, now: int) -> None:
    for ln in inv.lines:
        want = ln.quantity
        for oln in order.lines:
            if want <= 0:
                break
            if oln.product_id != ln.product_id:
                continue
            take = min(want, oln.quantity - oln.invoiced)
            if take <= 0:
                continue
            oln.invoiced += take
            want -= take
            inv.consumed[ln.product_id] = inv.consumed.get(ln.product_id, 0) + take
            p = shop.products.get(ln.product_id)
            if p is not None:
                move_stock(shop, p, order.branch_id, now, reserved=-take)
    order_progress(shop, order, now)
    shop.invoices_of_order.setdefault(order.id, []).append(inv.id)


def update_invoice(shop: Shop, iid: int, body: dict[str, Any], now: int) -> Sale:
    inv = get_invoice(shop, iid)
    if inv.status == 2:
        raise invalid(f'Hóa đơn "{inv.code}" đã bị hủy, không thể cập nhật')
    status = body.get("status")
    if status not in (None, ""):
        status = as_int(status, "status")
        if status == 2:
            return cancel_invoice(shop, iid, as_bool(body.get("isvoidpayment", False), "isVoidPayment"), now)
        if status not in (1, 3, 5):
            raise invalid("Trạng thái hóa đơn không hợp lệ", "status")
    purchase = purchase_date(shop, body, now)
    delivery = inv.delivery
    raw_delivery = body.get("deliverydetail", body.get("invoicedelivery"))
    if isinstance(raw_delivery, dict):
        delivery = parse_delivery(raw_delivery, inv.delivery)
        check_delivery_setting(shop, delivery)
        if delivery.get("usingPriceCod") and not shop.settings["manage_cod"]:
            raise setting_off(SETTING_COD)
    sold_by = sale_user(shop, body.get("soldbyid"), "soldById") if "soldbyid" in body else inv.sold_by_id
    channel = sale_channel(shop, body.get("salechannelid"), inv.sale_channel_id)
    if purchase is not None:
        inv.purchase_date = purchase
    old_delivery_status = inv.delivery.get("status") if inv.delivery else None
    inv.delivery = delivery
    inv.sold_by_id = sold_by
    inv.sale_channel_id = channel
    if "description" in body:
        inv.description = str(body["description"] or "")
    if body.get("codpaymentmethod"):
        inv.cod_payment_method = str(body["codpaymentmethod"])
    if status not in (None, ""):
        inv.status = status
    elif delivery is not None and delivery.get("status") != old_delivery_status:
        inv.status = _invoice_status_for_delivery(delivery.get("status"), inv.status)
    inv.modified = entity_ticks(now)
    shop.events.invoices[inv.id] = None
    return inv


def set_delivery_status(shop: Shop, iid: int, status: int, now: int) -> Sale:
    inv = get_invoice(shop, iid)
    if inv.delivery is None:
        raise invalid(f'Hóa đơn "{inv.code}" không có thông tin giao hàng')
    return update_invoice(shop, iid, {"deliverydetail": {"status": status}}, now)


def cancel_invoice(shop: Shop, iid: int, void_payment: bool, now: int) -> Sale:
    inv = get_invoice(shop, iid)
    if inv.status == 2:
        return inv
    inv.status = 2
    for ln in inv.lines:
        p = shop.products.get(ln.product_id)
        if p is not None:
            move_stock(shop, p, inv.branch_id, now, on_hand=ln.quantity)
    order = shop.orders.get(inv.order_id) if inv.order_id is not None else None
    if order is not None and order.status != 4:
        # guess: the order gets its quantities back and reserves them again
        for pid, qty in inv.consumed.items():
            left = qty
            for oln in reversed(order.lines):
                if oln.product_id != pid or left <= 0:
                    continue
                back = min(left, oln.invoiced)
                oln.invoiced -= back
                left -= back
            p = shop.products.get(pid)
            if p is not None:
                move_stock(shop, p, order.branch_id, now, reserved=qty)
        order_progress(shop, order, now)
    if void_payment:
        void_payments(inv)
    cust = shop.customers.get(inv.customer_id) if inv.customer_id is not None else None
    if cust is not None:
        cust.total_invoiced -= inv.total
        cust.total_paid -= inv.total_payment
    inv.modified = entity_ticks(now)
    shop.events.invoices[inv.id] = None
    return inv


def get_invoice(shop: Shop, iid: int) -> Sale:
    return found(shop.invoices.get(iid), "hóa đơn")


def get_invoice_by_code(shop: Shop, code: str) -> Sale:
    return get_invoice(shop, found(shop.invoice_by_code.get(code.strip().lower()), "hóa đơn"))
