"""Actions of a KiotViet → Haravan product plan, and what the service stores when one succeeds.

Execute actions in plan order (links first, then creations, then updates, then hides). Every
action that names `pushed` fingerprints expects them to be MERGED into the stored link on success
(`Fingerprints.merged`), never written on failure — so a half-executed plan re-plans correctly.

| action          | Haravan call                                   | on success store                      |
|-----------------|------------------------------------------------|---------------------------------------|
| LinkProduct     | none                                           | upsert ProductLink, merge `pushed`    |
| LinkVariant     | none                                           | upsert VariantLink for the row (drop  |
|                 |                                                | any other link to that variant), merge|
| CreateProduct   | POST /products.json (all variants at once)     | ProductLink + one VariantLink per     |
|                 |                                                | draft (match response variants by sku |
|                 |                                                | or order), each with its `pushed`     |
| AddVariant      | POST /products/{id}/variants.json              | VariantLink with `variant.pushed`     |
| UpdateProduct   | PUT /products/{id}.json with the set fields    | upsert ProductLink, merge `pushed`    |
| UpdateVariant   | PUT /variants/{id}.json with the set fields    | merge `pushed` into the VariantLink   |
| HideProduct     | PUT /products/{id}.json `published: false`     | upsert ProductLink, merge `pushed`    |
"""

from __future__ import annotations

from dataclasses import dataclass

from kiotsync.core.catalog.fields import ProductFields, VariantFields
from kiotsync.core.catalog.links import Fingerprints
from kiotsync.core.catalog.reasons import ReasonCode
from kiotsync.core.catalog.status import RowState, RowStatus


@dataclass(frozen=True)
class VariantDraft:
    """A Haravan variant to create for KiotViet row `kv_product_id`; `fields` has every value."""

    kv_product_id: int
    fields: VariantFields
    pushed: Fingerprints


@dataclass(frozen=True)
class ProductDraft:
    """A Haravan product to create; `fields` has every value, `variants` in display order."""

    fields: ProductFields
    variants: tuple[VariantDraft, ...]
    pushed: Fingerprints


@dataclass(frozen=True)
class LinkProduct:
    """Remember that KiotViet group `kv_group_id` is Haravan product `hv_product_id` (no API call)."""

    kv_group_id: int
    hv_product_id: int
    pushed: Fingerprints


@dataclass(frozen=True)
class LinkVariant:
    """Link KiotViet row ↔ existing Haravan variant, or refresh its fingerprints (no API call)."""

    kv_product_id: int
    hv_product_id: int
    hv_variant_id: int
    pushed: Fingerprints


@dataclass(frozen=True)
class CreateProduct:
    kv_group_id: int
    product: ProductDraft


@dataclass(frozen=True)
class AddVariant:
    kv_group_id: int
    hv_product_id: int
    variant: VariantDraft


@dataclass(frozen=True)
class UpdateProduct:
    """Write the set attributes of `changes` to the product."""

    kv_group_id: int
    hv_product_id: int
    changes: ProductFields
    pushed: Fingerprints


@dataclass(frozen=True)
class UpdateVariant:
    """Write the set attributes of `changes` to the variant."""

    kv_product_id: int
    hv_product_id: int
    hv_variant_id: int
    changes: VariantFields
    pushed: Fingerprints


@dataclass(frozen=True)
class HideProduct:
    """Unpublish (never delete) a product whose KiotViet rows were deleted or deactivated.
    `reason` is DELETED_IN_KIOTVIET or INACTIVE."""

    kv_group_id: int
    hv_product_id: int
    reason: ReasonCode
    pushed: Fingerprints


ProductAction = (
    LinkProduct | LinkVariant | CreateProduct | AddVariant | UpdateProduct | UpdateVariant | HideProduct
)

_PHASE: dict[type, int] = {
    LinkProduct: 0,
    LinkVariant: 1,
    CreateProduct: 2,
    AddVariant: 3,
    UpdateProduct: 4,
    UpdateVariant: 5,
    HideProduct: 6,
}


def action_order(action: ProductAction) -> tuple[int, str]:
    """Execution order: phase, then a stable tie-break."""
    return (_PHASE[type(action)], repr(action))


@dataclass(frozen=True)
class ProductPlan:
    """The outcome of `plan_kiotviet_to_haravan`: ordered actions and one status per input row."""

    actions: tuple[ProductAction, ...]
    statuses: tuple[RowStatus, ...]

    def status_of(self, kv_product_id: int) -> RowStatus | None:
        for status in self.statuses:
            if status.kv_product_id == kv_product_id:
                return status
        return None

    @property
    def needs_attention(self) -> tuple[RowStatus, ...]:
        return tuple(s for s in self.statuses if s.state is RowState.NEEDS_ATTENTION)
