"""The plan type shared by both order planners, and first-sight eligibility.

A :class:`Plan` is either *actions* to take (possibly none: in step) or a *reason* why the order
cannot (or need not) go further. The sync state the screen shows follows from it:
``error``/``skipped`` from the reason's kind, ``waiting`` while actions remain, ``synced`` when
the copy exists and nothing is left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .actions import OrderAction
from .domain import HvOrder, KvOrder
from .reasons import OrderReason, OrderReasonCode, ReasonKind


class SyncState:
    WAITING = "waiting"
    SYNCED = "synced"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Plan:
    actions: tuple[OrderAction, ...] = ()
    reason: OrderReason | None = None

    @property
    def state(self) -> str:
        if self.reason is not None and self.reason.kind == ReasonKind.ERROR:
            return SyncState.ERROR
        if self.reason is not None and self.reason.kind == ReasonKind.SKIP:
            return SyncState.SKIPPED
        if self.actions:
            return SyncState.WAITING
        return SyncState.SYNCED


def _date(when: datetime) -> str:
    return when.strftime("%d/%m/%Y %H:%M")


def haravan_first_sight(hv: HvOrder, since: datetime | None) -> OrderReason | None:
    """Why a Haravan order KiotSync sees for the first time is not pushed to KiotViet (or None).

    Whichever side processes orders, every Haravan order becomes one KiotViet order (it reserves
    the stock there); the side only decides which platform's statuses drive the other's. Decided
    once, when the order is first seen, and stored: changing the connection date later does not
    pull old orders across (the merchant imports them, or presses "Đồng bộ sang KiotViet").
    """
    if since is not None and hv.created_at is not None and hv.created_at < since:
        return OrderReason.of(OrderReasonCode.BEFORE_SYNC_START, date=_date(since))
    return None


def kiotviet_first_sight(kv: KvOrder, since: datetime | None, branch_id: int | None) -> OrderReason | None:
    """Why a KiotViet-born order is not pushed to Haravan (processing at Haravan), or None."""
    if branch_id is not None and kv.branch_id is not None and kv.branch_id != branch_id:
        return OrderReason.of(OrderReasonCode.OTHER_BRANCH)
    if since is not None and kv.created_at is not None and kv.created_at < since:
        return OrderReason.of(OrderReasonCode.BEFORE_SYNC_START, date=_date(since))
    return None
