"""Rows the screens search keep a folded copy of their searchable fields (``search_text``).

``save()`` refreshes it; bulk writers (the mirrors' ingest) set it themselves with
:func:`kiotsync.core.text.search_text` over the same fields.

What a search box sends goes through :func:`search_query` before it is shown or searched. Both
databases have limits a typed (or crafted) query can hit, each a 500 before: PostgreSQL text
cannot hold a NUL character, SQLite refuses a LIKE pattern over 50 000 bytes. This is done
here, where the text meets the database, rather than in a middleware over every query
parameter: the search boxes are the only free text from a URL that reaches a query (filters
are matched against fixed choices, ``page`` is parsed by the paginator, ids by the ``<id:…>``
converter), and the length limit belongs to searching anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import models

from kiotsync.core.text import fold, search_text

#: The longest query kept: longer than any searched field (names: 500 characters), far below
#: SQLite's LIKE pattern limit.
MAX_QUERY_LENGTH = 500


def search_query(raw: str) -> str:
    """A search box's text as the screen shows and searches it: trimmed, at most
    :data:`MAX_QUERY_LENGTH` characters, without NUL (no stored text can contain one, so
    dropping it loses no match)."""
    return raw.replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def matching(q: str) -> models.Q:
    """Accent- and case-free "contains" over ``search_text``: "ao thun den" finds "Áo thun
    ĐEN", on SQLite as on PostgreSQL."""
    return models.Q(search_text__contains=fold(search_query(q)))


class Searchable(models.Model):
    #: The fields folded into ``search_text``, in order.
    SEARCHED: ClassVar[tuple[str, ...]] = ()

    search_text = models.TextField(blank=True, default="")

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = search_text(*(getattr(self, f) for f in self.SEARCHED))
        kwargs["update_fields"] = _with_search_text(kwargs.get("update_fields"), self.SEARCHED)
        super().save(*args, **kwargs)


def _with_search_text(update_fields: Iterable[str] | None, searched: Iterable[str]) -> list[str] | None:
    """``update_fields`` plus ``search_text`` when a searched field is among them."""
    if update_fields is None:
        return None
    fields = list(update_fields)
    if set(fields) & set(searched) and "search_text" not in fields:
        fields.append("search_text")
    return fields
