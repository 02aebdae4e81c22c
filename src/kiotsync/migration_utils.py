"""Helpers the data migrations share (kept stable: migrations import them by name)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kiotsync.core.text import search_text


def fill_search_text(model: Any, fields: Sequence[str], batch_size: int = 2000) -> None:
    """Fold the searchable text of rows stored before ``search_text`` existed."""
    batch: list[Any] = []
    for row in model.objects.only("pk", *fields).iterator(chunk_size=batch_size):
        row.search_text = search_text(*(getattr(row, f) for f in fields))
        batch.append(row)
        if len(batch) >= batch_size:
            model.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        model.objects.bulk_update(batch, ["search_text"])
