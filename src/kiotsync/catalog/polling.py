"""Pull the catalogues into the mirrors (full read or delta with cursors).

KiotViet: ``/products`` with ``lastModifiedFrom`` + ``includeRemoveIds`` for product changes,
``/productOnHands`` for stock-only changes (stock moves don't touch a product's modifiedDate);
each cursor is the envelope ``timestamp`` of the read, reused minus a small overlap.
Haravan: ``/products.json`` (whole catalogue, or ``updated_at_min`` delta).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from kiotsync.bookkeeping.models import StreamState
from kiotsync.connections import branches
from kiotsync.httpkit.dates import parse_datetime
from kiotsync.httpkit.errors import PlatformError
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant

from . import ingest
from .models import HvVariantRow, KvRow
from .unlink import forget_deleted_haravan_product

log = logging.getLogger(__name__)

OVERLAP = timedelta(seconds=60)


@dataclass
class KvChanges:
    rows: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    stock: set[int] = field(default_factory=set)
    calls: int = 0


def _cursor(tenant: Tenant, stream: str) -> datetime | None:
    state = StreamState.objects.filter(tenant=tenant, stream=stream).first()
    return parse_datetime(state.cursor) if state and state.cursor else None


def _save_cursor(tenant: Tenant, stream: str, value: datetime | None) -> None:
    if value is None:
        return
    StreamState.objects.update_or_create(tenant=tenant, stream=stream, defaults={"cursor": value.isoformat()})


#: How old the branch list may be when a sync or a stock write starts; older, it is read again,
#: so a branch deactivated in KiotViet stops counting at the next write after that.
BRANCHES_MAX_AGE = timedelta(seconds=60)


def refresh_branches(tenant: Tenant, ports: Ports, *, max_age: timedelta | None = None) -> set[int]:
    """Read KiotViet's branches again (with ``max_age``: only when the list is older than that);
    returns the ids that started or stopped operating (their stock is written again: see
    :data:`kiotsync.connections.branches.branches_changed`). A failed read keeps what is known."""
    if max_age is not None:
        read = branches.branches_read_at(tenant)
        if read is not None and timezone.now() - read < max_age:
            return set()
    try:
        return branches.refresh_branches(tenant, ports.kiotviet(tenant))
    except (PlatformError, ObjectDoesNotExist) as exc:  # KiotViet down, or the shop disconnected
        log.warning("reading KiotViet branches failed: %s", exc)
        return set()


def refresh_kiotviet(tenant: Tenant, ports: Ports, *, full: bool = False) -> KvChanges:
    """Bring the KiotViet mirror up to date (branches included); returns what changed."""
    refresh_branches(tenant, ports, max_age=BRANCHES_MAX_AGE)
    client = ports.kiotviet(tenant)
    changes = KvChanges()
    stream = StreamState.Stream.PRODUCTS_KV_TO_HV
    cursor = None if full else _cursor(tenant, stream)
    started = ingest.now_version()
    listing = client.list_products(
        modified_since=cursor - OVERLAP if cursor else None,
        include_removed=cursor is not None,
        include_inventory=True,
        include_pricebook=True,
        include_material=True,
    )
    products, removed, timestamp = listing.as_tuple()
    changes.rows = ingest.upsert_kv_rows(tenant, ingest.kv_rows_from_wire(products))
    changes.stock = ingest.apply_stock(tenant, ingest.facts_from_products(products, started))
    changes.deleted = ingest.mark_kv_deleted(tenant, removed)
    if full:
        # A full read also reveals deletions that happened while we were not listening.
        seen = {p.id for p in products}
        missing = (
            set(KvRow.objects.filter(tenant=tenant, deleted=False).values_list("kv_id", flat=True)) - seen
        )
        changes.deleted |= ingest.mark_kv_deleted(tenant, missing)
    _save_cursor(tenant, stream, timestamp)
    stock_cursor = _cursor(tenant, StreamState.Stream.STOCK)
    if not full and stock_cursor is not None:
        started = ingest.now_version()
        on_hands = client.list_product_on_hands(modified_since=stock_cursor - OVERLAP)
        facts = [
            ingest.StockFact(item.id, inv.branch_id, _dec(inv.on_hand), _dec(inv.reserved), started)
            for item in on_hands
            for inv in item.inventories
            if inv.branch_id is not None
        ]
        changes.stock |= ingest.apply_stock(tenant, facts)
        _save_cursor(tenant, StreamState.Stream.STOCK, on_hands.timestamp)
    else:
        _save_cursor(tenant, StreamState.Stream.STOCK, timestamp)
    return changes


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def refresh_haravan(tenant: Tenant, ports: Ports, *, full: bool = True) -> set[int]:
    """Bring the Haravan mirror up to date; returns the variant ids that changed."""
    client = ports.haravan(tenant)
    stream = StreamState.Stream.PRODUCTS_HV_TO_KV
    since = None if full else _cursor(tenant, stream)
    started = timezone.now()
    products = ingest.hv_products_from_wire(
        client.iter_products(updated_at_min=since - OVERLAP if since else None)
    )
    changed = ingest.upsert_hv_products(tenant, products)
    if full:
        seen = {p.id for p in products}
        stale = set(
            HvVariantRow.objects.filter(tenant=tenant, deleted=False)
            .exclude(hv_product_id__in=seen)
            .values_list("hv_product_id", flat=True)
        )
        for pid in stale:
            ingest.mark_hv_product_deleted(tenant, pid)
            forget_deleted_haravan_product(tenant, pid)
    _save_cursor(tenant, stream, started)
    return changed


def refresh_price_book(tenant: Tenant, ports: Ports) -> set[int]:
    """The chosen price book's prices (when the shop sells at them), compared with the mirror:
    a book edit moves no product's ``modifiedDate``, so the delta read does not see it."""
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    if (
        settings is None
        or settings.price_source != SyncSettings.PriceSource.PRICE_BOOK
        or not settings.price_book_id
    ):
        return set()
    book = settings.price_book_id
    listed = {line.product_id: line.price for line in ports.kiotviet(tenant).list_pricebook_lines(book)}
    known = KvRow.objects.filter(tenant=tenant, deleted=False).values_list("kv_id", "data")
    prices: dict[int, Decimal | None] = {}
    for kv_id, data in known:
        entry = next((e for e in (data or {}).get("price_books", []) if e[0] == book), None)
        price = listed.get(kv_id)
        if price is None and entry is not None:
            prices[kv_id] = None
        elif price is not None and (entry is None or Decimal(str(entry[1])) != price):
            prices[kv_id] = price
    return ingest.apply_price_book_prices(tenant, book, prices)
