"""What the service remembers between plans: links and fingerprints of what was pushed.

A `VariantLink` ties one KiotViet row to one Haravan variant; a `ProductLink` ties a KiotViet group
to a Haravan product and remembers product-level pushes. `pushed` holds a fingerprint per field of
the value last written (or found already equal) on Haravan. A ticked field is rewritten only when
the KiotViet value differs from BOTH Haravan's current value and the fingerprint: so an unchanged
KiotViet value never clobbers an edit made in Haravan, and images that Haravan re-hosts on its
CDN do not look "changed" forever. Clearing `pushed` forces a compare against Haravan only.

Stock: `stock_target` is the last available quantity written (None = never), `stock_basis` the
observation version of every KiotViet row that target was computed from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kiotsync.core.numbers import canonical_decimal

FieldValue = str | bool | Decimal | tuple[str, ...]


def canonical(value: FieldValue) -> str:
    """A stable text form of a field value (type-tagged so `"1"` and `1` differ)."""
    if isinstance(value, bool):
        return "b:" + ("1" if value else "0")
    if isinstance(value, Decimal):
        return "d:" + canonical_decimal(value)
    if isinstance(value, str):
        return "s:" + value
    return "t:" + json.dumps(list(value), ensure_ascii=False)


def fingerprint(value: FieldValue) -> str:
    """Short hash of a field value; what links store instead of (possibly long) values."""
    return hashlib.sha256(canonical(value).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Fingerprints:
    """Immutable field-name → fingerprint map (sorted pairs, hashable). Store `as_dict()` as JSON."""

    items: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> Fingerprints:
        pairs = mapping.items() if isinstance(mapping, Mapping) else mapping
        return cls(tuple(sorted(dict(pairs).items())))

    def get(self, name: str) -> str | None:
        for key, value in self.items:
            if key == name:
                return value
        return None

    def as_dict(self) -> dict[str, str]:
        return dict(self.items)

    def merged(self, other: Fingerprints) -> Fingerprints:
        """These fingerprints updated with `other`'s (how a successful action is recorded)."""
        return Fingerprints.of({**self.as_dict(), **other.as_dict()})

    def __bool__(self) -> bool:
        return bool(self.items)


StockBasis = tuple[tuple[int, int], ...]
"""Sorted (kv_product_id, observation version) pairs a stock target was computed from."""


@dataclass(frozen=True)
class ProductLink:
    """KiotViet group (`kv_group_id` = master row id, or the row id of a simple product) ↔ Haravan
    product, with product-level push fingerprints."""

    kv_group_id: int
    hv_product_id: int
    pushed: Fingerprints = Fingerprints()


@dataclass(frozen=True)
class VariantLink:
    """KiotViet row ↔ Haravan variant, with variant-level push fingerprints and stock memory."""

    kv_product_id: int
    hv_product_id: int
    hv_variant_id: int
    pushed: Fingerprints = Fingerprints()
    stock_target: int | None = None
    stock_basis: StockBasis = ()


Link = ProductLink | VariantLink


def split_links(links: Iterable[Link]) -> tuple[dict[int, VariantLink], dict[tuple[int, int], ProductLink]]:
    """Index links: variant links by KiotViet row id, product links by (group id, product id).

    Should the same key appear twice, the larger link (by its sort key) wins, so the result never
    depends on input order.
    """
    variants: dict[int, VariantLink] = {}
    products: dict[tuple[int, int], ProductLink] = {}
    for link in sorted(links, key=_link_sort_key):
        if isinstance(link, VariantLink):
            variants[link.kv_product_id] = link
        else:
            products[(link.kv_group_id, link.hv_product_id)] = link
    return variants, products


def _link_sort_key(link: Link) -> tuple[str, str]:
    return (type(link).__name__, repr(link))
