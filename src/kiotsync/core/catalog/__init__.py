"""The catalogue core: domain types and planners for products and stock (standard library only).

Standard library only, no I/O, no clock: the service layer translates wire data into these types,
calls a planner, executes the returned actions, and stores what each action says to store.

    plan_kiotviet_to_haravan(kv_rows, hv_products, links, settings, opt_outs, now) -> ProductPlan
    plan_stock(kv_rows, observations, links, hv_levels, settings, opt_outs) -> StockPlan
    plan_haravan_to_kiotviet(hv_products, kv_rows, links, kv_categories, settings, opt_outs) -> TransferPlan

See docs/planner.md for the model and every decision.
"""

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
)
from kiotsync.core.catalog.domain import (
    HvInventoryLevel,
    HvProduct,
    HvVariant,
    KvAttribute,
    KvCategory,
    KvComponent,
    KvInventory,
    KvPriceBookPrice,
    KvProduct,
    KvProductType,
    StockObservation,
)
from kiotsync.core.catalog.fields import ProductFields, VariantFields, resolve_price
from kiotsync.core.catalog.links import Fingerprints, Link, ProductLink, VariantLink, fingerprint
from kiotsync.core.catalog.plan_products import plan_kiotviet_to_haravan
from kiotsync.core.catalog.plan_stock import StockAck, StockBatch, StockLine, StockPlan, plan_stock
from kiotsync.core.catalog.plan_transfer import (
    CreateKvCategory,
    CreateKvProducts,
    KvRowDraft,
    TransferAction,
    TransferPlan,
    WriteBackSku,
    plan_haravan_to_kiotviet,
)
from kiotsync.core.catalog.reasons import CATALOGUE, Reason, ReasonCode, Severity
from kiotsync.core.catalog.settings import ALL_FIELDS, LinkKey, SyncField, SyncSettings
from kiotsync.core.catalog.status import RowState, RowStatus, VariantStatus
from kiotsync.core.numbers import to_decimal, version_from_datetime

__all__ = [
    "ALL_FIELDS",
    "CATALOGUE",
    "AddVariant",
    "CreateKvCategory",
    "CreateKvProducts",
    "CreateProduct",
    "Fingerprints",
    "HideProduct",
    "HvInventoryLevel",
    "HvProduct",
    "HvVariant",
    "KvAttribute",
    "KvCategory",
    "KvComponent",
    "KvInventory",
    "KvPriceBookPrice",
    "KvProduct",
    "KvProductType",
    "KvRowDraft",
    "Link",
    "LinkKey",
    "LinkProduct",
    "LinkVariant",
    "ProductAction",
    "ProductDraft",
    "ProductFields",
    "ProductLink",
    "ProductPlan",
    "Reason",
    "ReasonCode",
    "RowState",
    "RowStatus",
    "Severity",
    "StockAck",
    "StockBatch",
    "StockLine",
    "StockObservation",
    "StockPlan",
    "SyncField",
    "SyncSettings",
    "TransferAction",
    "TransferPlan",
    "UpdateProduct",
    "UpdateVariant",
    "VariantDraft",
    "VariantFields",
    "VariantLink",
    "VariantStatus",
    "WriteBackSku",
    "fingerprint",
    "plan_haravan_to_kiotviet",
    "plan_kiotviet_to_haravan",
    "plan_stock",
    "resolve_price",
    "to_decimal",
    "version_from_datetime",
]
