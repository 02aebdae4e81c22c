"""KiotViet → Haravan product planning: link, create, add, update, hide, or flag.

Pure function of its inputs; sorts everything it reads, so the plan never depends on input order.
Steps (docs/planner.md explains each decision):

1. classify every row on its own: linked (valid stored link), matched (its key is carried by
   exactly one Haravan variant nobody else owns), unmatched, inactive, or a row-level problem
   (empty/duplicate key, key linked elsewhere, linked variant gone);
2. per group: check what would make Haravan unfaithful (options > 3, missing/duplicate option
   values, group spread over several Haravan products, product shared with another group,
   > 100 variants) — if anything, the whole group needs attention and nothing is written;
3. otherwise create the product with all its variants, or link/add/update on the one Haravan
   product the group maps to; hide products whose rows were all deleted in KiotViet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from kiotsync.core.catalog.actions import (
    AddVariant,
    CreateProduct,
    HideProduct,
    LinkProduct,
    LinkVariant,
    ProductAction,
    ProductDraft,
    ProductPlan,
    UpdateProduct,
    UpdateVariant,
    VariantDraft,
    action_order,
)
from kiotsync.core.catalog.domain import HvProduct, HvVariant, KvProduct
from kiotsync.core.catalog.fields import (
    ProductFields,
    VariantFields,
    all_fingerprints,
    current_product_fields,
    current_variant_fields,
    desired_product_fields,
    desired_variant_fields,
    diff_fields,
    synced_product_fields,
    synced_variant_fields,
)
from kiotsync.core.catalog.grouping import (
    MAX_OPTIONS,
    MAX_VARIANTS,
    Group,
    OptionLayout,
    coalesce_rows,
    group_id_of,
    group_rows,
    option_layout,
)
from kiotsync.core.catalog.keys import index_hv, index_kv, key_field_name, kv_key
from kiotsync.core.catalog.links import Fingerprints, Link, ProductLink, VariantLink, split_links
from kiotsync.core.catalog.reasons import Reason, ReasonCode
from kiotsync.core.catalog.settings import SyncSettings
from kiotsync.core.catalog.status import RowState, RowStatus


class _Kind(Enum):
    LINKED = "linked"
    MATCHED = "matched"
    UNMATCHED = "unmatched"
    INACTIVE = "inactive"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class _Class:
    kind: _Kind
    variant: HvVariant | None = None
    reason: Reason | None = None


@dataclass
class _Context:
    settings: SyncSettings
    now: datetime
    opt_outs: frozenset[int]
    deleted: frozenset[int]
    rows: dict[int, KvProduct]
    groups: tuple[Group, ...]
    group_of: dict[int, int]
    products: dict[int, HvProduct]
    variants: dict[int, HvVariant]
    variant_links: dict[int, VariantLink]
    product_links: dict[tuple[int, int], ProductLink]
    links_by_variant: dict[int, list[VariantLink]] = field(default_factory=dict)
    classes: dict[int, _Class] = field(default_factory=dict)
    claims: dict[int, set[int]] = field(default_factory=dict)

    def opted_out(self, row: KvProduct) -> bool:
        return row.id in self.opt_outs or self.group_of[row.id] in self.opt_outs


def plan_kiotviet_to_haravan(
    kv_rows: Iterable[KvProduct],
    hv_products: Iterable[HvProduct],
    links: Iterable[Link],
    settings: SyncSettings,
    opt_outs: Collection[int],
    now: datetime,
    *,
    deleted_kv_ids: Collection[int] = (),
) -> ProductPlan:
    """Plan the Haravan writes that make Haravan reflect the KiotViet catalogue.

    `kv_rows`: whole groups (a group's rows must be passed together). `hv_products`: at least
    every product the links and keys point to (pass the whole catalogue to find SKUs to link).
    `opt_outs`: KiotViet row or group ids the merchant excluded. `deleted_kv_ids`: rows deleted in
    KiotViet (`removedIds`, `product.delete`); a linked product whose rows are all deleted is
    hidden. Rows simply absent from `kv_rows` are out of scope, never treated as deleted.
    """
    ctx = _build_context(kv_rows, hv_products, links, settings, opt_outs, now, deleted_kv_ids)
    actions: list[ProductAction] = []
    statuses: list[RowStatus] = []
    for group in ctx.groups:
        group_actions, group_statuses = _plan_group(ctx, group)
        actions.extend(group_actions)
        statuses.extend(group_statuses)
    actions.extend(_plan_deleted(ctx))
    return ProductPlan(
        tuple(sorted(set(actions), key=action_order)),
        tuple(sorted(statuses, key=lambda s: s.kv_product_id)),
    )


def _build_context(
    kv_rows: Iterable[KvProduct],
    hv_products: Iterable[HvProduct],
    links: Iterable[Link],
    settings: SyncSettings,
    opt_outs: Collection[int],
    now: datetime,
    deleted_kv_ids: Collection[int],
) -> _Context:
    rows = coalesce_rows(kv_rows)
    products = {p.id: p for p in sorted(hv_products, key=lambda p: (p.id, repr(p)))}
    variants = {v.id: v for p in products.values() for v in p.variants}
    variant_links, product_links = split_links(links)
    ctx = _Context(
        settings=settings,
        now=now,
        opt_outs=frozenset(opt_outs),
        deleted=frozenset(deleted_kv_ids) - rows.keys(),
        rows=rows,
        groups=group_rows(rows),
        group_of={r.id: group_id_of(r, rows) for r in rows.values()},
        products=products,
        variants=variants,
        variant_links=variant_links,
        product_links=product_links,
    )
    by_variant: dict[int, list[VariantLink]] = defaultdict(list)
    for link in variant_links.values():
        by_variant[link.hv_variant_id].append(link)
    ctx.links_by_variant = dict(by_variant)
    kv_index = index_kv(rows.values(), settings.link_key)
    hv_index = index_hv(variants.values(), settings.link_key)
    for row in rows.values():
        ctx.classes[row.id] = _classify(ctx, row, kv_index, hv_index)
    claims: dict[int, set[int]] = defaultdict(set)
    for row in rows.values():
        cls = ctx.classes[row.id]
        claimed = cls.kind is _Kind.LINKED or (cls.kind is _Kind.MATCHED and not ctx.opted_out(row))
        if claimed and cls.variant is not None:
            claims[cls.variant.product_id].add(ctx.group_of[row.id])
    ctx.claims = dict(claims)
    return ctx


def _classify(
    ctx: _Context,
    row: KvProduct,
    kv_index: dict[str, tuple[KvProduct, ...]],
    hv_index: dict[str, tuple[HvVariant, ...]],
) -> _Class:
    link_key = ctx.settings.link_key
    field_name = key_field_name(link_key)
    link = ctx.variant_links.get(row.id)
    if link is not None:
        variant = ctx.variants.get(link.hv_variant_id)
        if variant is None or variant.product_id != link.hv_product_id:
            return _flag(
                ReasonCode.HARAVAN_VARIANT_MISSING,
                hv_product_id=link.hv_product_id,
                hv_variant_id=link.hv_variant_id,
            )
        return _Class(_Kind.LINKED, variant)
    if not row.is_active:
        return _Class(_Kind.INACTIVE, reason=Reason.of(ReasonCode.INACTIVE))
    key = kv_key(row, link_key)
    raw_key = (row.code if field_name == "code" else row.barcode).strip()
    if not key:
        return _flag(ReasonCode.EMPTY_KEY, field=field_name, name=row.name)
    same_key = kv_index.get(key, ())
    if len(same_key) > 1:
        codes = [r.code for r in same_key]
        return _flag(ReasonCode.DUPLICATE_KEY_KIOTVIET, field=field_name, key=raw_key, codes=codes)
    matches = hv_index.get(key, ())
    if len(matches) > 1:
        return _flag(ReasonCode.DUPLICATE_KEY_HARAVAN, field=field_name, key=raw_key, count=len(matches))
    if not matches:
        return _Class(_Kind.UNMATCHED)
    variant = matches[0]
    owners = sorted(
        link.kv_product_id
        for link in ctx.links_by_variant.get(variant.id, [])
        if link.kv_product_id != row.id and link.kv_product_id not in ctx.deleted
    )
    if owners:
        owner = ctx.rows.get(owners[0])
        other = owner.code if owner is not None else f"KiotViet #{owners[0]}"
        return _flag(ReasonCode.KEY_LINKED_ELSEWHERE, key=raw_key, other=other)
    return _Class(_Kind.MATCHED, variant)


def _flag(reason_code: ReasonCode, /, **params: object) -> _Class:
    return _Class(_Kind.FLAGGED, reason=Reason.of(reason_code, **params))


_ON_HARAVAN = (_Kind.LINKED, _Kind.MATCHED, _Kind.UNMATCHED)


def _plan_group(ctx: _Context, group: Group) -> tuple[list[ProductAction], list[RowStatus]]:
    statuses: dict[int, RowStatus] = {}
    on_haravan: list[KvProduct] = []
    for row in group.rows:
        cls = ctx.classes[row.id]
        if ctx.opted_out(row):
            statuses[row.id] = RowStatus(row.id, RowState.OPTED_OUT, Reason.of(ReasonCode.OPTED_OUT))
        elif cls.kind is _Kind.FLAGGED:
            statuses[row.id] = RowStatus(row.id, RowState.NEEDS_ATTENTION, cls.reason)
        elif cls.kind is _Kind.INACTIVE:
            statuses[row.id] = RowStatus(row.id, RowState.NOT_APPLICABLE, cls.reason)
        else:
            on_haravan.append(row)
    if not on_haravan:
        return [], list(statuses.values())
    layout = option_layout(group, ctx.rows)
    products = sorted({v.product_id for r in on_haravan if (v := ctx.classes[r.id].variant) is not None})
    problem = _group_problem(ctx, group, layout, on_haravan, products)
    if problem is not None:
        for row in on_haravan:
            statuses[row.id] = RowStatus(row.id, RowState.NEEDS_ATTENTION, problem)
        return [], list(statuses.values())
    if not products:
        created: list[ProductAction] = [_create(ctx, group, layout, on_haravan)]
        for row in on_haravan:
            statuses[row.id] = RowStatus(row.id, RowState.PLANNED)
        return created, list(statuses.values())
    actions, planned = _plan_existing(ctx, group, layout, on_haravan, ctx.products[products[0]], statuses)
    for row in on_haravan:
        if row.id not in statuses:
            state = RowState.PLANNED if row.id in planned else RowState.LINKED
            statuses[row.id] = RowStatus(row.id, state)
    return actions, list(statuses.values())


def _group_problem(
    ctx: _Context, group: Group, layout: OptionLayout, on_haravan: list[KvProduct], products: list[int]
) -> Reason | None:
    if layout.dimensions > MAX_OPTIONS:
        return Reason.of(ReasonCode.TOO_MANY_OPTIONS, count=layout.dimensions, names=layout.names)
    for row in on_haravan:
        if row.id in layout.missing:
            return Reason.of(ReasonCode.MISSING_OPTION_VALUE, code=row.code, option=layout.missing[row.id])
    seen: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for row in on_haravan:
        seen[tuple(v.casefold() for v in layout.values[row.id])].append(row.code)
    for values, codes in sorted(seen.items()):
        if len(codes) > 1:
            return Reason.of(ReasonCode.DUPLICATE_OPTION_VALUES, codes=codes, values=" / ".join(values))
    if len(products) > 1:
        return Reason.of(ReasonCode.GROUP_SPLIT, hv_product_ids=products)
    if products:
        claimants = ctx.claims.get(products[0], set())
        if claimants - {group.group_id}:
            return Reason.of(
                ReasonCode.PRODUCT_SHARED, hv_product_id=products[0], kv_group_ids=sorted(claimants)
            )
        adds = sum(1 for r in on_haravan if ctx.classes[r.id].kind is _Kind.UNMATCHED)
        total = len(ctx.products[products[0]].variants) + adds
    else:
        total = len(on_haravan)
    if total > MAX_VARIANTS:
        return Reason.of(ReasonCode.TOO_MANY_VARIANTS, count=total, limit=MAX_VARIANTS)
    return None


def _draft(ctx: _Context, row: KvProduct, layout: OptionLayout) -> VariantDraft:
    values = desired_variant_fields(row, layout.values[row.id], ctx.settings, ctx.now)
    return VariantDraft(row.id, values, all_fingerprints(values))


def _create(ctx: _Context, group: Group, layout: OptionLayout, rows: list[KvProduct]) -> CreateProduct:
    fields = desired_product_fields(group.head, rows, layout.names, published=True)
    drafts = tuple(_draft(ctx, row, layout) for row in rows)
    return CreateProduct(group.group_id, ProductDraft(fields, drafts, all_fingerprints(fields)))


def _plan_existing(
    ctx: _Context,
    group: Group,
    layout: OptionLayout,
    on_haravan: list[KvProduct],
    product: HvProduct,
    statuses: dict[int, RowStatus],
) -> tuple[list[ProductAction], set[int]]:
    actions: list[ProductAction] = []
    planned: set[int] = set()
    hv_option_count = max(1, len(product.options))
    kept: list[KvProduct] = []
    for row in on_haravan:
        if ctx.classes[row.id].kind is _Kind.UNMATCHED and hv_option_count != len(layout.names):
            reason = Reason.of(
                ReasonCode.OPTIONS_MISMATCH, hv_count=hv_option_count, kv_count=len(layout.names)
            )
            statuses[row.id] = RowStatus(row.id, RowState.NEEDS_ATTENTION, reason)
        else:
            kept.append(row)
    synced_variant = synced_variant_fields(ctx.settings)
    for row in kept:
        cls = ctx.classes[row.id]
        if cls.kind is _Kind.UNMATCHED:
            actions.append(AddVariant(group.group_id, product.id, _draft(ctx, row, layout)))
            planned.add(row.id)
            continue
        assert cls.variant is not None
        row_actions = _variant_updates(ctx, row, cls.variant, layout, synced_variant)
        if row_actions:
            actions.extend(row_actions)
            planned.add(row.id)
    product_actions = _product_updates(ctx, group, layout, kept, product)
    if product_actions:
        actions.extend(product_actions)
        planned.update(r.id for r in kept)
    return actions, planned


def _variant_updates(
    ctx: _Context, row: KvProduct, variant: HvVariant, layout: OptionLayout, synced: frozenset[str]
) -> list[ProductAction]:
    link = ctx.variant_links.get(row.id)
    desired = desired_variant_fields(row, layout.values[row.id], ctx.settings, ctx.now)
    old = link.pushed if link is not None else Fingerprints()
    diff = diff_fields(
        desired.as_dict(), current_variant_fields(variant).as_dict(), old, synced, ctx.settings.link_key
    )
    actions: list[ProductAction] = []
    update = UpdateVariant(
        row.id,
        variant.product_id,
        variant.id,
        VariantFields.from_dict(diff.changes),
        diff.pushed,
    )
    if link is None:
        actions.append(LinkVariant(row.id, variant.product_id, variant.id, Fingerprints.of(diff.refresh)))
        if diff.changes:
            actions.append(update)
    elif diff.changes:
        actions.append(update)
    elif diff.refresh:
        actions.append(LinkVariant(row.id, variant.product_id, variant.id, diff.pushed))
    return actions


def _product_updates(
    ctx: _Context, group: Group, layout: OptionLayout, rows: list[KvProduct], product: HvProduct
) -> list[ProductAction]:
    link = ctx.product_links.get((group.group_id, product.id))
    published = any(r.is_active for r in rows)
    desired = desired_product_fields(group.head, rows, layout.names, published)
    diff = diff_fields(
        desired.as_dict(),
        current_product_fields(product).as_dict(),
        link.pushed if link is not None else Fingerprints(),
        synced_product_fields(ctx.settings),
        ctx.settings.link_key,
    )
    changes = dict(diff.changes)
    written = dict(diff.written)
    hide = changes.get("published") is False
    if hide:
        del changes["published"]
        hide_print = written.pop("published")
    refresh = Fingerprints.of({**diff.refresh, **written})
    actions: list[ProductAction] = []
    if changes:
        actions.append(UpdateProduct(group.group_id, product.id, ProductFields.from_dict(changes), refresh))
    if hide:
        pushed = (
            Fingerprints.of({"published": hide_print})
            if changes
            else refresh.merged(Fingerprints.of({"published": hide_print}))
        )
        actions.append(HideProduct(group.group_id, product.id, ReasonCode.INACTIVE, pushed))
    if not actions and (diff.refresh or link is None):
        actions.append(LinkProduct(group.group_id, product.id, Fingerprints.of(diff.refresh)))
    return actions


def _plan_deleted(ctx: _Context) -> list[ProductAction]:
    """Hide Haravan products whose linked KiotViet rows were all deleted (never delete them)."""
    by_product: dict[int, set[int]] = defaultdict(set)
    for variant_link in ctx.variant_links.values():
        by_product[variant_link.hv_product_id].add(variant_link.kv_product_id)
    actions: list[ProductAction] = []
    for product_id, kv_ids in sorted(by_product.items()):
        product = ctx.products.get(product_id)
        if product is None or kv_ids & ctx.rows.keys() or not kv_ids <= ctx.deleted:
            continue
        if ctx.claims.get(product_id):  # a live KiotViet row is taking this product over
            continue
        group_ids = sorted(g for (g, p) in ctx.product_links if p == product_id)
        group_id = group_ids[0] if group_ids else min(kv_ids)
        if (kv_ids | {group_id}) & ctx.opt_outs:
            continue
        link = ctx.product_links.get((group_id, product_id))
        diff = diff_fields(
            {"published": False},
            {"published": product.published},
            link.pushed if link is not None else Fingerprints(),
            frozenset({"published"}),
            ctx.settings.link_key,
        )
        if diff.changes:
            actions.append(HideProduct(group_id, product_id, ReasonCode.DELETED_IN_KIOTVIET, diff.pushed))
        elif diff.refresh or link is None:
            actions.append(LinkProduct(group_id, product_id, diff.pushed))
    return actions
