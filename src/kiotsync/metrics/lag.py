"""How far behind each shop is: the oldest stock change not yet written to Haravan, the oldest
order not yet synced. Only the ``TOP_N`` laggiest shops get a series of their own (so the
number of series stays bounded however many shops there are); the fleet's max and p95 cover
every shop."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min

from kiotsync.catalog.models import KvStock
from kiotsync.core.numbers import version_from_datetime
from kiotsync.orders.models import OrderLink
from kiotsync.tenants.models import SyncSettings, Tenant

TOP_N = 20
UNSYNCED = (OrderLink.State.WAITING, OrderLink.State.ERROR)


@dataclass(frozen=True)
class ShopLag:
    shop: str  # the Haravan orgid
    seconds: float
    count: int  # dirty stock rows (products) / orders not synced


@dataclass(frozen=True)
class Lags:
    shops: list[ShopLag]  # every shop with some lag, the laggiest first
    eligible: int  # shops the lag is measured over (those without lag count as 0)

    def top(self, n: int = TOP_N) -> list[ShopLag]:
        return self.shops[:n]

    @property
    def max(self) -> float:
        return self.shops[0].seconds if self.shops else 0.0

    @property
    def p95(self) -> float:
        return percentile([s.seconds for s in self.shops], 0.95, max(self.eligible, len(self.shops)))


def percentile(values: Sequence[float], q: float, population: int) -> float:
    """Nearest-rank percentile of ``values`` padded with zeros up to ``population``."""
    if population <= 0:
        return 0.0
    ordered = sorted(values, reverse=True)
    rank = math.ceil(q * population)  # 1-based, ascending
    from_top = population - rank  # 0-based index in the descending order
    return ordered[from_top] if from_top < len(ordered) else 0.0


def _sorted(lags: Iterable[ShopLag]) -> list[ShopLag]:
    return sorted(lags, key=lambda s: (-s.seconds, s.shop))


def stock_lags(now: datetime) -> Lags:
    """Shops whose stock follows KiotViet on its own (Auto-sync on, stock ticked, a Haravan
    location chosen): the age of the oldest dirty stock row. A row's version is the receipt time
    of its newest observation (microseconds, :func:`version_from_datetime`), so the age is a
    lower bound when a dirty row was observed again. Other shops keep dirty rows until the next
    "Đồng bộ" by design: they are not lagging."""
    following = SyncSettings.objects.filter(
        auto_sync_enabled=True,
        sync_stock=True,
        haravan_location_id__isnull=False,
        tenant__status=Tenant.Status.ACTIVE,
        tenant__kiotviet__isnull=False,
    ).values("tenant_id")
    now_version = version_from_datetime(now)
    rows = (
        KvStock.objects.filter(dirty=True, tenant_id__in=following)
        .values("tenant__orgid")
        .annotate(oldest=Min("version"), rows=Count("kv_id", distinct=True))
        .order_by()
    )
    shops = [
        ShopLag(r["tenant__orgid"], max(0.0, (now_version - r["oldest"]) / 1e6), r["rows"]) for r in rows
    ]
    return Lags(_sorted(shops), following.count())


def order_lags(now: datetime) -> Lags:
    """Active shops: the age of the oldest order waiting to be synced (first try or retry) or
    failed, since KiotSync first saw it."""
    rows = (
        OrderLink.objects.filter(state__in=UNSYNCED, tenant__status=Tenant.Status.ACTIVE)
        .values("tenant__orgid")
        .annotate(oldest=Min("created_at"), links=Count("id"))
        .order_by()
    )
    shops = [
        ShopLag(r["tenant__orgid"], max(0.0, (now - r["oldest"]).total_seconds()), r["links"]) for r in rows
    ]
    active = Tenant.objects.filter(status=Tenant.Status.ACTIVE, kiotviet__isnull=False).count()
    return Lags(_sorted(shops), active)


def unsynced_orders() -> dict[str, int]:
    """Orders not synced across the fleet, by state (``waiting``, ``error``)."""
    counts = dict.fromkeys((s.value for s in UNSYNCED), 0)
    rows = (
        OrderLink.objects.filter(state__in=UNSYNCED, tenant__status=Tenant.Status.ACTIVE)
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update({r["state"]: r["n"] for r in rows})
    return counts
