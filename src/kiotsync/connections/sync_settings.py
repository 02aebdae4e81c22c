"""Settings screen use cases: live choices, saving, and the settings in words."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiotsync.httpkit.errors import PlatformError
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant

from .branches import remember_branches
from .forms import FLAG_LABELS

log = logging.getLogger(__name__)


@dataclass
class Choices:
    branches: list[tuple[int, str]] = field(default_factory=list)
    locations: list[tuple[int, str]] = field(default_factory=list)
    price_books: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


#: The merchant saved the settings for the first time (``tenant``, ``ports``): the product lists
#: can be filled (the catalogue listens; nothing is written to the platforms until asked).
first_saved = Signal()

#: The Haravan location stock is written to changed (``tenant``, ``old_location_id``, ``ports``):
#: the catalogue writes every linked variant to the new location, and answers how many products
#: it had put on sale at the old one (an ``int``), which the merchant is then asked about.
location_changed = Signal()

#: The merchant chose to stop selling at the old location (``tenant``, ``location_id``,
#: ``ports``): the catalogue sets its stock there to 0 and answers ``(count, error in words)``.
zero_location_asked = Signal()


#: The merchant saved settings that had been saved before (``tenant``, ``before``, ``after``,
#: ``ports``): the catalogue plans again what the change affects (stock mode and branch, ticked
#: fields, price source). The Haravan location has its own signal, :data:`location_changed`.
changed = Signal()


@dataclass(frozen=True)
class LocationSwitch:
    """A stock location change waiting for the merchant's answer: zero the old location?"""

    old_location_id: int
    old_location_name: str
    selling: int

    def as_json(self) -> dict[str, Any]:
        return {"old": self.old_location_id, "name": self.old_location_name, "selling": self.selling}

    @classmethod
    def from_json(cls, data: object) -> LocationSwitch | None:
        if not isinstance(data, dict) or not isinstance(data.get("old"), int):
            return None
        selling = data.get("selling")
        return cls(
            data["old"], str(data.get("name") or data["old"]), selling if isinstance(selling, int) else 0
        )


def switch_location(
    tenant: Tenant, before: SyncSettings, after: SyncSettings, ports: Ports
) -> LocationSwitch | None:
    """After saving: if the Haravan location changed (settings saved before), the new location
    gets the stock (the catalogue writes it) and, when KiotSync had products on sale at the old
    one, the switch to ask the merchant about."""
    old = before.haravan_location_id
    if before.configured_at is None or not old or old == after.haravan_location_id:
        return None
    answers: list[tuple[Any, Any]] = list(
        location_changed.send(sender=SyncSettings, tenant=tenant, old_location_id=old, ports=ports)
    )
    selling = sum(answer for _receiver, answer in answers if isinstance(answer, int))
    return LocationSwitch(old, before.haravan_location_name or str(old), selling)


def zero_old_location(tenant: Tenant, switch: LocationSwitch, ports: Ports) -> tuple[int, str]:
    """Set the old location's stock to 0 (what the catalogue put there); ``(count, error)``."""
    count, errors = 0, list[str]()
    answers: list[tuple[Any, Any]] = list(
        zero_location_asked.send(
            sender=SyncSettings, tenant=tenant, location_id=switch.old_location_id, ports=ports
        )
    )
    for _receiver, answer in answers:
        if isinstance(answer, tuple):
            count += int(answer[0])
            if answer[1]:
                errors.append(str(answer[1]))
    return count, " ".join(errors)


def load_choices(tenant: Tenant, ports: Ports) -> Choices:
    """Branches and price books from KiotViet, locations from Haravan (read live)."""
    choices = Choices()
    try:
        kv = ports.kiotviet(tenant)
        branches = kv.list_branches()
        remember_branches(tenant, branches, complete=True, removed=branches.removed_ids)
        choices.branches = [(b.id, b.name or str(b.id)) for b in branches if b.id is not None]
        choices.price_books = [(p.id, p.name or str(p.id)) for p in kv.list_pricebooks() if p.id is not None]
    except PlatformError as exc:
        log.warning("loading kiotviet choices failed: %s", exc)
        choices.errors.append(
            str(_("Không đọc được chi nhánh và bảng giá từ KiotViet: %(m)s") % {"m": exc.message})
        )
    try:
        hv = ports.haravan(tenant)
        choices.locations = [
            (loc.id, loc.name or str(loc.id)) for loc in hv.list_locations() if loc.id is not None
        ]
    except PlatformError as exc:
        log.warning("loading haravan locations failed: %s", exc)
        choices.errors.append(str(_("Không đọc được danh sách kho từ Haravan: %(m)s") % {"m": exc.message}))
    return choices


def initial(settings: SyncSettings, choices: Choices) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_branch": settings.order_branch_id,
        "stock_mode": settings.stock_mode,
        "haravan_location": settings.haravan_location_id,
        "order_side": settings.order_side,
        "price_source": settings.price_source,
        "price_book": settings.price_book_id,
        "link_key": settings.link_key,
        "auto_sync_interval_minutes": settings.auto_sync_interval_minutes,
    }
    if settings.configured_at is None:
        # First visit: propose the first branch and the primary (first) location.
        data["order_branch"] = data["order_branch"] or (choices.branches[0][0] if choices.branches else None)
        data["haravan_location"] = data["haravan_location"] or (
            choices.locations[0][0] if choices.locations else None
        )
    for flag in SyncSettings.FIELD_FLAGS:
        data[flag] = getattr(settings, flag)
    return data


def save(tenant: Tenant, cleaned: dict[str, Any], choices: Choices) -> SyncSettings:
    settings, _created = SyncSettings.objects.get_or_create(tenant=tenant)
    branches = dict(choices.branches)
    locations = dict(choices.locations)
    books = dict(choices.price_books)
    settings.order_branch_id = cleaned["order_branch"]
    settings.order_branch_name = branches.get(cleaned["order_branch"], "")
    settings.stock_mode = cleaned["stock_mode"]
    settings.haravan_location_id = cleaned["haravan_location"]
    settings.haravan_location_name = locations.get(cleaned["haravan_location"], "")
    settings.order_side = cleaned["order_side"]
    settings.price_source = cleaned["price_source"]
    use_book = cleaned["price_source"] == SyncSettings.PriceSource.PRICE_BOOK
    settings.price_book_id = cleaned.get("price_book") if use_book else None
    settings.price_book_name = books.get(cleaned.get("price_book") or 0, "") if use_book else ""
    settings.link_key = cleaned["link_key"]
    settings.auto_sync_interval_minutes = cleaned["auto_sync_interval_minutes"]
    for flag in SyncSettings.FIELD_FLAGS:
        setattr(settings, flag, bool(cleaned.get(flag)))
    settings.configured_at = settings.configured_at or timezone.now()
    settings.save()
    return settings


STOCK_EXPLAIN = {
    SyncSettings.StockMode.ALL_BRANCHES: _(
        "Cộng tồn kho (có thể bán) của tất cả chi nhánh rồi đưa lên Haravan."
    ),
    SyncSettings.StockMode.ORDER_BRANCH: _("Chỉ lấy tồn kho của chi nhánh đã chọn ở mục 1."),
}
ORDER_EXPLAIN = {
    SyncSettings.OrderSide.KIOTVIET: _(
        "Đơn đặt trên website Haravan được đẩy sang KiotViet; bạn xử lý (xác nhận, giao hàng, thanh toán) ở KiotViet và trạng thái tự cập nhật về Haravan."
    ),
    SyncSettings.OrderSide.HARAVAN: _(
        "Đơn đặt trên website Haravan vẫn được ghi sang KiotViet (giữ tồn kho ở chi nhánh nhận đơn); đơn phát sinh ở KiotViet được đẩy sang Haravan. Bạn xử lý và giao cho nhà vận chuyển trên Haravan, trạng thái tự cập nhật về KiotViet."
    ),
}


def describe(settings: SyncSettings) -> list[tuple[str, str]]:
    """The settings in words, for the connection screen."""
    flags = [str(label) for name, label in FLAG_LABELS.items() if getattr(settings, name)]
    if settings.price_source == SyncSettings.PriceSource.PRICE_BOOK:
        price = str(_("Bảng giá “%(name)s”") % {"name": settings.price_book_name or settings.price_book_id})
    else:
        price = str(_("Giá bán (giá chung)"))
    not_set = str(_("Chưa chọn"))
    return [
        (str(_("Chi nhánh nhận đơn hàng")), settings.order_branch_name or not_set),
        (str(_("Tồn kho")), str(settings.get_stock_mode_display())),
        (str(_("Kho Haravan nhận tồn kho")), settings.haravan_location_name or not_set),
        (str(_("Nơi xử lý đơn hàng")), str(settings.get_order_side_display())),
        (str(_("Ghi đè từ KiotViet")), ", ".join(flags) if flags else str(_("Không ghi đè thuộc tính nào"))),
        (str(_("Giá lấy từ")), price),
        (str(_("Liên kết sản phẩm theo")), str(settings.get_link_key_display())),
        (
            str(_("Tự động đồng bộ")),
            str(_("Đang bật, kiểm tra mỗi %(n)s phút") % {"n": settings.auto_sync_interval_minutes})
            if settings.auto_sync_enabled
            else str(_("Đang tắt")),
        ),
    ]
