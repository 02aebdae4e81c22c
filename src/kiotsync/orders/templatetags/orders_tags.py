"""Template helpers for the orders screen and the status-map card on the settings screen."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import numberformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kiotsync.core.orders import STATUS_MAP
from kiotsync.core.orders.status_map import StatusRow

register = template.Library()


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


@register.filter
def vnd(value: Any) -> str:
    """``150000`` → ``150.000 ₫`` (``150,000 ₫`` in English)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "—"
    sep = "," if _lang() == "en" else "."
    text = numberformat.format(amount, ".", decimal_pos=0, grouping=3, thousand_sep=sep, force_grouping=True)
    return f"{text} ₫"


@register.filter
def event_kind(event: Any) -> str:
    """A timeline entry's kind in words."""
    from kiotsync.orders.models import OrderEvent

    kind = getattr(event, "kind", "")
    return str(OrderEvent.Kind(kind).label) if kind in OrderEvent.Kind.values else str(_("Khác"))


@register.filter
def event_text(event: Any) -> str:
    """A timeline entry in the active language (stored Vietnamese, English kept alongside)."""
    english = (getattr(event, "detail", None) or {}).get("en")
    return str(english) if _lang() == "en" and english else str(event.message)


@register.simple_tag
def status_map() -> list[dict[str, str]]:
    """The one status map, in the active language, grouped rows for the settings card."""
    lang = _lang()

    def view(r: StatusRow) -> dict[str, str]:
        return {
            "platform": "KiotViet" if r.platform == "kiotviet" else "Haravan",
            "field": r.field_words.text(lang),
            "code": r.code,
            "label": r.label.text(lang),
            "effect": r.effect.text(lang),
        }

    return [view(r) for r in STATUS_MAP]
