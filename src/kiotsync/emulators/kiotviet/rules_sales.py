"""Orders ("Đặt hàng", §3.7) and invoices ("Hóa đơn", §3.8), with their stock effects.

Flow: an order reserves stock at its branch (status 1 Phiếu tạm); invoices created from it
(``orderId``, ``makeInvoice`` or the control plane) consume that reservation and lower onHand;
the order becomes 2 (partly invoiced) then 3 Hoàn thành; cancelling (``DELETE``) makes it
4 Đã hủy and releases what is still reserved. Cancelling an invoice (status 2) puts stock back
and, for an order's invoice, re-reserves it on the order. Shop settings (§2.8) refuse writes
with the literal ``Thiết lập "<name>" đang không được bật`` messages.
"""

from __future__ import annotations

from typing import Any

from . import rules_stock
from .errors import (
    SETTING_COD,
    SETTING_DELIVERY,
    SETTING_ORDER,
    SETTING_ORDER_OUT_OF_STOCK,
    SETTING_PURCHASE_DATE,
    SETTING_SELL_OUT_OF_STOCK,
    KvError,
    invalid,
    not_found,
    setting_off,
)
from .model import DELIVERY_STATUS, Line, Product, Sale, Shop
from .params import as_bool, as_date, as_float, as_int
from .rules_customers import create_customer, digits
from .rules_products import find_product
from .timefmt import entity_ticks, fmt_local

_DELIVERY_FIELDS: dict[str, tuple[str, str]] = {
    "deliverycode": ("deliveryCode", "str"),
    "type": ("type", "int"),
    "status": ("status", "int"),
    "price": ("price", "float"),
    "receiver": ("receiver", "str"),
    "contactnumber": ("contactNumber", "str"),
    "address": ("address", "str"),
    "locationid": ("locationId", "int"),
    "locationname": ("locationName", "str"),
    "wardname": ("wardName", "str"),
    "weight": ("weight", "float"),
    "length": ("length", "float"),
    "width": ("width", "float"),
    "height": ("height", "float"),
    "usingpricecod": ("usingPriceCod", "bool"),
    "pricecodpayment": ("priceCodPayment", "float"),
    "partnerdeliveryid": ("partnerDeliveryId", "int"),
    "expecteddelivery": ("expectedDelivery", "date"),
}
_PARTNER_FIELDS = {
    "code": "code",
    "name": "name",
    "address": "address",
    "contactnumber": "contactNumber",
    "email": "email",
}
_METHODS = {"cash": "Cash", "card": "Card", "transfer": "Transfer", "voucher": "Voucher", "point": "Point"}


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _delivery(value: Any, existing: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = dict(existing or {})
    for key, raw in value.items():
        if key == "partnerdelivery" and isinstance(raw, dict):
            out["partnerDelivery"] = {name: str(raw.get(k) or "") for k, name in _PARTNER_FIELDS.items()}
            continue
        spec = _DELIVERY_FIELDS.get(key)
        if spec is None:
            continue
        name, kind = spec
        if raw is None or (raw == "" and kind != "str"):
            out[name] = None
        elif kind == "int":
            out[name] = as_int(raw, name)
        elif kind == "float":
            out[name] = _num(as_float(raw, name))
        elif kind == "bool":
            out[name] = as_bool(raw, name)
        elif kind == "date":
            out[name] = fmt_local(as_date(raw, name))
        else:
            out[name] = str(raw)
    status = out.get("status")
    if status is not None and status not in DELIVERY_STATUS:
        raise invalid("Trạng thái giao hàng không hợp lệ", "status")
    return out


def _purchase_date(shop: Shop, body: dict[str, Any], now: int) -> int | None:
    raw = body.get("purchasedate")
    if raw in (None, ""):
        return None
    if not shop.settings["allow_change_purchase_date"]:
        raise setting_off(SETTING_PURCHASE_DATE)
    return entity_ticks(as_date(raw, "purchaseDate"))


def _branch(shop: Shop, value: Any) -> int:
    if value in (None, "", 0):
        raise invalid("Chi nhánh không được để trống", "branchId")
    bid = as_int(value, "branchId")
    if bid not in shop.branches:
        raise invalid("Chi nhánh không tồn tại", "branchId")
    if not shop.branches[bid].is_active:
        raise invalid("Chi nhánh đã ngừng hoạt động", "branchId")
    return bid


def _lines(shop: Shop, items: Any, field: str, tax_key: str) -> list[Line]:
    if not isinstance(items, list) or not items:
        raise invalid("Vui lòng chọn ít nhất một hàng hóa", field)
    lines: list[Line] = []
    for item in items:
        if not isinstance(item, dict):
            raise invalid("Chi tiết hàng hóa không hợp lệ", field)
        code = str(item.get("productcode") or "").strip()
        try:
            product = find_product(shop, item.get("productid"), code)
        except KvError:
            ref = code or item.get("productid")
            raise invalid(f'Hàng hóa "{ref}" không tồn tại', field) from None
        _check_sellable(product)
        qty = as_float(item.get("quantity", 0), "quantity")
        if qty <= 0:
            raise invalid("Số lượng hàng hóa phải lớn hơn 0", "quantity")
        price = as_float(item["price"], "price") if item.get("price") is not None else product.base_price
        ratio = as_float(item.get("discountratio") or 0, "discountRatio")
        if item.get("discount") not in (None, ""):
            discount = as_float(item["discount"], "discount")
        else:
            discount = round(price * ratio / 100, 2)
        taxes = [
            as_int(t.get("taxid"), "taxId")
            for t in (item.get(tax_key) or [])
            if isinstance(t, dict) and t.get("taxid") not in (None, "")
        ]
        lines.append(
            Line(
                product_id=product.id,
                product_code=product.code,
                product_name=product.full_name(shop.in_unit_family(product)),
                quantity=qty,
                price=price,
                discount=discount,
                discount_ratio=ratio,
                note=str(item.get("note") or ""),
                is_master=as_bool(item.get("ismaster", True), "isMaster"),
                tax_ids=taxes,
                serial_numbers=str(item.get("serialnumbers") or ""),
            )
        )
    return lines


def _check_sellable(p: Product) -> None:
    # guess: the doc does not say what happens; KiotViet's POS refuses inactive goods
    if not p.is_active:
        raise invalid(f'Hàng hóa "{p.code}" đã ngừng kinh doanh, không thể bán', "productId")
    if not p.allows_sale:
        raise invalid(f'Hàng hóa "{p.code}" không được phép bán trực tiếp', "productId")


def _customer(shop: Shop, body: dict[str, Any], now: int) -> int | None:
    cid = body.get("customerid")
    if cid not in (None, "", 0):
        cid_int = as_int(cid, "customerId")
        if cid_int not in shop.customers:
            raise invalid("Khách hàng không tồn tại", "customerId")
        return cid_int
    inline = body.get("customer")
    if not isinstance(inline, dict):
        return None
    if inline.get("id") not in (None, "", 0):
        found = as_int(inline["id"], "customer.id")
        if found in shop.customers:
            return found
    code = str(inline.get("code") or "").strip().lower()
    if code and code in shop.customer_by_code:
        return shop.customer_by_code[code]
    phone = digits(str(inline.get("contactnumber") or ""))
    if phone:
        for c in shop.customers.values():  # guess: reuse an exact phone match instead of duplicating
            if digits(c.contact_number) == phone:
                return c.id
    if not str(inline.get("name") or "").strip():
        return None
    payload = {k: v for k, v in inline.items() if k not in ("id", "code") or v}
    return create_customer(shop, payload, now).id


def _user(shop: Shop, value: Any, name: str) -> int | None:
    if value in (None, "", 0):
        return None
    uid = as_int(value, name)
    if uid not in shop.users:
        raise invalid("Nhân viên không tồn tại", name)
    return uid


def _channel(shop: Shop, value: Any, default: int | None) -> int | None:
    if value in (None, "", 0):
        return default
    ch = as_int(value, "saleChannelId")
    if ch not in shop.sale_channels:
        raise invalid("Kênh bán không tồn tại", "saleChannelId")
    return ch


def _surcharges(shop: Shop, body: dict[str, Any], now: int) -> list[dict[str, Any]] | None:
    items = body.get("surchages", body.get("surcharges"))
    if items is None and isinstance(body.get("deliverydetail"), dict):
        items = body["deliverydetail"].get("surchages", body["deliverydetail"].get("surcharges"))
    if items is None:
        return None
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        sc = None
        if item.get("id") not in (None, "", 0):
            sc = shop.surcharges.get(as_int(item["id"], "surchargeId"))
        if sc is None and item.get("code"):
            code = str(item["code"]).strip().lower()
            sc = next((s for s in shop.surcharges.values() if s.code.lower() == code), None)
        if sc is None:
            raise invalid("Thu khác không tồn tại", "surchages")
        if not sc.is_active:
            raise invalid(f'Thu khác "{sc.code}" đã ngừng áp dụng', "surchages")
        price = as_float(item["price"], "price") if item.get("price") is not None else sc.value
        out.append(
            {
                "id": shop.next_id("payment"),
                "surchargeId": sc.id,
                "surchargeName": sc.name,
                "surValue": _num(price),
                "price": _num(price),
                "createdDate": entity_ticks(now),
            }
        )
    return out


def _payments(shop: Shop, body: dict[str, Any], code: str, now: int) -> tuple[list[dict[str, Any]], float]:
    payments: list[dict[str, Any]] = []
    total = 0.0
    account = body.get("accountid")
    amount = as_float(body.get("totalpayment") or 0, "totalPayment")
    if amount > 0:
        method = _METHODS.get(str(body.get("method") or "cash").strip().lower(), "Cash")
        payments.append(_payment(shop, code, amount, method, account, now))
        total += amount
    for item in body.get("payments") or []:
        if not isinstance(item, dict):
            continue
        pay = as_float(item.get("amount") or 0, "amount")
        if pay <= 0:
            continue
        method = _METHODS.get(str(item.get("method") or "cash").strip().lower(), str(item.get("method")))
        payments.append(_payment(shop, code, pay, method, item.get("accountid"), now))
        total += pay
    return payments, total


def _payment(shop: Shop, code: str, amount: float, method: str, account: Any, now: int) -> dict[str, Any]:
    return {
        "id": shop.next_id("payment"),
        "code": f"TT{code}",
        "amount": _num(amount),
        "method": method,
        "status": 0,
        "statusValue": "Đã thanh toán",
        "transDate": entity_ticks(now),
        "accountId": as_int(account, "accountId") if account not in (None, "", 0) else None,
    }


def _totals(sale: Sale, body: dict[str, Any]) -> None:
    subtotal = sum(ln.amount for ln in sale.lines)
    if body.get("discount") not in (None, ""):
        sale.discount = as_float(body["discount"], "discount")
        sale.discount_ratio = 0
    elif body.get("discountratio") not in (None, ""):
        sale.discount_ratio = as_float(body["discountratio"], "discountRatio")
        sale.discount = round(subtotal * sale.discount_ratio / 100, 2)
    extra = sum(float(s["price"]) for s in sale.surcharges)
    sale.total = round(subtotal - sale.discount + extra, 2)


def _require_order_setting(shop: Shop) -> None:
    if not shop.settings["allow_order"]:
        raise setting_off(SETTING_ORDER)


def _check_delivery_setting(shop: Shop, delivery: Any) -> None:
    if delivery is not None and not shop.settings["use_delivery"]:
        raise setting_off(SETTING_DELIVERY)


# -- orders ----------------------------------------------------------------------------------
def create_order(shop: Shop, body: dict[str, Any], now: int, default_channel: int | None = None) -> Sale:
    _require_order_setting(shop)
    branch_id = _branch(shop, body.get("branchid"))
    purchase = _purchase_date(shop, body, now)
    lines = _lines(shop, body.get("orderdetails"), "orderDetails", "orderdetailtaxs")
    if not shop.settings["allow_order_when_out_stock"]:
        for ln in lines:
            if rules_stock.short_of(shop, shop.products[ln.product_id], branch_id, ln.quantity, True):
                raise setting_off(SETTING_ORDER_OUT_OF_STOCK)
    raw_delivery = body.get("orderdelivery")
    delivery = _delivery(raw_delivery) if isinstance(raw_delivery, dict) else None
    _check_delivery_setting(shop, delivery)
    surcharges = _surcharges(shop, body, now) or []
    sold_by = _user(shop, body.get("soldbyid"), "soldById")
    cashier = _user(shop, body.get("cashierid"), "cashierId") or shop.admin_id
    channel = _channel(shop, body.get("salechannelid"), default_channel or shop.default_channel_id)
    customer_id = _customer(shop, body, now)
    code = shop.next_code("DH", shop.order_by_code)
    payments, paid = _payments(shop, body, code, now)
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
        method=_METHODS.get(str(body.get("method") or "cash").strip().lower(), "Cash"),
    )
    _totals(order, body)
    for ln in lines:
        rules_stock.move(shop, shop.products[ln.product_id], branch_id, now, reserved=ln.quantity)
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
            rules_stock.move(shop, p, order.branch_id, now, reserved=-left)


def update_order(shop: Shop, oid: int, body: dict[str, Any], now: int) -> Sale:
    order = get_order(shop, oid)
    _require_order_setting(shop)
    status = body.get("status")
    if status not in (None, ""):
        status = as_int(status, "status")
        if status == 4:  # one SDK cancels through PUT status=4 (unverified): treat as cancel
            return cancel_order(shop, oid, as_bool(body.get("isvoidpayment", False), "isVoidPayment"), now)
        if status not in (1, 5):
            raise invalid("Trạng thái đơn đặt hàng không hợp lệ", "status")
    if order.status not in (1, 5):
        raise invalid(f'Đơn đặt hàng "{order.code}" đã {order_status_word(order)}, không thể cập nhật')
    purchase = _purchase_date(shop, body, now)
    new_lines = None
    if body.get("orderdetails") is not None:
        new_lines = _lines(shop, body["orderdetails"], "orderDetails", "orderdetailtaxs")
    delivery = order.delivery
    if isinstance(body.get("orderdelivery"), dict):
        delivery = _delivery(body["orderdelivery"], order.delivery)
        _check_delivery_setting(shop, delivery)
    surcharges = _surcharges(shop, body, now)
    sold_by = _user(shop, body.get("soldbyid"), "soldById") if "soldbyid" in body else order.sold_by_id
    channel = _channel(shop, body.get("salechannelid"), order.sale_channel_id)
    customer_id = _customer(shop, body, now)
    branch_id = _branch(shop, body["branchid"]) if body.get("branchid") else order.branch_id
    # every check passed: apply
    if new_lines is not None or branch_id != order.branch_id:
        _release(shop, order, now)
        if new_lines is not None:
            order.lines = new_lines
        order.branch_id = branch_id
        for ln in order.lines:
            rules_stock.move(shop, shop.products[ln.product_id], branch_id, now, reserved=ln.quantity)
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
    payments, paid = _payments(shop, body, order.code, now)
    order.payments.extend(payments)
    order.total_payment += paid
    _totals(order, body)
    order.modified = entity_ticks(now)
    shop.events.orders[order.id] = None
    return order


def order_status_word(order: Sale) -> str:
    return {2: "được xử lý", 3: "hoàn thành", 4: "bị hủy"}.get(order.status, "thay đổi")


def cancel_order(shop: Shop, oid: int, void_payment: bool, now: int) -> Sale:
    order = get_order(shop, oid)
    _require_order_setting(shop)
    if order.status == 4:
        return order  # guess: cancelling twice is a no-op rather than an error
    if order.status == 3:
        raise invalid(f'Đơn đặt hàng "{order.code}" đã hoàn thành, không thể hủy')
    _release(shop, order, now)
    order.status = 4
    if void_payment:
        for pm in order.payments:
            pm["status"] = 1
            pm["statusValue"] = "Đã hủy"
    order.modified = entity_ticks(now)
    shop.events.orders[order.id] = None
    return order


def get_order(shop: Shop, oid: int) -> Sale:
    order = shop.orders.get(oid)
    if order is None:
        raise not_found("đơn đặt hàng")
    return order


# -- invoices --------------------------------------------------------------------------------
def _invoice_status_for_delivery(delivery_status: int | None, current: int) -> int:
    if delivery_status == 3:
        return 1
    if delivery_status == 5:
        return 5
    return current


def create_invoice(shop: Shop, body: dict[str, Any], now: int, default_channel: int | None = None) -> Sale:
    order: Sale | None = None
    if body.get("orderid") not in (None, "", 0):
        order = shop.orders.get(as_int(body["orderid"], "orderId"))
        if order is None:
            raise invalid("Đơn đặt hàng không tồn tại", "orderId")
        if order.status in (3, 4):
            raise invalid(f'Đơn đặt hàng "{order.code}" đã {order_status_word(order)}, không thể tạo hóa đơn')
    branch_id = _branch(shop, body.get("branchid") or (order.branch_id if order else None))
    purchase = _purchase_date(shop, body, now)
    if body.get("invoicedetails") is not None or order is None:
        lines = _lines(shop, body.get("invoicedetails"), "invoiceDetails", "invoicedetailtaxs")
    else:
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
            _check_sellable(shop.products[ln.product_id])
    raw_delivery = body.get("deliverydetail", body.get("invoicedelivery"))
    if (
        raw_delivery is None
        and order is not None
        and order.delivery is not None
        and "deliverydetail" not in body
    ):
        delivery: dict[str, Any] | None = dict(order.delivery)
    else:
        delivery = _delivery(raw_delivery) if isinstance(raw_delivery, dict) else None
    _check_delivery_setting(shop, delivery)
    if delivery is not None and delivery.get("status") is None:
        delivery["status"] = 1
    using_cod = as_bool(body.get("usingcod", False), "usingCod")
    if (using_cod or (delivery and delivery.get("usingPriceCod"))) and not shop.settings["manage_cod"]:
        raise setting_off(SETTING_COD)
    setting = "allow_sell_when_order_out_stock" if order is not None else "allow_sell_when_out_stock"
    if not shop.settings[setting]:
        need: dict[int, float] = {}
        for ln in lines:
            need[ln.product_id] = need.get(ln.product_id, 0) + ln.quantity
        for pid, qty in need.items():
            if rules_stock.short_of(shop, shop.products[pid], branch_id, qty, False):
                raise setting_off(SETTING_SELL_OUT_OF_STOCK)
    surcharges = _surcharges(shop, body, now)
    sold_by = _user(shop, body.get("soldbyid"), "soldById")
    customer_id = _customer(shop, body, now)
    if customer_id is None and order is not None:
        customer_id = order.customer_id
    fallback_channel = order.sale_channel_id if order else (default_channel or shop.default_channel_id)
    channel = _channel(shop, body.get("salechannelid"), fallback_channel)
    status = body.get("status")
    if status not in (None, ""):
        status = as_int(status, "status")
        if status not in (1, 3, 5):
            raise invalid("Trạng thái hóa đơn không hợp lệ", "status")
    else:
        status = 3 if delivery is not None and delivery.get("status") != 3 else 1
    code = shop.next_code("HD", shop.invoice_by_code)
    payments, paid = _payments(shop, body, code, now)
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
        method=_METHODS.get(str(body.get("method") or "cash").strip().lower(), "Cash"),
        order_id=order.id if order else None,
    )
    _totals(inv, body)
    for ln in lines:
        rules_stock.move(shop, shop.products[ln.product_id], branch_id, now, on_hand=-ln.quantity)
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
                rules_stock.move(shop, p, order.branch_id, now, reserved=-take)
    _order_progress(shop, order, now)
    shop.invoices_of_order.setdefault(order.id, []).append(inv.id)


def _order_progress(shop: Shop, order: Sale, now: int) -> None:
    if order.status == 4:
        return
    done = all(ln.invoiced >= ln.quantity - 1e-9 for ln in order.lines)
    some = any(ln.invoiced > 0 for ln in order.lines)
    order.status = 3 if done else (2 if some else 1)
    order.modified = entity_ticks(now)
    shop.events.orders[order.id] = None


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
    purchase = _purchase_date(shop, body, now)
    delivery = inv.delivery
    raw_delivery = body.get("deliverydetail", body.get("invoicedelivery"))
    if isinstance(raw_delivery, dict):
        delivery = _delivery(raw_delivery, inv.delivery)
        _check_delivery_setting(shop, delivery)
        if delivery.get("usingPriceCod") and not shop.settings["manage_cod"]:
            raise setting_off(SETTING_COD)
    sold_by = _user(shop, body.get("soldbyid"), "soldById") if "soldbyid" in body else inv.sold_by_id
    channel = _channel(shop, body.get("salechannelid"), inv.sale_channel_id)
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
            rules_stock.move(shop, p, inv.branch_id, now, on_hand=ln.quantity)
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
                rules_stock.move(shop, p, order.branch_id, now, reserved=qty)
        _order_progress(shop, order, now)
    if void_payment:
        for pm in inv.payments:
            pm["status"] = 1
            pm["statusValue"] = "Đã hủy"
    cust = shop.customers.get(inv.customer_id) if inv.customer_id is not None else None
    if cust is not None:
        cust.total_invoiced -= inv.total
        cust.total_paid -= inv.total_payment
    inv.modified = entity_ticks(now)
    shop.events.invoices[inv.id] = None
    return inv


def get_invoice(shop: Shop, iid: int) -> Sale:
    inv = shop.invoices.get(iid)
    if inv is None:
        raise not_found("hóa đơn")
    return inv
