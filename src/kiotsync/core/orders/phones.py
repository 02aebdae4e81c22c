"""Vietnamese phone numbers for order matching (the core's own copy: it imports nothing outside).

Same rule as the platform adapters: digits only; ``84``/``0084`` country prefix → ``0``; a
9-digit number that lost its leading zero gets it back. A number is *valid* for an order when
the result is 10 digits (mobile) or 11 digits (old landline) starting with ``0``.
"""

from __future__ import annotations


def normalize_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def is_valid_phone(value: str | None) -> bool:
    digits = normalize_phone(value)
    return digits.startswith("0") and len(digits) in (10, 11)
