"""A pure in-memory executor for plans: the contract of every action, runnable.

`World` is both platforms' state plus the service's links. `apply_*` return a new World as if the
service executed the plan and every call succeeded. Tests use it to check convergence (plan →
apply → plan again is empty); the service can read it as the reference for what each action
means and what to store afterwards. Haravan behaviour modelled: new ids, image re-hosting on its
CDN (so `src` never equals the KiotViet URL), `set` overwriting on-hand; KiotViet: code
assignment (`SP` + 6 digits) for rows created without a code.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from kiotsync.core.catalog.actions import (
    AddVariant,
    CreateProduct,
    HideProduct,
    LinkProduct,
    LinkVariant,
    ProductPlan,
    UpdateProduct,
    UpdateVariant,
    VariantDraft,
)
from kiotsync.core.catalog.domain import HvInventoryLevel, HvProduct, HvVariant, KvCategory, KvProduct
from kiotsync.core.catalog.fields import ProductFields, VariantFields
from kiotsync.core.catalog.links import Fingerprints, Link, ProductLink, VariantLink, split_links
from kiotsync.core.catalog.plan_stock import StockPlan
from kiotsync.core.catalog.plan_transfer import CreateKvCategory, CreateKvProducts, TransferPlan, WriteBackSku


@dataclass(frozen=True)
class World:
    kv_rows: tuple[KvProduct, ...] = ()
    hv_products: tuple[HvProduct, ...] = ()
    links: tuple[Link, ...] = ()
    kv_categories: tuple[KvCategory, ...] = ()
    hv_levels: tuple[HvInventoryLevel, ...] = ()
    next_id: int = 9_000_000


def rehost(src: str) -> str:
    """Where Haravan would serve an uploaded image from."""
    digest = hashlib.sha1(src.encode()).hexdigest()[:10]
    return f"https://product.hstatic.net/200000000001/product/{digest}_{src.rsplit('/', 1)[-1]}"


class _State:
    def __init__(self, world: World) -> None:
        self.world = world
        self.products = {p.id: p for p in world.hv_products}
        self.variant_links, self.product_links = split_links(world.links)
        self.kv_rows = {r.id: r for r in world.kv_rows}
        self.categories = list(world.kv_categories)
        self.next_id = world.next_id

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def link_product(self, group_id: int, product_id: int, pushed: Fingerprints) -> None:
        old = self.product_links.get((group_id, product_id))
        merged = old.pushed.merged(pushed) if old is not None else pushed
        self.product_links[(group_id, product_id)] = ProductLink(group_id, product_id, merged)

    def link_variant(self, kv_id: int, product_id: int, variant_id: int, pushed: Fingerprints) -> None:
        for other in [
            k for k, v in self.variant_links.items() if v.hv_variant_id == variant_id and k != kv_id
        ]:
            del self.variant_links[other]
        old = self.variant_links.get(kv_id)
        if old is not None and old.hv_variant_id == variant_id:
            self.variant_links[kv_id] = dataclasses.replace(old, pushed=old.pushed.merged(pushed))
        else:
            self.variant_links[kv_id] = VariantLink(kv_id, product_id, variant_id, pushed)

    def merge_variant_pushed(self, kv_id: int, pushed: Fingerprints) -> None:
        old = self.variant_links[kv_id]
        self.variant_links[kv_id] = dataclasses.replace(old, pushed=old.pushed.merged(pushed))

    def world_out(self, **changes: object) -> World:
        links: tuple[Link, ...] = (*self.variant_links.values(), *self.product_links.values())
        return dataclasses.replace(
            self.world,
            hv_products=tuple(self.products.values()),
            links=links,
            kv_rows=tuple(self.kv_rows.values()),
            kv_categories=tuple(self.categories),
            next_id=self.next_id,
            **changes,  # type: ignore[arg-type]
        )


def _new_variant(state: _State, product_id: int, draft: VariantDraft, position: int) -> HvVariant:
    values = draft.fields
    return HvVariant(
        id=state.new_id(),
        product_id=product_id,
        sku=values.sku or "",
        barcode=values.barcode or "",
        price=values.price if values.price is not None else Decimal(0),
        grams=values.grams if values.grams is not None else Decimal(0),
        option_values=values.option_values or (),
        tracked=bool(values.tracked),
        position=position,
    )


def _with_product_fields(product: HvProduct, changes: ProductFields) -> HvProduct:
    updates = changes.as_dict()
    if "images" in updates:
        updates["images"] = tuple(rehost(src) for src in changes.images or ())
    return dataclasses.replace(product, **updates)  # type: ignore[arg-type]


def _with_variant_fields(variant: HvVariant, changes: VariantFields) -> HvVariant:
    return dataclasses.replace(variant, **changes.as_dict())  # type: ignore[arg-type]


def apply_product_plan(world: World, plan: ProductPlan) -> World:
    state = _State(world)
    for action in plan.actions:
        if isinstance(action, LinkProduct):
            state.link_product(action.kv_group_id, action.hv_product_id, action.pushed)
        elif isinstance(action, LinkVariant):
            state.link_variant(
                action.kv_product_id, action.hv_product_id, action.hv_variant_id, action.pushed
            )
        elif isinstance(action, CreateProduct):
            product_id = state.new_id()
            variants: list[HvVariant] = []
            for position, draft in enumerate(action.product.variants, start=1):
                variant = _new_variant(state, product_id, draft, position)
                variants.append(variant)
                state.link_variant(draft.kv_product_id, product_id, variant.id, draft.pushed)
            shell = HvProduct(id=product_id, title="", variants=tuple(variants))
            state.products[product_id] = _with_product_fields(shell, action.product.fields)
            state.link_product(action.kv_group_id, product_id, action.product.pushed)
        elif isinstance(action, AddVariant):
            product = state.products[action.hv_product_id]
            variant = _new_variant(state, product.id, action.variant, len(product.variants) + 1)
            state.products[product.id] = dataclasses.replace(product, variants=(*product.variants, variant))
            state.link_variant(action.variant.kv_product_id, product.id, variant.id, action.variant.pushed)
        elif isinstance(action, UpdateProduct):
            product = state.products[action.hv_product_id]
            state.products[product.id] = _with_product_fields(product, action.changes)
            state.link_product(action.kv_group_id, product.id, action.pushed)
        elif isinstance(action, UpdateVariant):
            product = state.products[action.hv_product_id]
            updated = tuple(
                _with_variant_fields(v, action.changes) if v.id == action.hv_variant_id else v
                for v in product.variants
            )
            state.products[product.id] = dataclasses.replace(product, variants=updated)
            state.merge_variant_pushed(action.kv_product_id, action.pushed)
        elif isinstance(action, HideProduct):
            product = state.products[action.hv_product_id]
            state.products[product.id] = dataclasses.replace(product, published=False)
            state.link_product(action.kv_group_id, product.id, action.pushed)
    return state.world_out()


def apply_stock_plan(world: World, plan: StockPlan) -> World:
    state = _State(world)
    levels = {(lv.location_id, lv.variant_id): lv for lv in world.hv_levels}
    for line in plan.lines:
        old = levels.get((plan.location_id, line.variant_id))
        committed = old.committed if old is not None else 0
        levels[(plan.location_id, line.variant_id)] = HvInventoryLevel(
            plan.location_id, line.product_id, line.variant_id, line.quantity, committed
        )
        link = state.variant_links[line.kv_product_id]
        state.variant_links[line.kv_product_id] = dataclasses.replace(
            link, stock_target=line.target, stock_basis=line.basis
        )
    for ack in plan.acks:
        link = state.variant_links[ack.kv_product_id]
        state.variant_links[ack.kv_product_id] = dataclasses.replace(
            link, stock_target=ack.target, stock_basis=ack.basis
        )
    return state.world_out(hv_levels=tuple(levels.values()))


def apply_transfer_plan(world: World, plan: TransferPlan) -> World:
    state = _State(world)
    created_codes: dict[int, str] = {}
    used_codes = {r.code.casefold() for r in state.kv_rows.values()}
    for action in plan.actions:
        if isinstance(action, LinkVariant):
            state.link_variant(
                action.kv_product_id, action.hv_product_id, action.hv_variant_id, action.pushed
            )
        elif isinstance(action, CreateKvCategory):
            state.categories.append(KvCategory(state.new_id(), action.name))
        elif isinstance(action, CreateKvProducts):
            master = action.master_product_id
            for draft in action.rows:
                row_id = state.new_id()
                code = draft.code
                if code is None:
                    number = len(used_codes) + 1
                    while f"sp{number:06d}" in used_codes:
                        number += 1
                    code = f"SP{number:06d}"
                used_codes.add(code.casefold())
                created_codes[draft.hv_variant_id] = code
                state.kv_rows[row_id] = KvProduct(
                    id=row_id,
                    code=code,
                    name=draft.name,
                    barcode=draft.barcode,
                    category_name=action.category_name,
                    base_price=draft.base_price,
                    weight=draft.weight,
                    description=draft.description,
                    images=draft.images,
                    attributes=draft.attributes,
                    master_product_id=master if action.has_variants and master != row_id else None,
                )
                if master is None:
                    master = row_id
                state.link_variant(row_id, action.hv_product_id, draft.hv_variant_id, Fingerprints())
            assert master is not None
            state.link_product(master, action.hv_product_id, Fingerprints())
        elif isinstance(action, WriteBackSku):
            code = action.code if action.code is not None else created_codes[action.hv_variant_id]
            product = state.products[action.hv_product_id]
            updated = tuple(
                dataclasses.replace(v, sku=code) if v.id == action.hv_variant_id else v
                for v in product.variants
            )
            state.products[product.id] = dataclasses.replace(product, variants=updated)
    return state.world_out()
