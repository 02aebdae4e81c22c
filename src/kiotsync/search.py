"""Rows the screens search keep a folded copy of their searchable fields (``search_text``).

``save()`` refreshes it; bulk writers (the mirrors' ingest) set it themselves with
:func:`kiotsync.core.text.search_text` over the same fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import models

from kiotsync.core.text import search_text


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
