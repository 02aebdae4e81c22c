"""KiotViet customers by phone, without a GET per order (issue 11: the GET budget).

KiotViet caps GETs at 5,000 an hour per retailer, and finding the customer of a web order
(``GET /customers?contactNumber=``) was one GET per order — most of the budget in a flash sale.
Instead the shop's customers are mirrored (:class:`~.models.KvCustomer`): one full read in the
background (a per-shop duty, paged 100 a GET), then before an order is pushed a delta read
(``lastModifiedFrom`` = cursor − 2 min, ``includeRemoveIds``) at most every
:data:`FRESH` — one GET serves every order of those seconds, and picks up a customer the
cashier created a minute ago. Customers KiotViet creates with our orders (inline) are
remembered from the order's answer. Until the full read is done, the old look-up by phone is
used (and its results remembered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from kiotsync.httpkit.phones import normalize_phone
from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.kiotviet.models import Customer
from kiotsync.tenants.models import Tenant

from .models import KvCustomer, KvCustomerMirror

log = logging.getLogger(__name__)

#: How old the mirror may be when an order is pushed (a delta read refreshes it).
FRESH = timedelta(seconds=30)
#: Re-read this much before the cursor (KiotViet's clock and ours, writes while paging).
OVERLAP = timedelta(minutes=2)
BATCH = 1000


def _rows(tenant_id: int, customers: Iterable[Customer]) -> list[KvCustomer]:
    return [
        KvCustomer(
            tenant_id=tenant_id,
            kv_id=c.id,
            phone=normalize_phone(c.contact_number)[:32],
            branch_id=c.branch_id,
        )
        for c in customers
        if c.id
    ]


def remember(tenant_id: int, customers: Iterable[Customer]) -> None:
    """Store (or update) customers seen in a read or created with an order."""
    rows = _rows(tenant_id, customers)
    for start in range(0, len(rows), BATCH):
        KvCustomer.objects.bulk_create(
            rows[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["tenant", "kv_id"],
            update_fields=["phone", "branch_id"],
        )


def remember_created(tenant_id: int, customer_id: int | None, phone: str, branch_id: int | None) -> None:
    if customer_id and normalize_phone(phone):
        remember(tenant_id, [Customer(id=customer_id, contact_number=phone, branch_id=branch_id)])


def read_all(tenant: Tenant, kv: KiotVietClient) -> int:
    """The full read (once per shop, in the background): every customer, then the cursor."""
    listing = kv.list_customers()
    with transaction.atomic():
        KvCustomer.objects.filter(tenant=tenant).delete()
        remember(tenant.pk, listing)
        KvCustomerMirror.objects.update_or_create(
            tenant=tenant,
            defaults={"complete": True, "cursor": listing.timestamp, "refreshed_at": timezone.now()},
        )
    log.info("kiotviet customers mirrored: %d", len(listing))
    return len(listing)


def refresh(
    tenant: Tenant, kv: KiotVietClient, now: datetime | None = None, *, fresh: timedelta = FRESH
) -> bool:
    """Bring the mirror up to date if it is older than ``fresh``; whether it can be used
    (False until the full read is done)."""
    now = now or timezone.now()
    mirror = KvCustomerMirror.objects.filter(tenant=tenant).first()
    if mirror is None or not mirror.complete:
        return False
    if mirror.refreshed_at and now - mirror.refreshed_at < fresh:
        return True
    with transaction.atomic():
        # One refresher at a time; the others use the mirror as it is (seconds old).
        locked = KvCustomerMirror.objects.select_for_update(skip_locked=True).filter(pk=mirror.pk).first()
        if locked is None:
            return True
        if locked.refreshed_at and now - locked.refreshed_at < fresh:
            return True
        since = locked.cursor - OVERLAP if locked.cursor else None
        listing = kv.list_customers(since, include_removed=True)
        remember(tenant.pk, listing)
        if listing.removed_ids:
            KvCustomer.objects.filter(tenant=tenant, kv_id__in=listing.removed_ids).delete()
        locked.cursor = listing.timestamp or locked.cursor
        locked.refreshed_at = now
        locked.save(update_fields=["cursor", "refreshed_at"])
    return True


def customer_id_for(tenant: Tenant, kv: KiotVietClient, phone: str, branch_id: int | None) -> int | None:
    """The KiotViet customer of this phone (exactly, after normalisation) — one of the order
    branch's first (``ManagerCustomerByBranch``) — or None: the order then carries the
    customer inline and KiotViet creates it."""
    digits = normalize_phone(phone)
    if not digits:
        return None
    if refresh(tenant, kv):
        found = list(
            KvCustomer.objects.filter(tenant=tenant, phone=digits)
            .order_by("kv_id")
            .values_list("kv_id", "branch_id")
        )
    else:
        customers = kv.find_customers_by_phone(phone)
        remember(tenant.pk, customers)
        found = [(c.id, c.branch_id) for c in customers]
    same_branch = [kv_id for kv_id, branch in found if branch in (None, branch_id)]
    choice = same_branch or [kv_id for kv_id, _branch in found]
    return choice[0] if choice else None


def ids_with_phone(tenant: Tenant, kv: KiotVietClient, phone: str) -> list[int] | None:
    """Every KiotViet customer of this phone as of now (the mirror read up to this second), or
    None when the mirror is not usable yet. An order made with this phone — with a known
    customer or one created inline with it — has one of them as its customer."""
    digits = normalize_phone(phone)
    if not digits or not refresh(tenant, kv, fresh=timedelta(0)):
        return None
    return list(KvCustomer.objects.filter(tenant=tenant, phone=digits).values_list("kv_id", flat=True))


class CustomerBook:
    """The executor's view of one shop's customers (see :class:`.execute.Customers`)."""

    def __init__(self, tenant: Tenant, kv: Callable[[], KiotVietClient]) -> None:
        self.tenant, self.kv = tenant, kv

    def find(self, phone: str, branch_id: int | None) -> int | None:
        return customer_id_for(self.tenant, self.kv(), phone, branch_id)

    def created(self, customer_id: int | None, phone: str, branch_id: int | None) -> None:
        remember_created(self.tenant.pk, customer_id, phone, branch_id)
