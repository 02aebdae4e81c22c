"""How the product list's Vietnamese sort was chosen: the page query timed on 10,000 KiotViet
rows with each mechanism (figures in :mod:`kiotsync.search`). Opt-in, it is a measurement::

    KIOTSYNC_MEASURE_SORT=1 .venv/bin/python -m pytest -q -s tests/catalog/test_sort_measure.py

(with ``KIOTSYNC_DATABASE_URL`` set for PostgreSQL). Prints the median of 15 runs per mechanism.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Func, Min, TextField
from django.db.models.functions import Collate

from kiotsync.catalog.models import KvRow
from kiotsync.catalog.queries import kv_group_key
from kiotsync.core.text import search_text, sort_key
from kiotsync.search import matching, vietnamese
from kiotsync.tenants.models import Tenant

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("KIOTSYNC_MEASURE_SORT"), reason="a measurement (opt-in)"),
]

ROWS = 10_000
RUNS = 15
WORDS = (
    "Áo thun",
    "Áo khoác",
    "Ăn vặt",
    "Ấm trà",
    "Bia",
    "Bánh quy",
    "Cà phê",
    "Chè",
    "Dép",
    "Đèn",
    "Đồng hồ",
    "Giày",
    "Gấu bông",
    "Khẩu trang",
    "Khuyên tai",
    "Kính",
    "Mũ",
    "Nón",
    "Nước suối",
    "Ổ cắm",
    "Ơn",
    "Quần",
    "Sữa",
    "Túi vải",
    "Túi đeo chéo",
    "Ư hự",
    "Vòng tay",
    "Ví",
    "Xà phòng",
)
COLORS = ("Đen", "Trắng", "Xanh", "Đỏ", "Vàng", "Hồng", "Nâu")


def _rows(tenant: Tenant) -> list[KvRow]:
    rng = random.Random(7)
    rows: list[KvRow] = []
    kv_id = 1
    while len(rows) < ROWS:
        name = f"{rng.choice(WORDS)} {rng.choice(COLORS).lower()} {rng.randint(1, 999)}"
        master = kv_id
        for v in range(rng.choice((1, 1, 1, 3))):
            full = f"{name} - {COLORS[v]}" if v else name
            rows.append(
                KvRow(
                    tenant=tenant,
                    kv_id=kv_id,
                    code=f"SP{kv_id:06d}",
                    name=name,
                    full_name=full,
                    master_product_id=master if v else None,
                    search_text=search_text(name, full, f"SP{kv_id:06d}"),
                )
            )
            kv_id += 1
    return rows[:ROWS]


def _page(expr: Any, q: str = "") -> Callable[[], list[int]]:
    def run() -> list[int]:
        rows = KvRow.objects.filter(deleted=False)
        if q:
            rows = rows.filter(matching(q))
        keys = (
            rows.annotate(group_key=kv_group_key())
            .values("group_key")
            .annotate(sort_name=Min(expr))
            .order_by("sort_name", "group_key")
        )
        keys.count()
        return [g["group_key"] for g in keys[2500:2550]]

    return run


def _python_sort() -> list[int]:
    names: dict[int, str] = {}
    for key, name in KvRow.objects.filter(deleted=False).annotate(g=kv_group_key()).values_list("g", "name"):
        k = sort_key(name)
        if key not in names or k < names[key]:
            names[key] = k
    return sorted(names, key=lambda g: (names[g], g))[2500:2550]


def _median(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def test_measure_vietnamese_sort() -> None:
    tenant = Tenant.objects.create(orgid="measure", name="Đo")
    KvRow.objects.bulk_create(_rows(tenant), batch_size=2000)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE catalog_kvrow ADD COLUMN sort_key_measured TEXT")
        cursor.executemany(
            "UPDATE catalog_kvrow SET sort_key_measured = %s WHERE id = %s",
            [(sort_key(name), pk) for pk, name in KvRow.objects.values_list("pk", "name")],
        )
    stored: Any = Func(function="", template="sort_key_measured", output_field=TextField())
    figures = {"byte order (no Vietnamese order)": _median(_page(F("name")))}
    if connection.vendor == "postgresql":
        figures["sort-key column, COLLATE C"] = _median(_page(Collate(stored, "C")))
        figures["ICU collation vi-x-icu (chosen)"] = _median(_page(vietnamese("name")))
    else:
        figures["sort-key column"] = _median(_page(stored))
        figures["Python key as SQL function (chosen)"] = _median(_page(vietnamese("name")))
        connection.ensure_connection()
        connection.connection.create_collation(
            "vi_measure", lambda a, b: (sort_key(a) > sort_key(b)) - (sort_key(a) < sort_key(b))
        )
        figures["Python collation (create_collation)"] = _median(_page(Collate(F("name"), "vi_measure")))
    figures["Python sort of every group"] = _median(_python_sort)
    figures["with a search (2 words), chosen"] = _median(_page(vietnamese("name"), "ao den"))
    names = list(KvRow.objects.values_list("name", flat=True))
    figures["core.text.sort_key, 10,000 names"] = _median(lambda: [sort_key(n) for n in names])
    try:  # not a dependency: measured where PyICU is installed (pip install PyICU, ICU headers)
        import icu  # type: ignore[import-not-found]

        collator = icu.Collator.createInstance(icu.Locale("vi"))
        figures["PyICU getSortKey, 10,000 names"] = _median(lambda: [collator.getSortKey(n) for n in names])
        assert sorted(names, key=collator.getSortKey) == sorted(names, key=sort_key)
    except ImportError:
        pass
    print(f"\n{connection.vendor}, {ROWS} rows, median of {RUNS} (ms):")
    for label, ms in figures.items():
        print(f"  {label:45s} {ms:8.1f}")
    assert _page(vietnamese("name"))() == _python_sort()
