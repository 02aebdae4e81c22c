"""Remember KiotViet branches (names, and whether each still operates) whenever we read the
branch list.

Only active branches count towards the stock KiotSync puts on Haravan. KiotViet's
``GET /branches`` says which: ``isActive`` on each branch, and a branch that stopped operating
may also be left out of the list or named in ``removedIds`` (kiotviet §3.1). When a branch
starts or stops counting, :data:`branches_changed` is sent (``tenant``, ``branch_ids``): the
catalogue writes the stock again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal

from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.kiotviet.models import Branch
from kiotsync.tenants.models import KvBranch, Tenant

#: Some branches started or stopped operating (``tenant``, ``branch_ids``).
branches_changed = Signal()


def remember_branches(
    tenant: Tenant, branches: Iterable[Branch], *, complete: bool = False, removed: Collection[int] = ()
) -> set[int]:
    """Store the branches read; returns the ids whose activity changed (signalled too).

    ``complete``: ``branches`` is the shop's whole list, so a known branch missing from it no
    longer operates. ``removed``: ids KiotViet lists as removed (deactivated)."""
    gone = set(removed)
    with transaction.atomic():
        known = {b.branch_id: b for b in KvBranch.objects.select_for_update().filter(tenant=tenant)}
        changed: set[int] = set()
        seen: set[int] = set()
        for branch in branches:
            if branch.id is None:
                continue
            seen.add(branch.id)
            active = branch.is_active is not False and branch.id not in gone
            row = known.get(branch.id)
            if row is not None and row.is_active != active:
                changed.add(branch.id)
            KvBranch.objects.update_or_create(
                tenant=tenant,
                branch_id=branch.id,
                defaults={"name": branch.name or str(branch.id), "is_active": active},
            )
        stopped = {bid for bid, row in known.items() if row.is_active and bid not in seen}
        stopped = {bid for bid in stopped if complete or bid in gone}
        if stopped:
            KvBranch.objects.filter(tenant=tenant, branch_id__in=stopped).update(is_active=False)
            changed |= stopped
    if changed:
        branches_changed.send(sender=KvBranch, tenant=tenant, branch_ids=frozenset(changed))
    return changed


def refresh_branches(tenant: Tenant, client: KiotVietClient) -> set[int]:
    """Read the shop's branches again; returns the ids whose activity changed."""
    listing = client.list_branches()
    return remember_branches(tenant, listing.items, complete=True, removed=listing.removed_ids)


def branches_read_at(tenant: Tenant) -> datetime | None:
    """When the branch list was last read (None: never)."""
    latest: datetime | None = KvBranch.objects.filter(tenant=tenant).aggregate(at=Max("updated_at"))["at"]
    return latest


def inactive_branch_ids(tenant: Tenant) -> frozenset[int]:
    """Branches that stopped operating: their stock is not counted."""
    return frozenset(
        KvBranch.objects.filter(tenant=tenant, is_active=False).values_list("branch_id", flat=True)
    )


def branch_names(tenant: Tenant) -> dict[int, str]:
    return dict(KvBranch.objects.filter(tenant=tenant).values_list("branch_id", "name"))
