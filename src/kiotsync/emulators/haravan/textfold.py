"""Text helpers Haravan applies to what merchants type: Vietnamese folding, handles, tags, phones.

Handles are built the way the storefront shows them: lower-case ASCII, Vietnamese diacritics
stripped (``đ`` → ``d``), runs of anything else collapsed to one hyphen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from typing import Any

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Strip Vietnamese diacritics (``Áo thun đỏ`` → ``Ao thun do``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str) -> str:
    return _NON_ALNUM.sub("-", fold(text).lower()).strip("-")


def unique_handle(base: str, taken: Container[str]) -> str:
    """``base`` if free, else ``base-1``, ``base-2``… (the storefront's uniqueness rule)."""
    base = slugify(base) or "san-pham"
    if base not in taken:
        return base
    n = 1
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def normalize_tags(value: Any) -> str | None:
    """Tags travel as one comma-separated string; ``None`` when empty. Lists are accepted too."""
    if value is None:
        return None
    parts = value if isinstance(value, list) else str(value).split(",")
    seen: list[str] = []
    for part in parts:
        tag = str(part).strip()
        if tag and tag not in seen:
            seen.append(tag)
    return ",".join(seen) if seen else None


def add_tags(current: str | None, extra: Any) -> str | None:
    return normalize_tags((current.split(",") if current else []) + (normalize_tags(extra) or "").split(","))


def remove_tags(current: str | None, gone: Any) -> str | None:
    drop = set((normalize_tags(gone) or "").split(","))
    return normalize_tags([t for t in (current or "").split(",") if t.strip() not in drop])


def phone_key(phone: str | None) -> str:
    """Digits of a Vietnamese phone with ``+84``/``84`` folded to a leading ``0``."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


def search_key(text: str | None) -> str:
    return fold(text or "").lower()
