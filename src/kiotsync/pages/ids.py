"""Ids a request carries, in a path (the ``<id:…>`` converter) or in a form (:func:`parse_id`).

Every id the screens use (rows of our tables, KiotViet and Haravan ids) fits a signed 64-bit
integer. ``<int:…>`` and ``str.isdigit()`` let through more: posted ids of 20 digits reached the
database in an ``IN`` lookup (SQLite: ``OverflowError``) and ``isdigit()`` also takes "²" or
Arabic-Indic digits, which ``int()`` refuses: a 500 each. In a path, ``<int:…>`` handed any
length to the view and left the range to the database. Here an id is 1 to 18 ASCII digits,
always below 2**63 - 1; anything else is no match: a 404 for a path (no query made), "not an
id" for a form.

Importing this module registers the converter (once: a module body runs once); each URLconf
that uses ``<id:…>`` imports it, so the order in which they load does not matter.
"""

from __future__ import annotations

import re

from django.urls import register_converter

#: 18 digits: the largest, 999 999 999 999 999 999, is below 2**63 - 1 (19 digits).
ID_MAX_DIGITS = 18
ID_PATTERN = rf"[0-9]{{1,{ID_MAX_DIGITS}}}"
_ID_RE = re.compile(ID_PATTERN)


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


def parse_id(value: str) -> int | None:
    """A posted id as an int, or None when it is not one (see the module's docstring)."""
    return int(value) if _ID_RE.fullmatch(value) else None


register_converter(IdConverter, "id")
