"""Keep the local mirrors in step with what the platforms report.

Every write is an idempotent upsert. Stock carries a *version* (microseconds on our clock of
when the information was true at the source: a webhook's receipt time, a poll's start time), so
an observation older than the one already stored is dropped — this is what stops a slow poll
or a late webhook redelivery from overwriting fresher stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from kiotsync.core.catalog import HvProduct, KvProduct, version_from_datetime
from kiotsync.core.text import search_text
from kiotsync.haravan import models as hv
from kiotsync.kiotviet import models as kv
from kiotsync.tenants.models import Tenant

from . import wire
from .models import HvVariantRow, KvRow, KvStock

if TYPE_CHECKING:
    from django.db.models import Field

BATCH = 500


def now_version() -> int:
    return version_from_datetime(timezone.now())


def _row_values(p: KvProduct) -> dict[str, object]:
    values: dict[str, object] = {
        "code": p.code[:100],
        "barcode": p.barcode[:64],
        "name": p.name[:500],
        "full_name": p.full_name[:500],
        "master_product_id": p.master_product_id,
        "master_unit_id": p.master_unit_id,
        "type": int(p.type),
        "is_active": p.is_active,
        "category_name": p.category_name[:255],
        "base_price": p.base_price,
        "modified_at": p.modified_at,
        "data": wire.kv_to_json(p),
    }
    values["search_text"] = search_text(*(str(values[f]) for f in KvRow.SEARCHED))
    return values


def upsert_kv_rows(
    tenant: Tenant, rows: Iterable[KvProduct], *, unsent: Mapping[int, Sequence[str]] | None = None
) -> set[int]:
    """Store rows; returns the ids whose data changed (or are new / undeleted).

    ``unsent``: per row, the fields its source did not carry (a ``product.update`` webhook has
    no barcode, no combo components): they keep the stored value, read under the row's lock, so
    a webhook handled while a read stores a newer value cannot put the old one back. A row older
    than the stored one (``modified_at``: a late delivery) changes nothing."""
    by_id = {r.id: r for r in rows}
    changed: set[int] = set()
    ids = list(by_id)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            changed |= _upsert_kv_chunk(tenant, chunk, by_id, unsent or {})
        except IntegrityError:
            # Another worker inserted one of these rows meanwhile (Sync now's full read and a
            # product.update webhook, or the poll, at once): they are visible now, so update them.
            changed |= _upsert_kv_chunk(tenant, chunk, by_id, unsent or {})
    return changed


def _upsert_kv_chunk(
    tenant: Tenant, chunk: Sequence[int], by_id: dict[int, KvProduct], unsent: Mapping[int, Sequence[str]]
) -> set[int]:
    changed: set[int] = set()
    with transaction.atomic():
        existing = {
            r.kv_id: r for r in KvRow.objects.select_for_update().filter(tenant=tenant, kv_id__in=chunk)
        }
        new: list[dict[str, Any]] = []
        updated: list[KvRow] = []
        for kv_id in chunk:
            product = by_id[kv_id]
            row = existing.get(kv_id)
            if row is None:
                new.append({"tenant": tenant.pk, "kv_id": kv_id, **_row_values(product)})
                changed.add(kv_id)
                continue
            if row.modified_at and product.modified_at and product.modified_at < row.modified_at:
                continue  # older than what is stored
            if unsent.get(kv_id) and row.data:
                stored = wire.kv_from_json(row.data)
                product = replace(product, **{f: getattr(stored, f) for f in unsent[kv_id]})
            values = _row_values(product)
            if row.data != values["data"] or row.deleted:
                for key, value in values.items():
                    setattr(row, key, value)
                row.deleted = False
                updated.append(row)
                changed.add(kv_id)
        insert_values(KvRow, new)
        if updated:
            update_by_pk(KvRow, updated, [*_row_values(by_id[chunk[0]]).keys(), "deleted"])
    return changed


def mark_kv_deleted(tenant: Tenant, kv_ids: Iterable[int]) -> set[int]:
    ids = set(kv_ids)
    if not ids:
        return set()
    found = set(
        KvRow.objects.filter(tenant=tenant, kv_id__in=ids, deleted=False).values_list("kv_id", flat=True)
    )
    KvRow.objects.filter(tenant=tenant, kv_id__in=found).update(deleted=True, updated_at=timezone.now())
    return found


@dataclass(frozen=True)
class StockFact:
    kv_id: int
    branch_id: int
    on_hand: Decimal
    reserved: Decimal
    version: int


def facts_from_products(products: Iterable[kv.Product], version: int) -> list[StockFact]:
    return [
        StockFact(p.id, inv.branch_id, Decimal(str(inv.on_hand)), Decimal(str(inv.reserved)), version)
        for p in products
        for inv in p.inventories
        if inv.branch_id is not None
    ]


def apply_stock(tenant: Tenant, facts: Sequence[StockFact]) -> set[int]:
    """Store stock facts newer than what is stored; returns the row ids whose stock changed."""
    newest: dict[tuple[int, int], StockFact] = {}
    for fact in facts:
        key = (fact.kv_id, fact.branch_id)
        if key not in newest or fact.version >= newest[key].version:
            newest[key] = fact
    changed: set[int] = set()
    keys = list(newest)
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        try:
            changed |= _apply_stock_chunk(tenant, chunk, newest)
        except IntegrityError:
            # Another worker inserted one of these rows meanwhile (a new product's
            # product.update and stock.update handled at once): they are visible now.
            changed |= _apply_stock_chunk(tenant, chunk, newest)
    return changed


def _apply_stock_chunk(
    tenant: Tenant, chunk: Sequence[tuple[int, int]], newest: dict[tuple[int, int], StockFact]
) -> set[int]:
    changed: set[int] = set()
    kv_ids = {k[0] for k in chunk}
    with transaction.atomic():
        existing = {
            (s.kv_id, s.branch_id): s
            for s in KvStock.objects.select_for_update().filter(tenant=tenant, kv_id__in=kv_ids)
        }
        new: list[dict[str, Any]] = []
        updated: list[KvStock] = []
        for key in chunk:
            fact = newest[key]
            row = existing.get(key)
            if row is None:
                new.append(
                    {
                        "tenant": tenant.pk,
                        "kv_id": fact.kv_id,
                        "branch_id": fact.branch_id,
                        "on_hand": fact.on_hand,
                        "reserved": fact.reserved,
                        "version": fact.version,
                        "dirty": True,
                    }
                )
                changed.add(fact.kv_id)
                continue
            if fact.version < row.version:
                continue  # stale: something newer was already stored
            if row.on_hand != fact.on_hand or row.reserved != fact.reserved:
                row.on_hand, row.reserved, row.dirty = fact.on_hand, fact.reserved, True
                changed.add(fact.kv_id)
            row.version = fact.version
            updated.append(row)
        insert_values(KvStock, new)
        update_by_pk(KvStock, updated, ["on_hand", "reserved", "version", "dirty"])
    return changed


# Field types whose Python values every backend adapts as they are (no preparation needed).
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def insert_values(model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT new rows given as ``{field name: value}`` (other fields take their defaults,
    ``auto_now`` ones the current time) with one prepared statement run for all of them.

    Why not ``bulk_create``: for a first full read (10,000 rows) the ORM spends seconds building
    model instances and preparing every field of every row; here only the fields that need it
    (JSON, decimals, datetimes) go through their ``get_db_prep_save``."""
    if not rows:
        return
    meta = model._meta
    qn = connection.ops.quote_name
    fields = [cast("Field[Any, Any]", f) for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    columns = ", ".join(qn(str(f.column)) for f in fields)
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    plan = []
    for f in fields:
        stamp = bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        plan.append((f, f.name, stamp, f.get_internal_type() not in _PLAIN))
    params = []
    for row in rows:
        values = []
        for f, name, stamp, prepare in plan:
            value = now if stamp else (row[name] if name in row else f.get_default())
            values.append(f.get_db_prep_save(value, connection) if prepare else value)
        params.append(values)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def update_by_pk(model: type[Model], rows: Sequence[Model], names: Sequence[str]) -> None:
    """Write ``names`` of ``rows`` with one prepared UPDATE run for all of them
    (``executemany``); the ORM's ``bulk_update`` builds a CASE per row and field instead,
    which costs more than the writes (a webhook's single stock row included)."""
    if not rows:
        return
    meta = model._meta
    qn = connection.ops.quote_name
    fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in names]
    sets = ", ".join(f"{qn(str(f.column))} = %s" for f in fields)
    pk = cast("Field[Any, Any]", meta.pk)
    sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(str(pk.column))} = %s"
    params = [
        [*(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields), row.pk] for row in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def upsert_hv_products(tenant: Tenant, products: Iterable[HvProduct]) -> set[int]:
    """Store products (one mirror row per variant); returns variant ids that changed."""
    changed: set[int] = set()
    for product in products:
        pdata = wire.hv_product_json(product)
        with transaction.atomic():
            existing = {
                r.hv_variant_id: r
                for r in HvVariantRow.objects.select_for_update().filter(
                    tenant=tenant, hv_product_id=product.id
                )
            }
            keep = set()
            new: dict[int, dict[str, object]] = {}
            for variant in product.variants:
                keep.add(variant.id)
                values = {
                    "hv_product_id": product.id,
                    "product_title": product.title[:500],
                    "variant_title": " / ".join(variant.option_values)[:500],
                    "sku": variant.sku[:100],
                    "barcode": variant.barcode[:64],
                    "price": variant.price,
                    "product_type": product.product_type[:255],
                    "published": product.published,
                    "deleted": False,
                    "product_data": {**pdata, "variant": wire.hv_variant_json(variant)},
                }
                values["search_text"] = search_text(*(str(values[f]) for f in HvVariantRow.SEARCHED))
                row = existing.get(variant.id)
                if row is None:
                    new[variant.id] = values
                    changed.add(variant.id)
                elif any(getattr(row, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.save()
                    changed.add(variant.id)
            _create_hv_rows(tenant, new)
            gone = set(existing) - keep
            if gone:
                HvVariantRow.objects.filter(tenant=tenant, hv_variant_id__in=gone).update(deleted=True)
    return changed


def _create_hv_rows(tenant: Tenant, new: dict[int, dict[str, object]]) -> None:
    """Insert mirror rows in one statement; if another writer (e.g. the ``products/create``
    webhook of the same product) got there first, upsert them one by one instead."""
    if not new:
        return
    try:
        with transaction.atomic():
            HvVariantRow.objects.bulk_create(
                [HvVariantRow(tenant=tenant, hv_variant_id=vid, **values) for vid, values in new.items()]  # type: ignore[misc]
            )
    except IntegrityError:
        for vid, values in new.items():
            HvVariantRow.objects.update_or_create(tenant=tenant, hv_variant_id=vid, defaults=values)


def mark_hv_product_deleted(tenant: Tenant, product_id: int) -> None:
    HvVariantRow.objects.filter(tenant=tenant, hv_product_id=product_id).update(deleted=True)


def hv_products_from_wire(products: Iterable[hv.Product]) -> list[HvProduct]:
    return [wire.hv_product(p) for p in products]


def kv_rows_from_wire(products: Iterable[kv.Product]) -> list[KvProduct]:
    return [wire.kv_product(p) for p in products]


#: Fields a ``product.update`` webhook may leave out (KiotViet's digest §4.4 lists neither), as
#: (wire names, the row's field).
_UNSENT = ((("barcode",), "barcode"), (("productformulas",), "components"))


def kv_rows_from_webhook(products: Sequence[kv.Product]) -> tuple[list[KvProduct], dict[int, list[str]]]:
    """Rows from ``product.update`` webhook items, and per row the fields the item does not
    carry (the barcode, a combo's components): :func:`upsert_kv_rows` keeps those as stored."""
    rows = kv_rows_from_wire(products)
    unsent: dict[int, list[str]] = {}
    for product, row in zip(products, rows, strict=True):
        sent = {str(k).casefold() for k in (product.raw or {})}
        missing = [field for names, field in _UNSENT if not sent & set(names)]
        if missing:
            unsent[row.id] = missing
    return rows, unsent


def version_of(moment: datetime) -> int:
    return version_from_datetime(moment)


def apply_price_book_prices(tenant: Tenant, book_id: int, prices: Mapping[int, Decimal | None]) -> set[int]:
    """A price book's prices for these rows (None: the row left the book), as KiotViet reported
    them (``pricebookdetail.*`` webhooks, a book's listing): rows whose price changed are
    returned. A row new in the book takes the book's dates and state from its other rows."""
    changed: set[int] = set()
    with transaction.atomic():
        rows = list(KvRow.objects.select_for_update().filter(tenant=tenant, kv_id__in=list(prices)))
        template: list[Any] | None = None
        for row in KvRow.objects.filter(tenant=tenant, data__has_key="price_books").only("data")[:50]:
            template = next((e for e in row.data.get("price_books", []) if e[0] == book_id), None)
            if template is not None:
                break
        for row in rows:
            entries = [list(e) for e in row.data.get("price_books", [])]
            kept = [e for e in entries if e[0] != book_id]
            price = prices[row.kv_id]
            if price is not None:
                current = next((e for e in entries if e[0] == book_id), None)
                base = current or template or [book_id, "0", True, None, None]
                kept.append([book_id, str(price), base[2], base[3], base[4]])
            if sorted(map(str, kept)) != sorted(map(str, entries)):
                row.data = {**row.data, "price_books": sorted(kept, key=lambda e: e[0])}
                row.save(update_fields=["data", "updated_at"])
                changed.add(row.kv_id)
    return changed
