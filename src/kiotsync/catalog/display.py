"""What the product screens show, in the merchant's words — the one place for them: the
product's standing (on Haravan and up to date, on Haravan with changes waiting, not on Haravan,
needs attention), stock in sellable whole units, job progress and results, the values last
pushed and the timeline (view models and formatting; no queries of their own).

No status, code or enum reaches a product screen raw: each has its words here (Vietnamese
msgids, English in the ``en`` catalogue)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils import timezone
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
from .templatetags.catalog_format import money, qty


@dataclass(frozen=True)
class StatusView:
    """A status badge: words, colour (app.css badge class) and, when there is one, the reason in
    the merchant's words with what to do about it; ``notes``: short facts shown under the badge
    (which changes wait, since when; why a product is not on Haravan)."""

    label: str
    tone: str
    reason: str = ""
    fix: str = ""
    error: str = ""
    notes: tuple[str, ...] = ()

    @property
    def explained(self) -> bool:
        return bool(self.reason or self.error)


class Standing(StrEnum):
    """A KiotViet product as the merchant asks about it: is it on Haravan, and is it up to
    date? (plus the two rows they set aside: sync turned off, deleted in KiotViet)."""

    UP_TO_DATE = "up_to_date"
    CHANGES_PENDING = "changes_pending"
    NOT_ON_HARAVAN = "not_on_haravan"
    NEEDS_ATTENTION = "needs_attention"
    OPTED_OUT = "opted_out"
    DELETED = "deleted"


#: The badge of each standing.
STANDING_LABELS: Mapping[str, Any] = {
    Standing.UP_TO_DATE: gettext_lazy("Đã có trên Haravan"),
    Standing.CHANGES_PENDING: gettext_lazy("Chờ cập nhật lên Haravan"),
    Standing.NOT_ON_HARAVAN: gettext_lazy("Chưa có trên Haravan"),
    Standing.NEEDS_ATTENTION: gettext_lazy("Cần xử lý"),
    Standing.OPTED_OUT: gettext_lazy("Đã tắt đồng bộ"),
    Standing.DELETED: gettext_lazy("Đã xóa trên KiotViet"),
}

#: The status filter: the merchant's one question, then the rows set aside.
KV_FILTERS: tuple[tuple[str, Any], ...] = (
    (Standing.UP_TO_DATE, gettext_lazy("Đã có trên Haravan, đã cập nhật")),
    (Standing.CHANGES_PENDING, gettext_lazy("Đã có trên Haravan, chờ cập nhật")),
    (Standing.NOT_ON_HARAVAN, gettext_lazy("Chưa có trên Haravan")),
    (Standing.NEEDS_ATTENTION, gettext_lazy("Cần xử lý")),
    (Standing.OPTED_OUT, gettext_lazy("Đã tắt đồng bộ")),
    (Standing.DELETED, gettext_lazy("Đã xóa trên KiotViet")),
)

STANDING_TONES: Mapping[str, str] = {
    Standing.UP_TO_DATE: "ok",
    Standing.CHANGES_PENDING: "info",
    Standing.NOT_ON_HARAVAN: "off",
    Standing.NEEDS_ATTENTION: "warn",
    Standing.OPTED_OUT: "off",
    Standing.DELETED: "bad",
}


@dataclass(frozen=True)
class Pending:
    """What KiotViet changed that Haravan does not show yet, and since when."""

    stock_since: datetime | None = None
    info_since: datetime | None = None

    def __bool__(self) -> bool:
        return self.stock_since is not None or self.info_since is not None


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def reason_texts(code: str, params: Mapping[str, Any] | None) -> tuple[str, str]:
    """(message, fix) for a stored reason, in the active language; ("", "") if none/unknown."""
    if not code:
        return "", ""
    try:
        reason = Reason.of(ReasonCode(code), **dict(params or {}))
    except ValueError:
        return _("Lý do chưa có mô tả."), ""
    lang = _lang()
    return reason.message(lang), reason.fix(lang)


def when(moment: datetime | None) -> str:
    """A time the merchant reads: "14:05 02/12/2026" in the shop's time zone."""
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def standing_of(row: KvRow, linked: bool, pending: Pending | None = None) -> Standing:
    if row.deleted:
        return Standing.DELETED
    if row.opted_out:
        return Standing.OPTED_OUT
    if row.state in (RowState.NEEDS_ATTENTION, RowState.ERROR):
        return Standing.NEEDS_ATTENTION
    if linked:
        return Standing.CHANGES_PENDING if pending else Standing.UP_TO_DATE
    return Standing.NOT_ON_HARAVAN


def _pending_notes(pending: Pending) -> tuple[str, ...]:
    notes = []
    if pending.info_since is not None:
        notes.append(_("Thông tin sản phẩm đổi trên KiotViet lúc %(t)s") % {"t": when(pending.info_since)})
    if pending.stock_since is not None:
        notes.append(_("Tồn kho đổi trên KiotViet lúc %(t)s") % {"t": when(pending.stock_since)})
    return tuple(notes)


def _not_on_haravan_notes(row: KvRow) -> tuple[str, str]:
    """(why, what to do) for a product that is not on Haravan."""
    if row.state == RowState.PLANNED:
        return _("Đang chờ lần đồng bộ tới."), ""
    if row.state == RowState.NOT_APPLICABLE and row.reason_code:
        return reason_texts(row.reason_code, row.reason_params)
    if row.last_synced_at is None:
        return _("Chưa đồng bộ lần nào."), _("Bấm [Đồng bộ] để tạo sản phẩm trên Haravan.")
    return _("Chưa được tạo trên Haravan."), _("Bấm [Đồng bộ lại] để thử lại.")


def kv_status(row: KvRow, linked: bool | None = None, pending: Pending | None = None) -> StatusView:
    """The standing of one KiotViet row in words: never "on Haravan" for a row that is not,
    never "up to date" while a change waits (``pending``). ``linked``: a Haravan variant is
    linked to the row (default: what the last sync recorded)."""
    linked = row.state == RowState.LINKED if linked is None else linked
    standing = standing_of(row, linked, pending)
    label, tone = str(STANDING_LABELS[standing]), STANDING_TONES[standing]
    message, fix = reason_texts(row.reason_code, row.reason_params)
    if standing is Standing.NEEDS_ATTENTION:
        if row.state == RowState.ERROR:
            return StatusView(
                label,
                "bad",
                message,
                fix or _("Kiểm tra lỗi bên dưới rồi bấm [Đồng bộ lại]."),
                row.last_error or _("Haravan chưa nhận thay đổi."),
            )
        return StatusView(label, tone, message, fix)
    if standing is Standing.CHANGES_PENDING and pending:
        return StatusView(label, tone, notes=_pending_notes(pending))
    if standing is Standing.NOT_ON_HARAVAN:
        why, todo = _not_on_haravan_notes(row)
        return StatusView(label, tone, notes=(why,), fix=todo)
    if standing is Standing.OPTED_OUT:
        chosen = message or str(reason_texts(ReasonCode.OPTED_OUT.value, {})[0])
        where = (
            _("Sản phẩm vẫn ở trên Haravan, không được cập nhật.") if linked else _("Chưa có trên Haravan.")
        )
        return StatusView(label, tone, notes=(chosen, where))
    if standing is Standing.UP_TO_DATE and row.state == RowState.NOT_APPLICABLE and message:
        return StatusView(label, tone, notes=(message,))
    return StatusView(label, tone)


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

#: Each job state in words (the job panel's badge).
JOB_STATES: Mapping[str, Any] = {
    SyncJob.State.QUEUED: gettext_lazy("Đang chờ bắt đầu"),
    SyncJob.State.RUNNING: gettext_lazy("Đang chạy"),
    SyncJob.State.DONE: gettext_lazy("Hoàn tất"),
    SyncJob.State.FAILED: gettext_lazy("Lỗi"),
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


@dataclass(frozen=True)
class JobView:
    """The job panel: what the latest run is doing or did, in words. While it waits or reads
    the catalogues there is no percentage to show (nothing is counted yet); once done, its
    figures — or, when nothing had to change, that Haravan already matched."""

    state: str
    label: str
    tone: str
    phase: str = ""
    percent: int | None = None
    steps: str = ""
    figures: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    nothing_changed: bool = False
    moment: str = ""


def job_view(job: SyncJob | None) -> JobView | None:
    if job is None:
        return None
    label = str(JOB_STATES.get(job.state, JOB_STATES[SyncJob.State.RUNNING]))
    if job.state == SyncJob.State.QUEUED:
        return JobView(job.state, label, "info", phase=_("Đang chờ máy chạy nền nhận việc…"))
    if job.state == SyncJob.State.RUNNING:
        if not job.total:
            return JobView(job.state, label, "info", phase=_("Đang đọc sản phẩm của hai bên…"))
        steps = _("%(done)s/%(total)s bước") % {"done": min(job.done, job.total), "total": job.total}
        started = _("Bắt đầu lúc %(t)s") % {"t": when(job.started_at)} if job.started_at else ""
        return JobView(job.state, label, "info", percent=job.percent, steps=steps, moment=started)
    figures, text = job_summary(job)
    finished = _("Xong lúc %(t)s") % {"t": when(job.finished_at)} if job.finished_at else ""
    if job.state == SyncJob.State.FAILED:
        return JobView(
            job.state, label, "bad", percent=job.percent if job.total else None, text=text, moment=finished
        )
    quiet = not figures and not text
    return JobView(
        job.state, label, "ok", percent=100, figures=figures, moment=finished, nothing_changed=quiet
    )


VARIANT_FIELD_LABELS: Mapping[str, Any] = {
    "sku": gettext_lazy("SKU"),
    "barcode": gettext_lazy("Mã vạch"),
    "price": gettext_lazy("Giá bán"),
    "grams": gettext_lazy("Khối lượng"),
    "option_values": gettext_lazy("Giá trị thuộc tính"),
    "tracked": gettext_lazy("Quản lý tồn kho"),
}


PRODUCT_FIELD_LABELS: Mapping[str, Any] = {
    "title": gettext_lazy("Tên sản phẩm"),
    "body_html": gettext_lazy("Mô tả"),
    "product_type": gettext_lazy("Loại sản phẩm"),
    "images": gettext_lazy("Hình ảnh"),
    "published": gettext_lazy("Hiển thị"),
    "options": gettext_lazy("Các thuộc tính"),
}


@dataclass(frozen=True)
class PushedField:
    """One field of the last push: KiotViet's current value, Haravan's current value, and whether
    Haravan still shows exactly what the app wrote (the stored fingerprint matches it)."""

    label: str
    kiotviet: str
    haravan: str
    unchanged: bool | None


#: Haravan's names for a product without options: its one option and that option's value.
HARAVAN_DEFAULT_OPTION = "Title"
HARAVAN_DEFAULT_VALUE = "Default Title"


def variant_title(title: str) -> str:
    """A Haravan variant's title in words ("Default Title": the product's only variant)."""
    return _("Mặc định") if not title or title == HARAVAN_DEFAULT_VALUE else title


def option_names(names: Iterable[str] | None) -> str:
    """A Haravan product's option names in words (its default "Title": none)."""
    shown = [n for n in names or () if n and n != HARAVAN_DEFAULT_OPTION]
    return ", ".join(shown) if shown else _("Không có thuộc tính (một phiên bản)")


def _words(value: FieldValue | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, tuple):
        text = (
            ", ".join(variant_title(v) if v == HARAVAN_DEFAULT_VALUE else v for v in value) if value else "—"
        )
    elif isinstance(value, Decimal):
        text = qty(value)
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
    """Images as a count (URLs differ once Haravan re-hosts them), descriptions without tags,
    weights in grams, Haravan's default option in words."""
    if name == "price" and isinstance(value, Decimal):
        return money(value)
    if name == "grams" and isinstance(value, (Decimal, int, float, str)) and _dec(value) is not None:
        return _("%(n)s g") % {"n": qty(_dec(value))}
    if name == "options" and isinstance(value, tuple):
        return option_names(value)
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
    if value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return _field_words(name, tuple(str(v) for v in value))
    if value is None or isinstance(value, bool):
        return _words(value)
    return _field_words(name, str(value))


def timeline(events: Iterable[SyncEvent]) -> list[TimelineEntry]:
    """Attempts newest first, with the action and each changed field in words (the API call
    made stays out of the text: the template keeps it as a tooltip for support)."""
    out = []
    for event in events:
        changes = event.changes if isinstance(event.changes, Mapping) else {"": event.changes}
        items = [(str(CHANGE_LABELS.get(k, _("Khác"))), _change_text(k, v)) for k, v in changes.items()]
        label = str(ACTION_LABELS.get(event.action, _("Thao tác khác")))
        out.append(TimelineEntry(event, label, items))
    return out


@dataclass(frozen=True)
class ResyncOutcome:
    """What "Đồng bộ lại" did, once the product's sync has run (``done``): what it wrote to
    Haravan, or that nothing had to change."""

    done: bool
    headline: str
    tone: str = "success"
    lines: tuple[str, ...] = ()


def resync_words(done: bool, events: Iterable[SyncEvent], status: StatusView) -> ResyncOutcome:
    if not done:
        return ResyncOutcome(False, _("Đang đồng bộ lại sản phẩm…"), "info")
    outcome = _resync_words(list(events), status)
    now = _("Trạng thái: %(s)s") % {"s": status.label}
    return ResyncOutcome(True, outcome.headline, outcome.tone, (*outcome.lines, now))


def _resync_words(events: list[SyncEvent], status: StatusView) -> ResyncOutcome:
    entries = timeline(events)
    failed = [e for e in entries if not e.event.ok]
    if failed:
        lines = tuple(f"{e.label}: {e.event.error}" if e.event.error else e.label for e in failed)
        return ResyncOutcome(True, _("Đồng bộ lại chưa thành công."), "error", lines)
    if entries:
        lines = tuple(dict.fromkeys(e.label for e in entries))
        return ResyncOutcome(True, _("Đã đồng bộ lại: Haravan đã nhận các thay đổi."), "success", lines)
    if status.tone in ("warn", "bad"):
        return ResyncOutcome(
            True,
            _("Chưa đồng bộ được: sản phẩm cần xử lý."),
            "error",
            (status.reason,) if status.reason else (),
        )
    if status.label == str(STANDING_LABELS[Standing.NOT_ON_HARAVAN]):
        return ResyncOutcome(
            True, _("Không có gì để ghi: sản phẩm chưa được đưa lên Haravan."), "info", status.notes
        )
    return ResyncOutcome(
        True, _("Không có gì thay đổi: sản phẩm trên Haravan đã khớp với KiotViet."), "success"
    )


@dataclass(frozen=True)
class StockView:
    """A row's stock as Haravan sells it: ``sellable`` whole units (what the sync writes:
    on hand − ordered, over the branches chosen in the settings, floored), in the row's
    ``unit``; for an alternative unit the base quantity alongside (``base`` ``base_unit``:
    "28 Thùng" with "674 Lon"), never a bare fraction of a case. ``on_hand``/``reserved``: what
    KiotViet holds in those branches. ``note``: why there is no figure."""

    sellable: int | None = None
    unit: str = ""
    base: int | None = None
    base_unit: str = ""
    on_hand: Decimal | None = None
    reserved: Decimal | None = None
    combo: bool = False
    note: str = ""

    @property
    def on_hand_differs(self) -> bool:
        return self.on_hand is not None and self.sellable is not None and self.on_hand != self.sellable


@dataclass(frozen=True)
class BranchStock:
    """One branch's stock of a row; for an alternative unit, in whole units of it (``whole``)
    with the base quantity (``base`` ``base_unit``) alongside."""

    branch: str
    on_hand: Decimal
    reserved: Decimal
    whole: int | None = None
    unit: str = ""
    base: Decimal | None = None
    base_unit: str = ""


def unit_stock(base_on_hand: Decimal, conversion: Decimal) -> int:
    """Whole alternative units held by a base quantity (24 Lon per Thùng: 698 Lon → 29)."""
    if conversion <= 0:
        return 0
    return max(0, math.floor(base_on_hand / conversion))


def branch_label(names: dict[int, str], branch_id: int) -> str:
    return names.get(branch_id) or _("Chi nhánh %(id)s") % {"id": branch_id}
