"""Link keys: the value that identifies the same SKU on both sides.

KiotViet `code` ↔ Haravan variant `sku` by default, or barcode ↔ barcode. Keys are compared after
trimming and case-folding (KiotViet treats codes differing only in case as duplicates — a guess
carried over from the API digest), so `sp01` on Haravan links to `SP01` in KiotViet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kiotsync.core.catalog.domain import HvVariant, KvProduct
from kiotsync.core.catalog.settings import LinkKey


def normalize_key(value: str | None) -> str:
    """The comparable form of a key; '' means "no key"."""
    return (value or "").strip().casefold()


def kv_key(row: KvProduct, link_key: LinkKey) -> str:
    return normalize_key(row.code if link_key is LinkKey.CODE else row.barcode)


def hv_key(variant: HvVariant, link_key: LinkKey) -> str:
    return normalize_key(variant.sku if link_key is LinkKey.CODE else variant.barcode)


def key_field_name(link_key: LinkKey) -> str:
    """The `field` param used in reasons for the KiotViet side of the key."""
    return "code" if link_key is LinkKey.CODE else "barcode"


def index_kv(rows: Iterable[KvProduct], link_key: LinkKey) -> dict[str, tuple[KvProduct, ...]]:
    """Normalised key → rows carrying it (rows without a key are left out), sorted by id."""
    index: dict[str, list[KvProduct]] = defaultdict(list)
    for row in rows:
        key = kv_key(row, link_key)
        if key:
            index[key].append(row)
    return {k: tuple(sorted(v, key=lambda r: r.id)) for k, v in index.items()}


def index_hv(variants: Iterable[HvVariant], link_key: LinkKey) -> dict[str, tuple[HvVariant, ...]]:
    """Normalised key → Haravan variants carrying it, sorted by id."""
    index: dict[str, list[HvVariant]] = defaultdict(list)
    for variant in variants:
        key = hv_key(variant, link_key)
        if key:
            index[key].append(variant)
    return {k: tuple(sorted(v, key=lambda x: x.id)) for k, v in index.items()}
