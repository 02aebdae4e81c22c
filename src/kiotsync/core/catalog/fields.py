"""Field values: what Haravan should show for a KiotViet group/row, and what to rewrite.

`ProductFields` / `VariantFields` double as "all desired values" (every attribute set) and as
"the changes to send" (only changed attributes set; None = leave alone). `diff_fields` applies the
update rule: a ticked field is written whenever the desired value differs from Haravan's current
value — KiotViet owns it, so a hand edit on Haravan is drift to repair; values already equal are
only (re)fingerprinted (links.py), so nothing is written when nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Self

from kiotsync.core.catalog.domain import HvProduct, HvVariant, KvProduct
from kiotsync.core.catalog.keys import normalize_key
from kiotsync.core.catalog.links import FieldValue, Fingerprints, fingerprint
from kiotsync.core.catalog.settings import LinkKey, SyncField, SyncSettings
from kiotsync.core.numbers import as_aware

DEFAULT_CATEGORY = "Khác"


@dataclass(frozen=True, kw_only=True)
class ProductFields:
    """Haravan product fields. `options` are option names (`options[].name`)."""

    title: str | None = None
    body_html: str | None = None
    product_type: str | None = None
    images: tuple[str, ...] | None = None
    published: bool | None = None
    options: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, FieldValue]:
        return _set_values(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, FieldValue]) -> Self:
        """The inverse of `as_dict` (field names are trusted: they come from `as_dict`)."""
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class VariantFields:
    """Haravan variant fields. `option_values` are option1..3; `tracked` maps to
    `inventory_management` ("haravan" when True, null when False)."""

    sku: str | None = None
    barcode: str | None = None
    price: Decimal | None = None
    grams: Decimal | None = None
    option_values: tuple[str, ...] | None = None
    tracked: bool | None = None

    def as_dict(self) -> dict[str, FieldValue]:
        return _set_values(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, FieldValue]) -> Self:
        """The inverse of `as_dict` (field names are trusted: they come from `as_dict`)."""
        return cls(**values)  # type: ignore[arg-type]


def _set_values(obj: ProductFields | VariantFields) -> dict[str, FieldValue]:
    return {f.name: getattr(obj, f.name) for f in fields(obj) if getattr(obj, f.name) is not None}


PRODUCT_TOGGLES: Mapping[str, SyncField] = {
    "title": SyncField.NAME,
    "options": SyncField.NAME,
    "body_html": SyncField.DESCRIPTION,
    "product_type": SyncField.CATEGORY,
    "images": SyncField.IMAGES,
    "published": SyncField.ACTIVE,
}

VARIANT_TOGGLES: Mapping[str, SyncField] = {
    "option_values": SyncField.NAME,
    "price": SyncField.PRICE,
    "grams": SyncField.WEIGHT,
    "barcode": SyncField.BARCODE,
    "tracked": SyncField.STOCK,
}


def synced_product_fields(settings: SyncSettings) -> frozenset[str]:
    """Product fields rewritten on change (the others are set at creation only)."""
    return frozenset(name for name, toggle in PRODUCT_TOGGLES.items() if settings.syncs(toggle))


def synced_variant_fields(settings: SyncSettings) -> frozenset[str]:
    """Variant fields rewritten on change. The link key field (sku for code, barcode for barcode)
    always follows KiotViet: it is the identity of the pair."""
    names = {name for name, toggle in VARIANT_TOGGLES.items() if settings.syncs(toggle)}
    names.add("sku" if settings.link_key is LinkKey.CODE else "barcode")
    return frozenset(names)


def resolve_price(row: KvProduct, settings: SyncSettings, now: datetime) -> Decimal:
    """basePrice, or the chosen price book's price when the row is in the book and the book is
    active with `start <= now < end` (missing bounds are open); otherwise basePrice."""
    if not settings.price_book_id:
        return row.base_price
    moment = as_aware(now)
    for entry in row.price_books:
        if entry.price_book_id != settings.price_book_id or not entry.is_active:
            continue
        if entry.start is not None and moment < as_aware(entry.start):
            continue
        if entry.end is not None and moment >= as_aware(entry.end):
            continue
        return entry.price
    return row.base_price


def desired_product_fields(
    head: KvProduct, rows: Sequence[KvProduct], option_names: tuple[str, ...], published: bool
) -> ProductFields:
    """Product-level values of a group. Images: every image of the rows on Haravan, head first,
    without repeats (unit rows often carry none)."""
    images: list[str] = []
    for row in rows:
        for src in row.images:
            src = src.strip()
            if src and src not in images:
                images.append(src)
    return ProductFields(
        title=head.name.strip() or head.full_name.strip(),
        body_html=head.description,
        product_type=head.category_name.strip() or DEFAULT_CATEGORY,
        images=tuple(images),
        published=published,
        options=option_names,
    )


def desired_variant_fields(
    row: KvProduct, option_values: tuple[str, ...], settings: SyncSettings, now: datetime
) -> VariantFields:
    return VariantFields(
        sku=row.code.strip(),
        barcode=row.barcode.strip(),
        price=resolve_price(row, settings, now),
        grams=row.weight,
        option_values=option_values,
        tracked=not row.is_service,
    )


def current_product_fields(product: HvProduct) -> ProductFields:
    return ProductFields(
        title=product.title,
        body_html=product.body_html,
        product_type=product.product_type,
        images=product.images,
        published=product.published,
        options=product.options,
    )


def current_variant_fields(variant: HvVariant) -> VariantFields:
    return VariantFields(
        sku=variant.sku,
        barcode=variant.barcode,
        price=variant.price,
        grams=variant.grams,
        option_values=variant.option_values,
        tracked=variant.tracked,
    )


def same_value(name: str, desired: FieldValue, current: FieldValue | None, link_key: LinkKey) -> bool | None:
    """Whether Haravan already shows the desired value; None = not comparable, leave alone.

    Option names/values are only comparable when the counts match (restructuring a product's
    options is not done automatically). An empty image list never replaces Haravan's images.
    """
    if current is None:
        return False
    if name in ("options", "option_values"):
        assert isinstance(desired, tuple) and isinstance(current, tuple)
        if len(desired) != len(current):
            return None
        return tuple(v.strip() for v in desired) == tuple(v.strip() for v in current)
    if name == "images":
        return not desired or desired == current
    if (name == "sku" and link_key is LinkKey.CODE) or (name == "barcode" and link_key is LinkKey.BARCODE):
        assert isinstance(desired, str) and isinstance(current, str)
        return normalize_key(desired) == normalize_key(current)
    if isinstance(desired, str) and isinstance(current, str):
        return desired.strip() == current.strip()
    return desired == current


#: Fields Haravan stores in another form than sent (images: re-hosted on its CDN), so a
#: difference from what Haravan shows says nothing; what was pushed last decides.
REHOSTED = frozenset({"images"})


@dataclass(frozen=True)
class FieldDiff:
    """`changes`: values to write; `written`: their fingerprints; `refresh`: fingerprints of
    values Haravan already has but the link does not remember yet."""

    changes: dict[str, FieldValue]
    written: dict[str, str]
    refresh: dict[str, str]

    @property
    def pushed(self) -> Fingerprints:
        """Everything to merge into the link once the changes succeed."""
        return Fingerprints.of({**self.refresh, **self.written})


def diff_fields(
    desired: Mapping[str, FieldValue],
    current: Mapping[str, FieldValue],
    pushed: Fingerprints,
    synced: frozenset[str],
    link_key: LinkKey,
) -> FieldDiff:
    changes: dict[str, FieldValue] = {}
    written: dict[str, str] = {}
    refresh: dict[str, str] = {}
    for name in sorted(synced):
        if name not in desired:
            continue
        value = desired[name]
        print_ = fingerprint(value)
        same = same_value(name, value, current.get(name), link_key)
        if same is None:
            continue
        if same:
            if pushed.get(name) != print_:
                refresh[name] = print_
        elif name not in REHOSTED or pushed.get(name) != print_:
            # Ticked means KiotViet owns the field: any difference on Haravan (a hand edit since
            # the last push included) is drift, repaired. Images are the exception: Haravan
            # re-hosts them (new URLs), so they are written again only when KiotViet's changed.
            changes[name] = value
            written[name] = print_
    return FieldDiff(changes, written, refresh)


def all_fingerprints(values: ProductFields | VariantFields) -> Fingerprints:
    """Fingerprints of every set field (recorded when a product/variant is created)."""
    return Fingerprints.of({name: fingerprint(value) for name, value in values.as_dict().items()})
