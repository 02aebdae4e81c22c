"""Haravan → KiotViet "Chuyển dữ liệu" (transfer all): create KiotViet rows for unlinked variants.

Per Haravan product: variants already linked stay; a variant whose key matches exactly one free
KiotViet row is linked; the rest are created as one KiotViet group (master first, siblings with
`masterProductId`) — or as new siblings of the group the product is already linked to. Options
become attributes, SKU → code (empty SKU → KiotViet assigns a code, then it is written back to the
variant SKU), price → basePrice, grams → weight, product type → category (created when missing,
`Khác` when empty). Stock is never transferred: KiotViet stays the stock master.

Executing the plan (in order): `CreateKvCategory` (POST /categories) → `CreateKvProducts`
(POST /products, master first; on success store a VariantLink per row and a ProductLink for the
group) → `WriteBackSku` (PUT /variants/{id}.json with the assigned code) → `LinkVariant`
(bookkeeping).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kiotsync.core.catalog.actions import LinkVariant
from kiotsync.core.catalog.domain import HvProduct, HvVariant, KvAttribute, KvCategory, KvProduct
from kiotsync.core.catalog.fields import DEFAULT_CATEGORY
from kiotsync.core.catalog.grouping import DEFAULT_OPTION, DEFAULT_VALUE, coalesce_rows, group_id_of
from kiotsync.core.catalog.keys import normalize_key
from kiotsync.core.catalog.links import Fingerprints, Link, split_links
from kiotsync.core.catalog.reasons import Reason, ReasonCode
from kiotsync.core.catalog.settings import LinkKey, SyncSettings
from kiotsync.core.catalog.status import RowState, VariantStatus

KV_BARCODE_LIMIT = 16


@dataclass(frozen=True)
class KvRowDraft:
    """One KiotViet row to create from Haravan variant `hv_variant_id`. `code` None → let
    KiotViet assign one (then write it back to the Haravan SKU)."""

    hv_variant_id: int
    code: str | None
    name: str
    barcode: str
    base_price: Decimal
    weight: Decimal
    description: str
    images: tuple[str, ...]
    attributes: tuple[KvAttribute, ...]


@dataclass(frozen=True)
class CreateKvCategory:
    name: str


@dataclass(frozen=True)
class CreateKvProducts:
    """Create the rows of Haravan product `hv_product_id`. `master_product_id` None: rows[0] is
    the new master and the others get its id as `masterProductId`; else all rows join that
    existing group. `has_variants` is sent on every row. `category_name` resolves to an id after
    any `CreateKvCategory`."""

    hv_product_id: int
    master_product_id: int | None
    has_variants: bool
    category_name: str
    rows: tuple[KvRowDraft, ...]


@dataclass(frozen=True)
class WriteBackSku:
    """Set the Haravan variant's SKU to the KiotViet code: `code`, or (None) the code KiotViet
    assigned to the row created for this variant by the preceding CreateKvProducts."""

    hv_product_id: int
    hv_variant_id: int
    code: str | None


TransferAction = CreateKvCategory | CreateKvProducts | WriteBackSku | LinkVariant

_PHASE: dict[type, int] = {LinkVariant: 0, CreateKvCategory: 1, CreateKvProducts: 2, WriteBackSku: 3}


@dataclass(frozen=True)
class TransferPlan:
    actions: tuple[TransferAction, ...]
    statuses: tuple[VariantStatus, ...]

    @property
    def needs_attention(self) -> tuple[VariantStatus, ...]:
        return tuple(s for s in self.statuses if s.state is RowState.NEEDS_ATTENTION)


def is_simple(product: HvProduct) -> bool:
    """One variant and only Haravan's implicit `Title` / `Default Title` option."""
    if len(product.variants) != 1:
        return False
    values = tuple(v for v in product.variants[0].option_values if v)
    return product.options in ((), (DEFAULT_OPTION,)) and values in ((), (DEFAULT_VALUE,))


def plan_haravan_to_kiotviet(
    hv_products: Iterable[HvProduct],
    kv_rows: Iterable[KvProduct],
    links: Iterable[Link],
    kv_categories: Iterable[KvCategory],
    settings: SyncSettings,
    opt_outs: Collection[int] = (),
) -> TransferPlan:
    """Plan the transfer of every unlinked Haravan variant to KiotViet.

    `kv_rows`: the whole KiotViet catalogue (to link by key and avoid duplicate codes/barcodes).
    `opt_outs`: Haravan product ids to leave out.
    """
    rows = coalesce_rows(kv_rows)
    products = sorted({p.id: p for p in hv_products}.values(), key=lambda p: p.id)
    variant_links, _ = split_links(links)
    linked_variant = {link.hv_variant_id: link for link in variant_links.values()}
    opted = frozenset(opt_outs)
    codes = _index(rows.values(), lambda r: r.code)
    barcodes = _index(rows.values(), lambda r: r.barcode)
    all_variants = [v for p in products for v in p.variants]
    hv_skus = _count(v.sku for v in all_variants)
    hv_barcodes = _count(v.barcode for v in all_variants)
    categories = {normalize_key(c.name) for c in kv_categories}

    actions: list[TransferAction] = []
    statuses: list[VariantStatus] = []
    new_categories: dict[str, str] = {}
    for product in products:
        variants = sorted(product.variants, key=lambda v: (v.position, v.id))
        if product.id in opted:
            reason = Reason.of(ReasonCode.OPTED_OUT)
            statuses.extend(VariantStatus(v.id, product.id, RowState.OPTED_OUT, reason) for v in variants)
            continue
        groups: set[int] = set()
        to_create: list[HvVariant] = []
        for variant in variants:
            link = linked_variant.get(variant.id)
            if link is not None:
                kv_row = rows.get(link.kv_product_id)
                if kv_row is not None:
                    groups.add(group_id_of(kv_row, rows))
                    if not variant.sku.strip() and kv_row.code.strip():
                        actions.append(WriteBackSku(product.id, variant.id, kv_row.code.strip()))
                        statuses.append(VariantStatus(variant.id, product.id, RowState.PLANNED))
                        continue
                statuses.append(VariantStatus(variant.id, product.id, RowState.LINKED))
                continue
            outcome = _match(variant, settings.link_key, codes, barcodes, hv_skus, hv_barcodes, variant_links)
            if isinstance(outcome, Reason):
                statuses.append(VariantStatus(variant.id, product.id, RowState.NEEDS_ATTENTION, outcome))
            elif isinstance(outcome, KvProduct):
                groups.add(group_id_of(outcome, rows))
                actions.append(LinkVariant(outcome.id, product.id, variant.id, Fingerprints()))
                if not variant.sku.strip() and outcome.code.strip():
                    actions.append(WriteBackSku(product.id, variant.id, outcome.code.strip()))
                statuses.append(VariantStatus(variant.id, product.id, RowState.PLANNED))
            else:
                to_create.append(variant)
        if not to_create:
            continue
        if len(groups) > 1:
            reason = Reason.of(
                ReasonCode.PRODUCT_SHARED, hv_product_id=product.id, kv_group_ids=sorted(groups)
            )
            statuses.extend(
                VariantStatus(v.id, product.id, RowState.NEEDS_ATTENTION, reason) for v in to_create
            )
            continue
        category = product.product_type.strip() or DEFAULT_CATEGORY
        if normalize_key(category) not in categories:
            new_categories.setdefault(normalize_key(category), category)
        master = min(groups) if groups else None
        has_variants = master is not None or not is_simple(product)
        drafts = tuple(_draft(product, v, has_variants) for v in to_create)
        actions.append(CreateKvProducts(product.id, master, has_variants, category, drafts))
        for variant, draft in zip(to_create, drafts, strict=True):
            statuses.append(VariantStatus(variant.id, product.id, RowState.PLANNED))
            if draft.code is None:
                actions.append(WriteBackSku(product.id, variant.id, None))
    actions.extend(CreateKvCategory(name) for name in new_categories.values())
    return TransferPlan(
        tuple(sorted(set(actions), key=lambda a: (_PHASE[type(a)], repr(a)))),
        tuple(sorted(statuses, key=lambda s: s.hv_variant_id)),
    )


def _index(rows: Iterable[KvProduct], key: Callable[[KvProduct], str]) -> dict[str, list[KvProduct]]:
    index: dict[str, list[KvProduct]] = defaultdict(list)
    for row in rows:
        value = normalize_key(key(row))
        if value:
            index[value].append(row)
    return {k: sorted(v, key=lambda r: r.id) for k, v in index.items()}


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        key = normalize_key(value)
        if key:
            counts[key] += 1
    return counts


def _match(
    variant: HvVariant,
    link_key: LinkKey,
    codes: dict[str, list[KvProduct]],
    barcodes: dict[str, list[KvProduct]],
    hv_skus: dict[str, int],
    hv_barcodes: dict[str, int],
    variant_links: Mapping[int, object],
) -> Reason | KvProduct | None:
    """A Reason (cannot transfer), the KiotViet row to link to, or None (create it)."""
    sku, barcode = normalize_key(variant.sku), normalize_key(variant.barcode)
    key, other = (sku, barcode) if link_key is LinkKey.CODE else (barcode, sku)
    key_field, other_field = ("sku", "barcode") if link_key is LinkKey.CODE else ("barcode", "sku")
    key_index, other_index = (codes, barcodes) if link_key is LinkKey.CODE else (barcodes, codes)
    key_counts, other_counts = (hv_skus, hv_barcodes) if link_key is LinkKey.CODE else (hv_barcodes, hv_skus)
    raw = {"sku": variant.sku.strip(), "barcode": variant.barcode.strip()}
    if key and key_counts.get(key, 0) > 1:
        return Reason.of(
            ReasonCode.DUPLICATE_KEY_HARAVAN, field=key_field, key=raw[key_field], count=key_counts[key]
        )
    if key and key in key_index:
        candidates = key_index[key]
        if len(candidates) > 1:
            kv_codes = [r.code for r in candidates]
            return Reason.of(
                ReasonCode.DUPLICATE_KEY_KIOTVIET, field=key_field, key=raw[key_field], codes=kv_codes
            )
        row = candidates[0]
        if row.id in variant_links:
            return Reason.of(ReasonCode.KEY_LINKED_ELSEWHERE, key=raw[key_field], other=row.code)
        return row
    # To be created: the other identifier must be free on both sides, the barcode short enough.
    if other and other_counts.get(other, 0) > 1:
        return Reason.of(
            ReasonCode.DUPLICATE_KEY_HARAVAN,
            field=other_field,
            key=raw[other_field],
            count=other_counts[other],
        )
    if other and other in other_index:
        kv_codes = [r.code for r in other_index[other]]
        return Reason.of(
            ReasonCode.DUPLICATE_KEY_KIOTVIET, field=other_field, key=raw[other_field], codes=kv_codes
        )
    if len(raw["barcode"]) > KV_BARCODE_LIMIT:
        return Reason.of(ReasonCode.BARCODE_TOO_LONG, barcode=raw["barcode"], limit=KV_BARCODE_LIMIT)
    return None


def _draft(product: HvProduct, variant: HvVariant, has_variants: bool) -> KvRowDraft:
    attributes: tuple[KvAttribute, ...] = ()
    if has_variants:
        names = product.options or (DEFAULT_OPTION,)
        attributes = tuple(
            KvAttribute(name.strip(), value.strip())
            for name, value in zip(names, variant.option_values, strict=False)
            if name.strip() and value.strip()
        )
    return KvRowDraft(
        hv_variant_id=variant.id,
        code=variant.sku.strip() or None,
        name=product.title.strip(),
        barcode=variant.barcode.strip(),
        base_price=variant.price,
        weight=variant.grams,
        description=product.body_html,
        images=product.images,
        attributes=attributes,
    )
