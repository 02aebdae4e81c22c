"""What the product screens show, in the merchant's words: statuses, job figures, the values
last pushed, the timeline (view models and formatting; no queries of their own)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.html import strip_tags
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from kiotsync.core.catalog.links import FieldValue, fingerprint
from kiotsync.core.catalog.reasons import Reason, ReasonCode

from .models import (
    HvVariantRow,
    KvRow,
    RowState,
    SyncEvent,
    SyncJob,
)
from .templatetags.catalog_format import money


@dataclass(frozen=True)
class StatusView:
    """A status badge: words, colour (app.css badge class) and, when there is one, the reason in
    the merchant's words with what to do about it."""

    label: str
    tone: str
    reason: str = ""
    fix: str = ""
    error: str = ""

    @property
    def explained(self) -> bool:
        return bool(self.reason or self.error)


KV_TONES: Mapping[str, str] = {
    RowState.LINKED: "ok",
    RowState.PLANNED: "info",
    RowState.PENDING: "off",
    RowState.OPTED_OUT: "off",
    RowState.NOT_APPLICABLE: "off",
    RowState.NEEDS_ATTENTION: "warn",
    RowState.ERROR: "bad",
}


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def reason_texts(code: str, params: Mapping[str, Any] | None) -> tuple[str, str]:
    """(message, fix) for a stored reason, in the active language; ("", "") if none/unknown."""
    if not code:
        return "", ""
    try:
        reason = Reason.of(ReasonCode(code), **dict(params or {}))
    except ValueError:
        return code, ""
    lang = _lang()
    return reason.message(lang), reason.fix(lang)


def _state_label(state: str) -> str:
    try:
        return str(RowState(state).label)
    except ValueError:
        return state


def kv_status(row: KvRow) -> StatusView:
    message, fix = reason_texts(row.reason_code, row.reason_params)
    error = row.last_error if row.state == RowState.ERROR else ""
    return StatusView(_state_label(row.state), KV_TONES.get(row.state, "off"), message, fix, error)


def hv_status(row: HvVariantRow, linked: bool) -> StatusView:
    """Haravan → KiotViet status of one variant. "On KiotViet" is known from the transfer's own
    record (``kv_id``/state) or from a link made by the KiotViet → Haravan flow."""
    message, fix = reason_texts(row.reason_code, row.reason_params)
    if row.state == RowState.ERROR:
        return StatusView(_("Lỗi"), "bad", message, fix, row.last_error)
    if row.state == RowState.NEEDS_ATTENTION:
        return StatusView(_("Cần xử lý"), "warn", message, fix)
    if linked or row.kv_id is not None or row.state == RowState.LINKED:
        return StatusView(_("Đã có trên KiotViet"), "ok")
    if row.state == RowState.PLANNED:
        return StatusView(_("Đang chờ chuyển"), "info", message, fix)
    if row.state == RowState.NOT_APPLICABLE:
        return StatusView(_("Không cần chuyển"), "off", message, fix)
    if row.state == RowState.OPTED_OUT:
        return StatusView(_("Không chuyển"), "off", message, fix)
    return StatusView(_("Chưa có trên KiotViet"), "off", message, fix)


JOB_FIGURES: Mapping[str, Any] = {
    "created": gettext_lazy("tạo mới"),
    "updated": gettext_lazy("cập nhật"),
    "linked": gettext_lazy("liên kết"),
    "hidden": gettext_lazy("ẩn"),
    "skus": gettext_lazy("ghi SKU"),
    "stock_lines": gettext_lazy("dòng tồn kho"),
    "failed": gettext_lazy("lỗi"),
}


def job_summary(job: SyncJob | None) -> tuple[list[tuple[str, str]], str]:
    """A finished job's figures in words, from its ``key=value`` message; anything else in the
    message (a failure explained) is returned as text."""
    if job is None or not job.message:
        return [], ""
    pairs = [part.split("=", 1) for part in job.message.split()]
    if not all(len(p) == 2 and p[0] in JOB_FIGURES and p[1].isdigit() for p in pairs):
        return [], job.message
    return [(str(JOB_FIGURES[k]), v) for k, v in pairs if v != "0"], ""


VARIANT_FIELD_LABELS: Mapping[str, Any] = {
    "sku": gettext_lazy("SKU"),
    "barcode": gettext_lazy("Mã vạch"),
    "price": gettext_lazy("Giá bán"),
    "grams": gettext_lazy("Khối lượng (g)"),
    "option_values": gettext_lazy("Giá trị thuộc tính"),
    "tracked": gettext_lazy("Quản lý tồn kho"),
}


PRODUCT_FIELD_LABELS: Mapping[str, Any] = {
    "title": gettext_lazy("Tên sản phẩm"),
    "body_html": gettext_lazy("Mô tả"),
    "product_type": gettext_lazy("Loại sản phẩm"),
    "images": gettext_lazy("Hình ảnh"),
    "published": gettext_lazy("Hiển thị"),
    "options": gettext_lazy("Thuộc tính"),
}


@dataclass(frozen=True)
class PushedField:
    """One field of the last push: KiotViet's current value, Haravan's current value, and whether
    Haravan still shows exactly what the app wrote (the stored fingerprint matches it)."""

    label: str
    kiotviet: str
    haravan: str
    unchanged: bool | None


def _words(value: FieldValue | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, tuple):
        text = ", ".join(value) if value else "—"
    elif isinstance(value, Decimal):
        text = format(value.normalize(), "f")
    else:
        text = str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def haravan_variant_values(row: HvVariantRow) -> dict[str, FieldValue | None]:
    """Haravan's current variant values, typed as the planner fingerprints them."""
    variant = (row.product_data or {}).get("variant", {})
    return {
        "sku": row.sku,
        "barcode": row.barcode,
        "price": row.price,
        "grams": _dec(variant.get("grams")),
        "option_values": tuple(variant.get("option_values", [])),
        "tracked": variant.get("tracked"),
    }


def haravan_product_values(row: HvVariantRow) -> dict[str, FieldValue | None]:
    data = row.product_data or {}
    return {
        "title": data.get("title", row.product_title),
        "body_html": data.get("body_html"),
        "product_type": data.get("product_type", row.product_type),
        "images": tuple(data.get("images", [])),
        "published": data.get("published", row.published),
        "options": tuple(data.get("options", [])),
    }


def kiotviet_variant_values(row: KvRow) -> dict[str, FieldValue | None]:
    """KiotViet's current values under the Haravan field names (price: basePrice; a price book,
    when chosen in the settings, may give the pushed price instead)."""
    data = row.data or {}
    return {
        "sku": row.code,
        "barcode": row.barcode,
        "price": row.base_price,
        "grams": _dec(data.get("weight")),
        "option_values": tuple(v for _n, v in data.get("attributes", [])),
        "tracked": row.type != 3,
    }


def kiotviet_product_values(head: KvRow) -> dict[str, FieldValue | None]:
    data = head.data or {}
    return {
        "title": head.name,
        "body_html": data.get("description"),
        "product_type": head.category_name,
        "images": tuple(data.get("images", [])),
        "published": head.is_active,
        "options": None,
    }


def pushed_fields(
    pushed: Mapping[str, str],
    labels: Mapping[str, Any],
    kiotviet: Mapping[str, FieldValue | None],
    haravan: Mapping[str, FieldValue | None] | None,
) -> list[PushedField]:
    out = []
    for name in [n for n in labels if n in pushed] + sorted(n for n in pushed if n not in labels):
        current = haravan.get(name) if haravan is not None else None
        unchanged = None if current is None else fingerprint(current) == pushed[name]
        kv_text, hv_text = _field_words(name, kiotviet.get(name)), _field_words(name, current)
        out.append(PushedField(str(labels.get(name, name)), kv_text, hv_text, unchanged))
    return out


def _field_words(name: str, value: FieldValue | None) -> str:
    """Images as a count (URLs differ once Haravan re-hosts them), descriptions without tags."""
    if name == "price" and isinstance(value, Decimal):
        return money(value)
    if name == "images" and isinstance(value, tuple):
        return ngettext("%(n)d ảnh", "%(n)d ảnh", len(value)) % {"n": len(value)}
    if name == "body_html" and isinstance(value, str):
        return _words(" ".join(strip_tags(value).split()))
    return _words(value)


ACTION_LABELS: Mapping[str, Any] = {
    "create": gettext_lazy("Tạo sản phẩm trên Haravan"),
    "add_variant": gettext_lazy("Thêm phiên bản trên Haravan"),
    "update": gettext_lazy("Cập nhật sản phẩm trên Haravan"),
    "update_variant": gettext_lazy("Cập nhật phiên bản trên Haravan"),
    "hide": gettext_lazy("Ẩn sản phẩm trên Haravan"),
    "link": gettext_lazy("Liên kết với sản phẩm có sẵn"),
    "adopt": gettext_lazy("Nhận lại sản phẩm đã tạo"),
    "stock": gettext_lazy("Cập nhật tồn kho trên Haravan"),
    "transfer": gettext_lazy("Tạo hàng hóa trên KiotViet"),
    "create_category": gettext_lazy("Tạo nhóm hàng trên KiotViet"),
    "write_back_sku": gettext_lazy("Ghi mã hàng vào SKU Haravan"),
}


CHANGE_LABELS: Mapping[str, Any] = {
    **VARIANT_FIELD_LABELS,
    **PRODUCT_FIELD_LABELS,
    "variants": gettext_lazy("Số phiên bản"),
    "available": gettext_lazy("Tồn kho có thể bán"),
    "on_hand_set": gettext_lazy("Tồn kho ghi lên Haravan"),
    "lines": gettext_lazy("Số dòng tồn kho"),
    "code": gettext_lazy("Mã hàng"),
    "name": gettext_lazy("Tên"),
    "reason": gettext_lazy("Lý do"),
}


@dataclass(frozen=True)
class TimelineEntry:
    event: SyncEvent
    label: str
    changes: list[tuple[str, str]]


def _change_text(name: str, value: Any) -> str:
    """A changed field's new value in words (events store field → value written)."""
    if name == "reason" and isinstance(value, str):
        return reason_texts(value, {})[0] or value
    if name == "price" and (amount := _dec(value)) is not None:
        return money(amount)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (list, tuple)):
        return _field_words(name, tuple(str(v) for v in value))
    if value is None or isinstance(value, bool):
        return _words(value)
    return _field_words(name, str(value))


def timeline(events: Iterable[SyncEvent]) -> list[TimelineEntry]:
    """Attempts newest first, with the action and each changed field in words."""
    out = []
    for event in events:
        changes = event.changes if isinstance(event.changes, Mapping) else {"": event.changes}
        items = [(str(CHANGE_LABELS.get(k, k)), _change_text(k, v)) for k, v in changes.items()]
        out.append(TimelineEntry(event, str(ACTION_LABELS.get(event.action, event.action)), items))
    return out


@dataclass(frozen=True)
class BranchStock:
    branch: str
    on_hand: Decimal
    reserved: Decimal


def branch_label(names: dict[int, str], branch_id: int) -> str:
    return names.get(branch_id) or _("Chi nhánh %(id)s") % {"id": branch_id}
