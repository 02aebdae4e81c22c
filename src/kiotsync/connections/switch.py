"""Another KiotViet retailer: never silently reused data, always an explicit switch.

The shop's links, mirrors and cursors belong to one retailer (``Tenant.data_retailer``). A
login with another retailer's credentials is refused with :class:`OtherRetailer` until the
merchant confirms the switch; then :func:`switch_retailer` retires the old retailer's data —
each feature retires its own in a :data:`retailer_switched` receiver — keeps the sync history,
records a :class:`~kiotsync.tenants.models.RetailerSwitch`, and asks for the settings again
(branch and price book were the old retailer's). Products are then linked again by the link key
(SKU or barcode) on the next Sync now.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from kiotsync.logs import tenant_context
from kiotsync.tenants.models import KvBranch, RetailerSwitch, SyncSettings, Tenant

from .errors import UserFacingError

log = logging.getLogger(__name__)

#: The shop switched retailer (``tenant``, ``switch``): each feature retires what belonged to the
#: old retailer and returns a dict of counts (and what it wants kept in the snapshot).
retailer_switched = Signal()


class OtherRetailer(UserFacingError):
    def __init__(self, previous: str, new: str) -> None:
        super().__init__(
            _(
                "Cửa hàng đang đồng bộ với gian hàng KiotViet %(old)s, còn thông tin bạn nhập là của gian hàng "
                "%(new)s. Nếu chuyển sang %(new)s, liên kết sản phẩm, dữ liệu tồn kho và mốc đồng bộ của %(old)s "
                "sẽ được lưu trữ (lịch sử vẫn giữ), rồi sản phẩm được liên kết lại theo mã hàng ở lần đồng bộ tới."
            )
            % {"old": previous, "new": new},
            code="other_retailer",
        )
        self.previous = previous
        self.new = new


def same_retailer(tenant: Tenant, retailer: str, retailer_id: int | None) -> bool:
    """Whether ``retailer`` is the one the shop's data belongs to (or there is no data yet)."""
    if not tenant.data_retailer and tenant.data_retailer_id is None:
        return True
    if tenant.data_retailer_id is not None and retailer_id is not None:
        return tenant.data_retailer_id == retailer_id
    return tenant.data_retailer.lower() == retailer.lower()


def switch_retailer(tenant: Tenant, retailer: str, retailer_id: int | None) -> RetailerSwitch:
    """Retire the old retailer's data (history kept) and make ``retailer`` the shop's."""
    with transaction.atomic():
        switch = RetailerSwitch.objects.create(
            tenant=tenant,
            from_retailer=tenant.data_retailer,
            from_retailer_id=tenant.data_retailer_id,
            to_retailer=retailer,
            to_retailer_id=retailer_id,
        )
        retired: dict[str, Any] = {}
        for _receiver, counts in retailer_switched.send(sender=Tenant, tenant=tenant, switch=switch):
            if isinstance(counts, dict):
                retired.update(counts)
        retired["branches"] = KvBranch.objects.filter(tenant=tenant).delete()[0]
        # The order branch and the price book were the old retailer's: the settings are asked again.
        SyncSettings.objects.filter(tenant=tenant).update(
            order_branch_id=None,
            order_branch_name="",
            price_book_id=None,
            price_book_name="",
            configured_at=None,
        )
        switch.retired = retired
        switch.save(update_fields=["retired"])
        remember_retailer(tenant, retailer, retailer_id)
    with tenant_context(tenant):
        log.warning("kiotviet retailer switched: %s → %s (%s)", switch.from_retailer, retailer, retired)
    return switch


def remember_retailer(tenant: Tenant, retailer: str, retailer_id: int | None) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(data_retailer=retailer, data_retailer_id=retailer_id)
    tenant.data_retailer, tenant.data_retailer_id = retailer, retailer_id
