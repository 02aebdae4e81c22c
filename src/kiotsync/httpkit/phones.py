"""Vietnamese phone-number normalisation shared by both adapters.

KiotViet's phone search is fuzzy (substring on digits) and Haravan's customer search is
free text, so customer matching re-filters the results by *exact equality of normalised
numbers*. Normalising: keep digits only; a leading country code ``84`` (from ``+84`` or
``0084``) becomes ``0``, a 9-digit number that lost its leading zero gets it back, so ``+84 987 654 321``, ``84987654321`` and ``0987-654-321`` are
equal.
"""

from __future__ import annotations

__all__ = ["normalize_phone", "same_phone"]


def normalize_phone(value: str | None) -> str:
    """Digits-only national form, or ``""`` when there are no digits."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits  # leading zero lost (spreadsheets strip it)
    return digits


def same_phone(a: str | None, b: str | None) -> bool:
    na, nb = normalize_phone(a), normalize_phone(b)
    return bool(na) and na == nb
