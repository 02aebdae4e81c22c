"""Number formatting for the product screens, in the merchant's locale.

Prices and quantities come from the mirrors as ``Decimal``; Vietnamese shops read "150.000 ₫" and
"12,5", English readers "150,000 ₫" and "12.5", so both go through Django's locale formats with
grouping forced on (the project does not turn ``USE_THOUSAND_SEPARATOR`` on globally).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import numberformat
from django.utils.formats import get_format

register = template.Library()


def _grouped(amount: Decimal, places: int) -> str:
    """Thousands grouped by three with the active locale's separators (the locale files leave
    ``NUMBER_GROUPING`` at 0, so Django's ``number_format`` would not group)."""
    return numberformat.format(
        amount,
        str(get_format("DECIMAL_SEPARATOR")),
        decimal_pos=places,
        grouping=3,
        thousand_sep=str(get_format("THOUSAND_SEPARATOR")),
        force_grouping=True,
    )


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: object) -> str:
    """A price: no decimals when whole, grouped thousands, the đồng sign."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{_grouped(amount, places)} ₫"


@register.filter
def qty(value: object) -> str:
    """A quantity: trailing zeros dropped (KiotViet stores three decimals), grouped thousands."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    exponent = amount.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return _grouped(amount, places)
