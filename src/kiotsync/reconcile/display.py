"""The "Đối soát" screen's words: each drift's kind and cause (a hand edit names its fields),
what it should be and what is there, and the counts by kind. Built when the page is shown, so
the words follow the merchant's language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kiotsync.catalog.display import CHANGE_LABELS, PushedField, pushed_fields
from kiotsync.core.catalog.links import FieldValue

from .models import Drift

_DECIMALS = ("price", "grams")


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    found: int
    healed: int
    open: int


@dataclass(frozen=True)
class DriftRow:
    drift: Drift
    kind: str
    cause: str
    expected: str
    actual: str
    fields: list[PushedField] = field(default_factory=list)
    note: str = ""
    fixable: bool = False
    #: The merchant's step when no click can fix it ("" when a click can, or it is done).
    todo: str = ""


def kind_counts(drifts: Iterable[Drift]) -> list[KindCount]:
    """Per kind (in the order of :class:`.models.Drift.Kind`): found, healed by the run or fixed
    since, and still open."""
    found: Counter[str] = Counter()
    healed: Counter[str] = Counter()
    for d in drifts:
        found[d.kind] += 1
        healed[d.kind] += d.healed or d.fixed_at is not None
    return [
        KindCount(kind.value, str(kind.label), found[kind], healed[kind], found[kind] - healed[kind])
        for kind in Drift.Kind
        if found[kind]
    ]


def drift_rows(drifts: Iterable[Drift]) -> list[DriftRow]:
    return [_row(d) for d in drifts]


def _row(d: Drift) -> DriftRow:
    done = d.healed or d.fixed_at is not None
    if d.kind == Drift.Kind.STOCK:
        return _stock_row(d, done)
    if d.kind == Drift.Kind.PRODUCT_FIELDS:
        return _fields_row(d, done)
    todo = ""
    if not done and d.kind == Drift.Kind.ORDER_DUPLICATE:
        todo = _("Hủy bớt đơn trùng trên KiotViet (giữ một): %(codes)s") % {"codes": d.actual}
    return DriftRow(
        d,
        d.get_kind_display(),
        d.get_cause_display(),
        d.expected,
        d.actual,
        fixable=not done and not todo,
        todo=todo,
    )


def _stock_row(d: Drift, done: bool) -> DriftRow:
    detail = d.detail or {}
    notes = []
    if detail.get("deleted"):
        notes.append(_("Đã xóa trên KiotViet: Haravan không được bán nữa."))
    pending = int(detail.get("pending") or 0)
    if pending:
        notes.append(
            ngettext(
                "Đã trừ %(n)d đang giữ cho đơn Haravan chưa có trên KiotViet.",
                "Đã trừ %(n)d đang giữ cho các đơn Haravan chưa có trên KiotViet.",
                pending,
            )
            % {"n": pending}
        )
    todo = ""
    if not done and d.cause == Drift.Cause.ORDER_NOT_IN_KV:
        todo = _("Gửi đơn sang KiotViet (dòng “Đơn chưa sang KiotViet”); tồn kho tự khớp sau đó.")
    return DriftRow(
        d,
        d.get_kind_display(),
        d.get_cause_display(),
        _("Có thể bán: %(n)s") % {"n": d.expected},
        _("Haravan đang bán: %(n)s") % {"n": d.actual},
        note=" ".join(notes),
        fixable=not done and not todo,
        todo=todo,
    )


def _fields_row(d: Drift, done: bool) -> DriftRow:
    fields: Mapping[str, Mapping[str, Any]] = (d.detail or {}).get("fields") or {}
    kiotviet = {name: _typed(name, f.get("kv")) for name, f in fields.items()}
    haravan = {name: _typed(name, f.get("hv")) for name, f in fields.items()}
    lines = pushed_fields(dict.fromkeys(fields, ""), CHANGE_LABELS, kiotviet, haravan)
    cause = d.get_cause_display()
    named = [n for n, f in fields.items() if f.get("written")] if d.cause == Drift.Cause.HARAVAN_EDIT else []
    if named:
        cause = f"{cause}: {', '.join(str(CHANGE_LABELS.get(n, n)) for n in named)}"
    return DriftRow(
        d,
        d.get_kind_display(),
        cause,
        "",
        "",
        fields=lines,
        fixable=not done,
    )


def _typed(name: str, value: Any) -> FieldValue | None:
    """A stored value back in the planner's type (how the catalogue's words expect it)."""
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if name in _DECIMALS and value is not None:
        try:
            return Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(value, (str, bool)):
        return value
    return None if value is None else str(value)
