"""Vietnamese text folding for search: "Áo thun ĐEN" and "ao thun den" are the same query.

Shop owners type without accents as often as with them (phone keyboards, Telex off), and
SQLite's LIKE folds case for ASCII only. Rows therefore keep a folded copy of their searchable
text, and the search box is folded the same way before a plain ``contains``.
"""

from __future__ import annotations

import unicodedata

#: Between the folded fields, so a query never matches across two of them.
SEPARATOR = " \x1f "


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, runs of whitespace as one space."""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def search_text(*parts: str | None) -> str:
    """The folded, searchable text of a row's fields."""
    return SEPARATOR.join(fold(p) for p in parts if p)
