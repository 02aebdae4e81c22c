"""Number formatting for the product screens, in the merchant's locale.

Prices and quantities come from the mirrors as ``Decimal``; Vietnamese shops read "150.000 ₫" and
"12,5", English readers "150,000 ₫" and "12.5", so both go through Django's locale formats with
grouping forced on (the project does not turn ``USE_THOUSAND_SEPARATOR`` on globally).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


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
    return f"{number_format(amount, places, use_l10n=True, force_grouping=True)} ₫"


@register.filter
def qty(value: object) -> str:
    """A quantity: trailing zeros dropped (KiotViet stores three decimals), grouped thousands."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    exponent = amount.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(amount, places, use_l10n=True, force_grouping=True)
