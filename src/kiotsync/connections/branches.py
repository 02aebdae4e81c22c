"""Remember KiotViet branch names whenever we read the branch list."""

from __future__ import annotations

from collections.abc import Iterable

from kiotsync.kiotviet.models import Branch
from kiotsync.tenants.models import KvBranch, Tenant


def remember_branches(tenant: Tenant, branches: Iterable[Branch]) -> None:
    for branch in branches:
        if branch.id is None:
            continue
        KvBranch.objects.update_or_create(
            tenant=tenant,
            branch_id=branch.id,
            defaults={"name": branch.name or str(branch.id), "is_active": branch.is_active is not False},
        )


def branch_names(tenant: Tenant) -> dict[int, str]:
    return dict(KvBranch.objects.filter(tenant=tenant).values_list("branch_id", "name"))
