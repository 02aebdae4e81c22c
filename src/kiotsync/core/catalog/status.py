"""Per-row outcome of a plan: every input row gets exactly one status, so nothing is dropped."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiotsync.core.catalog.reasons import Reason


class RowState(StrEnum):
    LINKED = "linked"  # linked and in step: nothing to do
    PLANNED = "planned"  # the plan holds actions for it
    OPTED_OUT = "opted_out"  # the merchant excluded it
    NOT_APPLICABLE = "not_applicable"  # nothing to do by design (inactive, service for stock, …)
    NEEDS_ATTENTION = "needs_attention"  # cannot be mapped faithfully; `reason` says why


@dataclass(frozen=True)
class RowStatus:
    """Outcome for one KiotViet row (KiotViet → Haravan and stock plans)."""

    kv_product_id: int
    state: RowState
    reason: Reason | None = None


@dataclass(frozen=True)
class VariantStatus:
    """Outcome for one Haravan variant (Haravan → KiotViet transfer plan)."""

    hv_variant_id: int
    hv_product_id: int
    state: RowState
    reason: Reason | None = None
