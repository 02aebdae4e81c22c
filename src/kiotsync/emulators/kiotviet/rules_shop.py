"""Shop-level resources: settings (§3.11), surcharges (§3.10), sale channels (§3.9), branches, users
and webhook registrations (§4.1).

Sale channels and branches have no write endpoints in the public API; the ``create_*`` and
``deactivate_branch`` functions here back control-plane helpers ("what the admin would do").
"""

from __future__ import annotations

from typing import Any

from .errors import found, invalid, not_found
from .listing import modified_since
from .model import WEBHOOK_TYPES, Branch, SaleChannel, Shop, Surcharge, User, WebhookReg
from .params import as_bool, as_float
from .timefmt import entity_ticks

# settings key -> PascalCase name in GET /settings (only the four the doc lists are returned)
SETTINGS_WIRE = {
    "manager_customer_by_branch": "ManagerCustomerByBranch",
    "allow_order_when_out_stock": "AllowOrderWhenOutStock",
    "allow_sell_when_order_out_stock": "AllowSellWhenOrderOutStock",
    "allow_sell_when_out_stock": "AllowSellWhenOutStock",
}


def settings_view(shop: Shop) -> dict[str, bool]:
    return {wire: shop.settings[key] for key, wire in SETTINGS_WIRE.items()}


def set_settings(shop: Shop, body: dict[str, Any]) -> dict[str, bool]:
    """Toggle flags; keys match case- and underscore-insensitively (``allow_order``,
    ``AllowSellWhenOutStock``)."""
    by_norm = {key.replace("_", ""): key for key in shop.settings}
    for raw_key, value in body.items():
        key = by_norm.get(str(raw_key).lower().replace("_", ""))
        if key is None:
            raise ValueError(f"unknown setting {raw_key!r}; known: {sorted(shop.settings)}")
        shop.settings[key] = as_bool(value, key)
    return dict(shop.settings)


def list_branches(shop: Shop, since: int | None) -> list[Branch]:
    return [b for b in shop.branches.values() if modified_since(b.created, b.modified, since)]


def list_users(shop: Shop, since: int | None) -> list[User]:
    """The shop's users, without the hidden ones."""
    return [u for u in shop.users.values() if not u.hidden and modified_since(u.created, u.modified, since)]


def list_sale_channels(shop: Shop, since: int | None) -> list[SaleChannel]:
    return [c for c in shop.sale_channels.values() if modified_since(c.created, c.modified, since)]


# -- surcharges ------------------------------------------------------------------------------
def create_surcharge(shop: Shop, body: dict[str, Any], now: int) -> Surcharge:
    name = str(body.get("name") or "").strip()
    code = str(body.get("code") or body.get("surchargecode") or "").strip()
    if not name:
        raise invalid("Tên thu khác không được để trống", "name")
    if not code:
        code = f"THK{len(shop.surcharges) + 1:06d}"
    for sc in shop.surcharges.values():
        if sc.code.lower() == code.lower():
            state = "" if sc.is_active else " (đang ngừng áp dụng)"
            raise invalid(f'Mã thu khác "{code}" đã tồn tại{state}', "code")
    sc = Surcharge(
        id=shop.next_id("surcharge"),
        code=code,
        name=name,
        value=as_float(body.get("value") or 0, "value"),
        created=entity_ticks(now),
        value_ratio=as_float(body["valueratio"], "valueRatio")
        if body.get("valueratio") is not None
        else None,
        is_active=as_bool(body.get("isactive", True), "isActive"),
    )
    shop.surcharges[sc.id] = sc
    return sc


def update_surcharge(shop: Shop, sid: int, body: dict[str, Any], now: int) -> Surcharge:
    sc = shop.surcharges.get(sid)
    if sc is None:
        raise not_found("thu khác")
    if body.get("name"):
        sc.name = str(body["name"]).strip()
    if body.get("value") is not None:
        sc.value = as_float(body["value"], "value")
    if "isactive" in body and body["isactive"] is not None:
        sc.is_active = as_bool(body["isactive"], "isActive")
    sc.modified = entity_ticks(now)
    return sc


def activate_surcharge(shop: Shop, sid: int, body: dict[str, Any], now: int) -> Surcharge:
    sc = shop.surcharges.get(sid)
    if sc is None:
        raise not_found("thu khác")
    sc.is_active = as_bool(body.get("isactive", True), "isActive")
    sc.modified = entity_ticks(now)
    return sc


# -- sale channels and branches (control plane) -------------------------------------------------
def create_sale_channel(
    shop: Shop, name: str, now: int, built_in: bool = False, img: str = ""
) -> SaleChannel:
    name = name.strip()
    if not name:
        raise invalid("Tên kênh bán không được để trống", "name")
    ch = SaleChannel(
        id=shop.next_id("salechannel"),
        name=name,
        created=entity_ticks(now),
        is_not_delete=built_in,
        img=img,
        position=len(shop.sale_channels) + 1,
    )
    shop.sale_channels[ch.id] = ch
    return ch


def create_branch(shop: Shop, body: dict[str, Any], now: int) -> Branch:
    name = str(body.get("name") or body.get("branchname") or "").strip()
    if not name:
        raise invalid("Tên chi nhánh không được để trống", "branchName")
    b = Branch(
        id=shop.next_id("branch"),
        name=name,
        code=str(body.get("code") or body.get("branchcode") or f"CN{len(shop.branches) + 1:02d}"),
        address=str(body.get("address") or ""),
        contact_number=str(body.get("contactnumber") or ""),
        email=str(body.get("email") or ""),
        location_name=str(body.get("locationname") or ""),
        ward_name=str(body.get("wardname") or ""),
        created=entity_ticks(now),
    )
    shop.branches[b.id] = b
    shop.events.branches[b.id] = None
    return b


def deactivate_branch(shop: Shop, bid: int, now: int) -> Branch:
    b = shop.branches.get(bid)
    if b is None:
        raise not_found("chi nhánh")
    if b.is_active:
        b.is_active = False
        b.modified = entity_ticks(now)
        shop.tombstones["branches"][bid] = entity_ticks(now)
        shop.events.delete("branch.delete", bid)
    return b


# -- webhook registrations -------------------------------------------------------------------
def register_webhook(shop: Shop, body: dict[str, Any], now: int) -> WebhookReg:
    spec = body.get("webhook")
    if not isinstance(spec, dict):
        spec = body  # tolerate a body without the {"Webhook": ...} wrapper
    wtype = str(spec.get("type") or "").strip().lower()
    if wtype not in WEBHOOK_TYPES:
        raise invalid(f'Loại webhook "{spec.get("type")}" không hợp lệ', "Type")
    url = str(spec.get("url") or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        raise invalid("Url webhook không hợp lệ", "Url")
    for w in shop.webhooks.values():
        if w.type == wtype and w.url == url:
            raise invalid(f'Webhook "{wtype}" cho url này đã tồn tại', "Url")
    secret = spec.get("secret")
    reg = WebhookReg(
        id=shop.next_id("webhook"),
        type=wtype,
        url=url,
        created=entity_ticks(now),
        is_active=as_bool(spec.get("isactive", True), "IsActive"),
        description=str(spec.get("description") or ""),
        secret=str(secret) if secret not in (None, "") else None,
    )
    shop.webhooks[reg.id] = reg
    return reg


def delete_webhook(shop: Shop, wid: int) -> None:
    if shop.webhooks.pop(wid, None) is None:
        raise not_found("webhook")


def get_webhook(shop: Shop, wid: int) -> WebhookReg:
    return found(shop.webhooks.get(wid), "webhook")
