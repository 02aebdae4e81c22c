"""The Haravan "Quản trị + cửa hàng" page: the shop admin and the storefront on one screen.

Read-only rendering of one shop under the world lock: product variants with stock per location
(search, 50 per page) and a stock form, the storefront checkout form ("Đặt hàng trên website"),
and the recent orders with their statuses and actions (confirm, fulfil, carrier / COD status,
cancel). Forms post to :mod:`.admin_pages`; this module never changes state. The page frame,
shop picker and form round trip are the shared
:class:`~kiotsync.emulators.common.admin_view.AdminSite`. Status names are Haravan's Vietnamese
labels (digest §4.1–4.5).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Any, ClassVar

from ..common.admin_html import ADMIN_PATH, badge, esc, hidden, money, options
from ..common.admin_view import AdminSite, ShopLabel, View, paged_table, post_button, recent_table
from .enums import CARRIER_STATUSES, COD_STATUSES
from .guide import GUIDE
from .model import Fulfillment, Order, Product, Variant
from .rules_fulfillments import fulfillable
from .store import Shop

SELECT_MAX = 300  # above this many variants the storefront asks for a SKU instead of a list
PAID_GATEWAY = "Chuyển khoản ngân hàng"
VN = timezone(timedelta(hours=7))

FINANCIAL_LABELS = {
    "pending": "Chờ xử lý thanh toán",
    "authorized": "Đã ủy quyền",
    "partially_paid": "Thanh toán một phần",
    "paid": "Đã thanh toán",
    "partially_refunded": "Hoàn tiền một phần",
    "refunded": "Đã hoàn tiền",
    "voided": "Đã hủy thanh toán",
}
FULFILLMENT_LABELS = {
    "notfulfilled": "Chưa giao hàng",
    "partial": "Giao một phần",
    "fulfilled": "Đã giao hàng",
    "restocked": "Đã nhập lại kho",
}
CONFIRMED_LABELS = {"unconfirmed": "Chưa xác nhận", "confirmed": "Đã xác nhận"}
# The next step a carrier normally reports, to preselect in the carrier status list.
NEXT_CARRIER = {
    "pending": "readytopick",
    "readytopick": "picking",
    "picking": "delivering",
    "delivering": "delivered",
    "notmeetcustomer": "delivering",
    "waitingforreturn": "return",
}

# Column headings of the recent-documents tables.
ORDER_HEAD = (
    '<tr><th>Mã đơn hàng</th><th>Ngày tạo</th><th>Khách hàng</th><th class="num">Tổng tiền</th>'
    "<th>Thanh toán</th><th>Trạng thái</th><th>Vận chuyển</th><th>Xử lý</th></tr>"
)


class HvAdmin(AdminSite[Shop]):
    platform = "Haravan"
    section = "Quản trị"
    accent = "#2962ff"
    shop_key = "orgid"
    nav: ClassVar[str] = (
        '<a href="#products">Sản phẩm</a>'
        '<a href="#storefront">Đặt hàng trên website</a><a href="#orders">Đơn hàng</a>'
    )
    index_title = "Quản trị + cửa hàng"
    index_blurb = "sản phẩm và tồn kho, đặt hàng trên website, xử lý đơn hàng (xác nhận, giao hàng, vận chuyển, COD, hủy)."
    guide = GUIDE

    def label(self, shop: Shop) -> ShopLabel:
        return ShopLabel(str(shop.id), shop.name, shop.domain, f"{shop.domain}, orgid {shop.id}")

    def sections(self, shop: Shop, view: View) -> str:
        return _products(shop, view) + _storefront(shop, view) + _orders(shop, view)

    def read_error(self, body: dict[str, Any]) -> str | None:
        """Validation errors are ``{"errors": {"field": ["message", ...]}}``; control helpers
        answer ``{"error": "..."}``; a plain ``{"errors": "Not Found"}`` also occurs."""
        errors = body.get("errors")
        if isinstance(errors, dict):
            return "; ".join(
                f"{field}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                for field, msgs in errors.items()
            )
        if errors:
            return str(errors)
        if body.get("error"):
            return str(body["error"])
        return None


# -- products and stock ------------------------------------------------------------------------
def _variant_label(p: Product, v: Variant) -> str:
    title = "" if v.title in ("", "Default Title") else f" - {v.title}"
    return f"{p.title}{title}"


def _search(shop: Shop, q: str) -> list[tuple[Product, Variant]]:
    needle = q.casefold()
    return [
        (p, v)
        for p in shop.products.values()
        for v in p.variants
        if not needle
        or needle in p.title.casefold()
        or needle in (v.sku or "").casefold()
        or needle in (v.barcode or "").casefold()
        or needle in v.title.casefold()
    ]


def _products(shop: Shop, view: View) -> str:
    locations = list(shop.locations.values())
    loc_options = [(loc.id, loc.name) for loc in locations]
    head = (
        '<tr><th>Sản phẩm</th><th>Phiên bản</th><th>SKU</th><th class="num">Giá</th>'
        + "".join(
            f'<th class="num branch">{esc(loc.name)}<br><span class="muted">Có thể bán</span></th>'
            for loc in locations
        )
        + "<th>Điều chỉnh tồn kho</th></tr>"
    )
    return paged_table(
        view,
        _search(shop, view.q),
        lambda pv, here: _variant_row(shop, pv[0], pv[1], loc_options, here),
        title="Sản phẩm",
        placeholder="Tìm theo tên, SKU",
        head=head,
        empty=(5 + len(locations), "Không tìm thấy sản phẩm nào"),
        noun="phiên bản",
    )


def _variant_row(shop: Shop, p: Product, v: Variant, locations: list[tuple[int, str]], view: View) -> str:
    balances = shop.balances.get(v.id, {})
    cells = []
    for loc_id, _ in locations:
        bal = balances.get(loc_id)
        if bal is None or not v.tracked:
            cells.append('<td class="num muted">—</td>')
        else:
            cells.append(
                f'<td class="num"><strong>{bal.available}</strong><br>'
                f'<span class="muted">tồn {bal.onhand} · đặt {bal.commited}</span></td>'
            )
    if v.tracked:
        form = (
            f'<form method="post" action="{ADMIN_PATH}/inventory" class="inline">{hidden(view.fields())}'
            f'{hidden({"variant_id": v.id})}<select name="location_id" class="branch" aria-label="Chi nhánh">'
            f"{options(locations)}</select>"
            '<select name="type" aria-label="Loại điều chỉnh">'
            f"{options([('set', 'Đặt tồn kho ='), ('adjust', 'Thêm / bớt ±')])}</select>"
            '<input class="n" name="quantity" type="number" step="1" placeholder="Số lượng" aria-label="Số lượng">'
            '<button type="submit">Lưu</button></form>'
        )
    else:
        form = '<span class="muted">Không quản lý tồn kho</span>'
    variant = "" if v.title in ("", "Default Title") else v.title
    return (
        f'<tr id="v-{v.id}" data-sku="{esc(v.sku)}"><td>{esc(p.title)}</td><td>{esc(variant)}</td>'
        f'<td class="code">{esc(v.sku)}</td><td class="num">{money(v.price)}</td>{"".join(cells)}'
        f'<td class="code">{form}</td></tr>'
    )


# -- storefront --------------------------------------------------------------------------------
def _storefront(shop: Shop, view: View) -> str:
    variants = [(p, v) for p in shop.products.values() for v in p.variants]
    if len(variants) <= SELECT_MAX:
        choices = [("", "— Chọn sản phẩm —")] + [
            (v.id, f"{_variant_label(p, v)} · {v.sku or ''} · {money(v.price)}₫") for p, v in variants
        ]
        picker = f'<label>Sản phẩm<select name="variant_id" required>{options(choices)}</select></label>'
    else:
        picker = '<label>SKU sản phẩm<input name="sku" required></label>'
    payment = options(
        [("cod", "Thanh toán khi giao hàng (COD)"), ("paid", f"Đã thanh toán ({PAID_GATEWAY})")]
    )
    return (
        '<section id="storefront"><h2>Đặt hàng trên website</h2>'
        f'<p class="muted">Khách hàng đặt hàng trên {esc(shop.domain)} (nguồn: web).</p>'
        f'<form method="post" action="{ADMIN_PATH}/web_order" class="grid">{hidden(view.fields())}{picker}'
        '<label>Số lượng<input class="n" name="quantity" type="number" step="1" min="1" value="1"></label>'
        '<label>Họ tên khách hàng<input name="name" required></label>'
        '<label>Số điện thoại<input name="phone" required></label>'
        '<label>Địa chỉ giao hàng<input name="address" class="name" required></label>'
        f'<label>Thanh toán<select name="payment">{payment}</select></label>'
        '<button type="submit">Đặt hàng</button></form></section>'
    )


# -- orders ------------------------------------------------------------------------------------
def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(VN).strftime("%Y-%m-%d %H:%M")


def _customer(shop: Shop, o: Order) -> str:
    c = shop.customers.get(o.customer_id) if o.customer_id is not None else None
    name = " ".join(x for x in ((c.last_name, c.first_name) if c else ()) if x)
    if not name and o.shipping_address:
        name = str(o.shipping_address.get("name") or "")
    phone = (c.phone if c else None) or o.phone
    extra = f'<br><span class="muted">{esc(phone)}</span>' if phone else ""
    return f"{esc(name) or '<span class=muted>Khách vãng lai</span>'}{extra}"


def live_fulfillment(o: Order) -> Fulfillment | None:
    """The shipment the carrier buttons act on: the latest one not cancelled."""
    live = [f for f in o.fulfillments if f.status != "cancelled"]
    return live[-1] if live else None


def _orders(shop: Shop, view: View) -> str:
    row = partial(_order_row, shop, view=view)
    return recent_table(
        "orders", "Đơn hàng", "đơn", ORDER_HEAD, shop.orders.values(), row, (8, "Chưa có đơn hàng")
    )


def _order_row(shop: Shop, o: Order, view: View) -> str:
    cancelled = o.cancelled_status == "cancelled"
    fin_kind = "good" if o.financial_status == "paid" else ""
    gateway = "COD" if o.is_cod_gateway else (o.gateway or "")
    payment = f"{badge(FINANCIAL_LABELS.get(o.financial_status, o.financial_status), fin_kind)}"
    payment += f'<br><span class="muted">{esc(gateway)}</span>' if gateway else ""
    status = [
        badge(FULFILLMENT_LABELS.get(o.fulfillment_status, o.fulfillment_status)),
        badge(
            CONFIRMED_LABELS.get(o.confirmed_status, o.confirmed_status),
            "good" if o.confirmed_status == "confirmed" else "off",
        ),
    ]
    if cancelled:
        status.append(badge("Đã hủy", "bad"))
    f = live_fulfillment(o)
    actions = []
    if not cancelled and o.confirmed_status != "confirmed":
        actions.append(post_button(f"/orders/{o.id}/confirm", view, "Xác nhận", "secondary"))
    if not cancelled and any(fulfillable(li) > 0 for li in o.line_items):
        actions.append(post_button(f"/orders/{o.id}/fulfill", view, "Giao hàng"))
    if not cancelled:
        actions.append(post_button(f"/orders/{o.id}/cancel", view, "Hủy", "danger"))
    return (
        f'<tr id="o-{o.id}" data-name="{esc(o.name)}"><td class="code">{esc(o.name)}<br>'
        f'<span class="muted">{esc(o.source_name)}</span></td><td>{_when(o.created_at)}</td>'
        f'<td>{_customer(shop, o)}</td><td class="num">{money(o.total_price)}</td><td>{payment}</td>'
        f"<td>{'<br>'.join(status)}</td><td>{_shipping(o, f, view)}</td>"
        f"<td>{''.join(actions) or '<span class=muted>—</span>'}</td></tr>"
    )


def _shipping(o: Order, f: Fulfillment | None, view: View) -> str:
    if f is None:
        return '<span class="muted">Chưa có vận đơn</span>'
    carrier = CARRIER_STATUSES.get(f.carrier_status_code, (f.carrier_status_code, None))[0]
    cod = COD_STATUSES.get(f.carrier_cod_status_code, (f.carrier_cod_status_code, None))[0]
    tracking = " ".join(x for x in (f.tracking_company, f.tracking_number) if x)
    out = (
        f"{badge(carrier)}"
        + (f'<br><span class="muted">{esc(tracking)}</span>' if tracking else "")
        + (f"<br>COD {money(f.cod_amount)}: {badge(cod)}" if f.carrier_cod_status_code != "none" else "")
    )
    if o.cancelled_status == "cancelled":
        return out
    ids = hidden({"fulfillment_id": f.id})
    nxt = NEXT_CARRIER.get(f.carrier_status_code, f.carrier_status_code)
    select = (
        f'{ids}<select name="carrier_status_code" aria-label="Trạng thái vận chuyển">'
        f"{options([(k, v[0]) for k, v in CARRIER_STATUSES.items()], nxt)}</select>"
    )
    out += "<br>" + post_button(f"/orders/{o.id}/carrier", view, "Cập nhật", "secondary", select)
    if f.carrier_cod_status_code == "codpending":
        out += post_button(
            f"/orders/{o.id}/carrier",
            view,
            "Đã thu COD",
            extra=ids + hidden({"carrier_cod_status_code": "codpaid"}),
        )
    elif f.carrier_cod_status_code == "codpaid":
        out += post_button(
            f"/orders/{o.id}/carrier",
            view,
            "Shop đã nhận tiền COD",
            "secondary",
            ids + hidden({"carrier_cod_status_code": "codreceipt"}),
        )
    return out
