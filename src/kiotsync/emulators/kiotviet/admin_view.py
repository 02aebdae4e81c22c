"""The KiotViet "Quản lý" page: what the shop owner sees in KiotViet's back office and POS.

Read-only rendering of one shop under the state lock: goods with stock per branch (search,
50 per page), the POS form ("Bán tại quầy"), recent orders and invoices with their actions, and
the shop settings. Every form posts to a handler in :mod:`.admin_pages`; this module never
changes state. The page frame, shop picker and form round trip are the shared
:class:`~kiotsync.emulators.common.admin_view.AdminSite`. Labels are KiotViet's own Vietnamese
terms (digest §3.7.2, §3.8.2, §3.8.3, §2.8).
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from ..common.admin_html import ADMIN_PATH, badge, esc, hidden, money, options, qty
from ..common.admin_view import AdminSite, ShopLabel, View, paged_table, post_button, recent_table
from .guide import GUIDE
from .model import (
    DELIVERY_STATUS,
    INVOICE_STATUS,
    ORDER_STATUS,
    PRODUCT_COMBO,
    PRODUCT_SERVICE,
    Product,
    Sale,
    Shop,
)
from .rules_stock import view as stock_view
from .timefmt import fmt_local

DATALIST_MAX = 500
TYPE_LABELS = {PRODUCT_COMBO: "Combo - đóng gói", 2: "Hàng hóa", PRODUCT_SERVICE: "Dịch vụ"}
# Shop flags as named in "Thiết lập cửa hàng" (§2.8 literals where the digest has them).
SETTING_LABELS = {
    "allow_order": "Cho phép đặt hàng",
    "use_delivery": "Sử dụng tính năng giao hàng",
    "manage_cod": "Quản lý thu hộ tiền",
    "allow_change_purchase_date": "Cho phép thay đổi thời gian bán hàng",
    "allow_sell_when_out_stock": "Cho phép bán hàng khi hết tồn kho",
    "allow_sell_when_order_out_stock": "Cho phép bán đơn đặt hàng khi hết tồn kho",
    "allow_order_when_out_stock": "Cho phép đặt hàng khi hết tồn kho",
    "manager_customer_by_branch": "Quản lý khách hàng theo chi nhánh",
}
OPEN_ORDER = (1, 2, 5)

# Column headings of the recent-documents tables.
ORDER_HEAD = (
    "<tr><th>Mã đặt hàng</th><th>Thời gian</th><th>Chi nhánh</th><th>Kênh bán</th><th>Khách hàng</th>"
    '<th>Ghi chú</th><th class="num">Khách cần trả</th><th>Trạng thái</th><th>Xử lý</th></tr>'
)
INVOICE_HEAD = (
    "<tr><th>Mã hóa đơn</th><th>Thời gian</th><th>Mã đặt hàng</th><th>Chi nhánh</th><th>Khách hàng</th>"
    '<th class="num">Tổng tiền hàng</th><th>Trạng thái</th><th>Giao hàng</th><th></th></tr>'
)


class KvAdmin(AdminSite[Shop]):
    platform = "KiotViet"
    section = "Quản lý"
    accent = "#0b6bcb"
    shop_key = "retailer"
    nav: ClassVar[str] = (
        '<a href="#products">Hàng hóa</a><a href="#pos">Bán tại quầy</a>'
        '<a href="#orders">Đặt hàng</a><a href="#invoices">Hóa đơn</a><a href="#settings">Thiết lập</a>'
    )
    index_title = "Quản lý cửa hàng (back office)"
    index_blurb = "hàng hóa, kiểm kho, bán tại quầy, đặt hàng, hóa đơn, thiết lập cửa hàng."
    guide = GUIDE

    def label(self, shop: Shop) -> ShopLabel:
        return ShopLabel(shop.retailer, shop.display_name, shop.retailer, shop.retailer)

    def sections(self, shop: Shop, view: View) -> str:
        return (
            _products(shop, view)
            + _pos(shop, view)
            + _orders(shop, view)
            + _invoices(shop, view)
            + _settings(shop, view)
        )

    def read_error(self, body: dict[str, Any]) -> str | None:
        status = body.get("responseStatus")
        if isinstance(status, dict) and status.get("message"):
            return str(status["message"])
        if body.get("error"):
            return str(body["error"])
        if body.get("errors"):
            return str(body["errors"])
        return None


# -- goods -------------------------------------------------------------------------------------
def _search(shop: Shop, q: str) -> list[Product]:
    if not q:
        return list(shop.products.values())
    needle = q.casefold()
    return [
        p
        for p in shop.products.values()
        if needle in p.code.casefold()
        or needle in p.full_name(True).casefold()
        or (p.bar_code and needle in p.bar_code.casefold())
    ]


def _branches(shop: Shop) -> list[tuple[int, str]]:
    return [(b.id, b.name) for b in shop.branches.values() if b.is_active]


def _products(shop: Shop, view: View) -> str:
    branches = _branches(shop)
    head = (
        "<tr><th>Mã hàng</th><th>Tên hàng</th><th>Giá bán</th>"
        + "".join(
            f'<th class="num branch">{esc(name)}<br><span class="muted">Tồn / Đặt</span></th>'
            for _, name in branches
        )
        + "<th>Kiểm kho</th><th>Kinh doanh</th></tr>"
    )
    return paged_table(
        view,
        _search(shop, view.q),
        lambda p, here: _product_row(shop, p, branches, here),
        title="Hàng hóa",
        placeholder="Tìm theo mã, tên hàng",
        head=head,
        empty=(5 + len(branches), "Không tìm thấy hàng hóa nào"),
        noun="hàng hóa",
    )


def _product_row(shop: Shop, p: Product, branches: list[tuple[int, str]], view: View) -> str:
    ctx = hidden(view.fields())
    edit_id = f"edit-{p.id}"
    extra = p.full_name(shop.in_unit_family(p))[len(p.name) :].lstrip(" -")
    state = "" if p.is_active else " " + badge("Ngừng kinh doanh", "off")
    name = (
        f'<input class="name" name="name" form="{edit_id}" value="{esc(p.name)}" aria-label="Tên hàng">'
        f'<br><span class="muted">{esc(extra)}</span>{state}'
    )
    price = (
        f'<input class="n" name="price" type="number" step="any" min="0" form="{edit_id}" '
        f'value="{esc(qty(p.base_price))}" aria-label="Giá bán"> '
        f'<button type="submit" form="{edit_id}" class="secondary">Lưu</button>'
    )
    if p.type == PRODUCT_SERVICE:
        stock_cells = "".join('<td class="num muted">—</td>' for _ in branches)
    else:
        figures = [stock_view(shop, p, bid) for bid, _ in branches]
        stock_cells = "".join(f'<td class="num">{qty(f.on_hand)} / {qty(f.reserved)}</td>' for f in figures)
    if p.type in (PRODUCT_COMBO, PRODUCT_SERVICE):
        stock_form = '<span class="muted">Theo thành phần</span>' if p.type == PRODUCT_COMBO else ""
    else:
        stock_form = (
            f'<form method="post" action="{ADMIN_PATH}/stock" class="inline">{ctx}'
            f'{hidden({"product_id": p.id})}<select name="branch_id" class="branch" aria-label="Chi nhánh">'
            f"{options(branches)}</select>"
            '<input class="n" name="on_hand" type="number" step="any" min="0" placeholder="Thực tế" '
            'aria-label="Tồn kho thực tế"><button type="submit">Kiểm kho</button></form>'
        )
    toggle = (
        f'<form method="post" action="{ADMIN_PATH}/products/{p.id}/active" class="inline">{ctx}'
        f'{hidden({"active": "0" if p.is_active else "1"})}<button type="submit" class="secondary">'
        f"{'Ngừng kinh doanh' if p.is_active else 'Bật Đang kinh doanh'}</button></form>"
    )
    edit_form = f'<form id="{edit_id}" method="post" action="{ADMIN_PATH}/products/{p.id}">{ctx}</form>'
    return (
        f'<tr id="p-{p.id}" data-code="{esc(p.code)}"><td class="code">{esc(p.code)}<br>'
        f'<span class="muted">{TYPE_LABELS.get(p.type, str(p.type))}</span></td><td>{name}</td>'
        f'<td class="code">{price}</td>{stock_cells}<td class="code">{stock_form}</td>'
        f"<td>{toggle}{edit_form}</td></tr>"
    )


# -- POS ---------------------------------------------------------------------------------------
def _pos(shop: Shop, view: View) -> str:
    codes = "".join(
        f'<option value="{esc(p.code)}">{esc(p.full_name(True))}</option>'
        for i, p in enumerate(shop.products.values())
        if i < DATALIST_MAX and p.is_active
    )
    return (
        '<section id="pos"><h2>Bán tại quầy</h2>'
        f'<form method="post" action="{ADMIN_PATH}/sell" class="grid">{hidden(view.fields())}'
        '<label>Mã hàng<input name="code" list="product-codes" required></label>'
        f'<datalist id="product-codes">{codes}</datalist>'
        '<label>Số lượng<input class="n" name="quantity" type="number" step="any" min="0" value="1"></label>'
        f'<label>Chi nhánh<select name="branch_id">{options(_branches(shop))}</select></label>'
        '<label>SĐT khách hàng<input name="phone" placeholder="không bắt buộc"></label>'
        '<label>Tên khách hàng<input name="customer_name" placeholder="không bắt buộc"></label>'
        '<label>Ghi chú<input name="description"></label>'
        '<button type="submit" name="kind" value="invoice">Thanh toán (tạo hóa đơn)</button>'
        '<button type="submit" name="kind" value="order" class="secondary">Tạo đơn đặt hàng</button>'
        "</form></section>"
    )


# -- orders and invoices -----------------------------------------------------------------------
def _when(ticks: int) -> str:
    return (fmt_local(ticks) or "")[:16].replace("T", " ")


def _customer(shop: Shop, sale: Sale) -> str:
    c = shop.customers.get(sale.customer_id) if sale.customer_id is not None else None
    if c is None:
        return '<span class="muted">Khách lẻ</span>'
    phone = f'<br><span class="muted">{esc(c.contact_number)}</span>' if c.contact_number else ""
    return f"{esc(c.name)}{phone}"


def _branch_name(shop: Shop, sale: Sale) -> str:
    b = shop.branches.get(sale.branch_id)
    return esc(b.name if b else sale.branch_id)


def _channel_name(shop: Shop, sale: Sale) -> str:
    ch = shop.sale_channels.get(sale.sale_channel_id) if sale.sale_channel_id is not None else None
    return esc(ch.name) if ch else ""


def _delivery_status(sale: Sale) -> int | None:
    status = sale.delivery.get("status") if sale.delivery else None
    return int(status) if status is not None else None


def _orders(shop: Shop, view: View) -> str:
    row = partial(_order_row, shop, view=view)
    return recent_table(
        "orders", "Đặt hàng", "đơn", ORDER_HEAD, shop.orders.values(), row, (9, "Chưa có đơn đặt hàng")
    )


def _order_row(shop: Shop, o: Sale, view: View) -> str:
    kind = {3: "good", 4: "bad"}.get(o.status, "")
    actions = []
    if o.status == 1:
        actions.append(post_button(f"/orders/{o.id}/confirm", view, "Xác nhận", "secondary"))
    if o.status in OPEN_ORDER:
        current = _delivery_status(o)
        choices: list[tuple[object, str]] = [(k, v) for k, v in DELIVERY_STATUS.items()]
        if o.delivery is None:
            choices.insert(0, ("", "Không giao hàng"))
        select = (
            f'<select name="delivery_status" aria-label="Trạng thái giao hàng">'
            f"{options(choices, current if current is not None else ('' if o.delivery is None else 1))}</select>"
        )
        actions.append(post_button(f"/orders/{o.id}/complete", view, "Hoàn thành", extra=select))
        actions.append(post_button(f"/orders/{o.id}/cancel", view, "Hủy", "danger"))
    delivery = _delivery_status(o)
    delivery_text = (
        f'<br><span class="muted">Giao hàng: {esc(DELIVERY_STATUS.get(delivery, delivery))}</span>'
        if delivery is not None
        else ""
    )
    return (
        f'<tr id="o-{o.id}" data-code="{esc(o.code)}"><td>{esc(o.code)}</td><td>{_when(o.created)}</td>'
        f"<td>{_branch_name(shop, o)}</td><td>{_channel_name(shop, o)}</td><td>{_customer(shop, o)}</td>"
        f'<td>{esc(o.description)}</td><td class="num">{money(o.total)}</td>'
        f"<td>{badge(ORDER_STATUS.get(o.status, str(o.status)), kind)}{delivery_text}</td>"
        f"<td>{''.join(actions) or '<span class=muted>—</span>'}</td></tr>"
    )


def _invoices(shop: Shop, view: View) -> str:
    row = partial(_invoice_row, shop, view=view)
    return recent_table(
        "invoices", "Hóa đơn", "hóa đơn", INVOICE_HEAD, shop.invoices.values(), row, (9, "Chưa có hóa đơn")
    )


def _invoice_row(shop: Shop, inv: Sale, view: View) -> str:
    order = shop.orders.get(inv.order_id) if inv.order_id is not None else None
    kind = {1: "good", 2: "bad", 5: "bad"}.get(inv.status, "")
    status = _delivery_status(inv)
    if inv.delivery is None:
        delivery = '<span class="muted">Không giao hàng</span>'
    elif inv.status == 2:
        delivery = esc(DELIVERY_STATUS.get(status or 1, status))
    else:
        select = (
            '<select name="status" aria-label="Trạng thái giao hàng">'
            f"{options(DELIVERY_STATUS.items(), status)}</select>"
        )
        delivery = post_button(f"/invoices/{inv.id}/delivery", view, "Cập nhật", "secondary", select)
    cancel = post_button(f"/invoices/{inv.id}/cancel", view, "Hủy", "danger") if inv.status != 2 else ""
    cod = f" {badge('COD')}" if inv.using_cod else ""
    return (
        f'<tr id="i-{inv.id}" data-code="{esc(inv.code)}"><td>{esc(inv.code)}</td><td>{_when(inv.created)}</td>'
        f"<td>{esc(order.code) if order else ''}</td><td>{_branch_name(shop, inv)}</td>"
        f'<td>{_customer(shop, inv)}</td><td class="num">{money(inv.total)}</td>'
        f"<td>{badge(INVOICE_STATUS.get(inv.status, str(inv.status)), kind)}{cod}</td>"
        f"<td>{delivery}</td><td>{cancel}</td></tr>"
    )


# -- settings ----------------------------------------------------------------------------------
def _settings(shop: Shop, view: View) -> str:
    items = "".join(
        f'<li><label><input type="checkbox" name="{esc(key)}" value="1"'
        f"{' checked' if shop.settings.get(key) else ''}> {esc(label)}</label></li>"
        for key, label in SETTING_LABELS.items()
        if key in shop.settings
    )
    return (
        '<section id="settings"><h2>Thiết lập cửa hàng</h2>'
        f'<form method="post" action="{ADMIN_PATH}/settings">{hidden(view.fields())}'
        f'<ul class="settings">{items}</ul><button type="submit">Lưu thiết lập</button></form></section>'
    )
