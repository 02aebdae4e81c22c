"""``kiotsync bench catalog``: the first "Sync now" of a big KiotViet catalogue into an empty Haravan.

KiotViet is seeded with ``--products`` variant groups of ``--variants`` SKUs each (one branch);
Haravan is an empty shop. After the install / connection / settings steps (not timed), the
merchant presses *Sync now*; the wall time runs from that click until the job is DONE, i.e. every
product is created on Haravan with its variants and every SKU's stock is written.

Both emulators run ``--time-scale`` times faster than real time, so Haravan's bucket (80 calls,
leaking 4 per platform second) leaks ``4 × scale`` calls per real second and the client paces to
that. The time the rate limits alone would need is, in real seconds,
``max(0, Haravan /com calls − 80) / (4 × scale)`` for Haravan and
``max(0, KiotViet GETs − 5000) / 5000 h ÷ scale`` for KiotViet; ``ratio`` = wall time / the larger
one. The scale is chosen so the rate limit binds (``pacer_wait_s`` shows how long the client
waited for the bucket); see bench/README.md.

The fewest calls the APIs allow for this job (``minimum``): KiotViet — one ``/products`` page per
100 SKUs (the token from the connection step is still valid); Haravan — one ``/products.json``
read (the shop's catalogue, to link instead of duplicating; empty here), one create per product
(variants inside it) and one ``adjustorset`` per 100 SKUs (new variants hold nothing, so nothing
has to be read back first).
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from . import harness
from .harness import HARAVAN_BUCKET, HARAVAN_LEAK, KIOTVIET_GETS_PER_HOUR, say

RATIO_GOAL = 1.1


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiotsync bench catalog", description=__doc__.split("\n")[0])
    p.add_argument("--products", type=int, default=2500, help="variant groups in KiotViet (default 2500)")
    p.add_argument("--variants", type=int, default=4, help="SKUs per group (default 4)")
    p.add_argument(
        "--time-scale",
        type=float,
        default=4.0,
        help="emulator speed-up; Haravan leaks 4×scale calls per real second (default 4)",
    )
    p.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="real milliseconds added to every platform call (a network round trip; default 0)",
    )
    p.add_argument(
        "--latency-on",
        choices=("both", "haravan", "kiotviet"),
        default="both",
        help="which platform's calls get --latency-ms (default both)",
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 40 products × 2 variants")
    p.add_argument("--timeout", type=float, default=3600.0, help="give up after this many seconds")
    p.add_argument(
        "--database-url", default=None, help="KIOTSYNC_DATABASE_URL (default: SQLite in a temp dir)"
    )
    p.add_argument("--queue-url", default=None, help="KIOTSYNC_QUEUE_URL (default: SqliteHuey in a temp dir)")
    p.add_argument("--workers", type=int, default=None, help="Huey worker threads (default: settings)")
    p.add_argument("--profile", default=None, metavar="FILE", help="cProfile the sync job into FILE")
    p.add_argument("--timings", action="store_true", help="report wall time spent in the job's main steps")
    args = p.parse_args(argv)
    if args.quick:
        args.products, args.variants = 40, 2
    return args


def main(argv: list[str]) -> dict[str, Any]:
    args = parse(argv)
    skus = args.products * args.variants
    say(
        f"catalog: {args.products} products × {args.variants} variants = {skus} SKUs, time scale {args.time_scale}"
    )
    started = time.monotonic()
    emulators, app, shop = harness.boot(
        kv_seed={"products": args.products, "variants_per_product": args.variants},
        time_scale=args.time_scale,
        database_url=args.database_url,
        queue_url=args.queue_url,
        workers=args.workers,
    )
    try:
        say(f"set-up done in {time.monotonic() - started:.1f}s (install, KiotViet connection, settings)")
        result = _run(args, emulators, shop, skus)
    finally:
        emulators.stop()
        app.stop()
    return result


def _run(
    args: argparse.Namespace, emulators: harness.Emulators, shop: harness.Shop, skus: int
) -> dict[str, Any]:
    from kiotsync.catalog import usecases
    from kiotsync.catalog.models import SyncJob
    from kiotsync.haravan.pacing import LeakyBucketPacer
    from kiotsync.tenants.models import Tenant
    from kiotsync.wiring import get_wiring

    scale = args.time_scale
    leak = HARAVAN_LEAK * scale
    # Start from an empty bucket, as a shop that has been quiet for a while would.
    time.sleep(HARAVAN_BUCKET / leak + 0.2)
    pacer = get_wiring().haravan_pacers.get(shop.orgid, lambda: LeakyBucketPacer(HARAVAN_BUCKET, leak))
    if args.latency_ms:
        chosen = {"both": ("kv", "hv"), "haravan": ("hv",), "kiotviet": ("kv",)}[args.latency_on]
        for platform in chosen:
            getattr(emulators, platform)("PUT", "/config", json={"latency_ms": args.latency_ms})
    waited0 = pacer.waited_s
    kv_seq, hv_seq = emulators.last_seq("kiotviet"), emulators.last_seq("haravan")
    offset = emulators.clock_offset()
    usage0 = harness.Usage.now()
    t0 = time.monotonic()
    p0 = time.time() + offset  # platform time at the click
    timings = _timings() if args.timings else None
    with harness.profiled(usecases, "run_job", args.profile):
        job = usecases.start_sync_now(Tenant.objects.get(pk=shop.tenant_id), get_wiring())
        say(f"Sync now pressed (job {job.pk}); waiting…")
        finished, wall = _wait(job, args.timeout, t0)
    usage1 = harness.Usage.now()
    if timings is not None:
        timings.restore()
    waited = pacer.waited_s - waited0
    kv_log, _ = emulators.requests("kiotviet", kv_seq)
    hv_log, _ = emulators.requests("haravan", hv_seq)
    say(f"job {job.state} after {wall:.1f}s: {job.message}")

    hv_com = [e for e in hv_log if e["path"].startswith("/com/")]
    kv_gets = [e for e in kv_log if e["method"] == "GET"]
    kv_calls, hv_calls = harness.summarize_calls(kv_log), harness.summarize_calls(hv_com)
    minimum_kv = math.ceil(skus / 100)
    minimum_hv = 1 + args.products + math.ceil(skus / 100)
    hv_rate_s = max(0, len(hv_com) - HARAVAN_BUCKET) / leak
    kv_rate_s = max(0, len(kv_gets) - KIOTVIET_GETS_PER_HOUR) / KIOTVIET_GETS_PER_HOUR * 3600 / scale
    rate_s = max(hv_rate_s, kv_rate_s)
    ratio = wall / rate_s if rate_s > 0 else None
    phases = _phases(hv_com, kv_log, p0, scale)
    check = _check(emulators, shop, args.products, skus)
    rate_429 = kv_calls["rate_limited_429"] + hv_calls["rate_limited_429"]
    cpu = usage1.cpu_s - usage0.cpu_s
    result: dict[str, Any] = {
        "scenario": "catalog",
        "products": args.products,
        "variants_per_product": args.variants,
        "skus": skus,
        "time_scale": scale,
        "latency_ms": args.latency_ms,
        "latency_on": args.latency_on if args.latency_ms else None,
        "haravan_leak_per_real_s": leak,
        "job_state": job.state,
        "job_message": job.message,
        "calls": {"kiotviet": kv_calls["calls"], "haravan": hv_calls["calls"]},
        "minimum_calls": {"kiotviet": minimum_kv, "haravan": minimum_hv},
        "extra_calls": {
            "kiotviet": kv_calls["calls"] - minimum_kv,
            "haravan": hv_calls["calls"] - minimum_hv,
        },
        "calls_by_endpoint": {"kiotviet": kv_calls["by_endpoint"], "haravan": hv_calls["by_endpoint"]},
        "wall_s": round(wall, 2),
        "rate_limit_s": round(rate_s, 2),
        "rate_limit_s_by_platform": {"haravan": round(hv_rate_s, 2), "kiotviet": round(kv_rate_s, 2)},
        "ratio": round(ratio, 3) if ratio is not None else None,
        "pacer_wait_s": round(waited, 2),
        "phases_s": phases,
        "http_429": rate_429,
        "http_5xx": kv_calls["errors_5xx"] + hv_calls["errors_5xx"],
        "peak_rss_mb": round(usage1.peak_rss_mb, 1),
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_sku": round(cpu * 1000 / skus, 3),
        "check": check,
    }
    if timings is not None:
        result["timings"] = timings.report()
    goals = {
        # None: the run is too small for the rate limit to matter (a --quick smoke run).
        "ratio_le_1_1": None if ratio is None else ratio <= RATIO_GOAL,
        "zero_429": rate_429 == 0,
        "complete": finished and job.state == SyncJob.State.DONE and check["ok"],
    }
    result["goals"] = goals
    result["ok"] = all(v for v in goals.values() if v is not None)
    say(
        f"calls: KiotViet {kv_calls['calls']} (min {minimum_kv}), Haravan {hv_calls['calls']} (min {minimum_hv}); "
        f"wall {wall:.1f}s vs rate limit {rate_s:.1f}s → ratio {result['ratio']}; 429s {rate_429}; "
        f"peak RSS {usage1.peak_rss_mb:.0f} MB; CPU {result['cpu_ms_per_sku']} ms/SKU"
    )
    return result


def _timings() -> harness.Timings:
    from kiotsync.catalog import execute, ingest, inputs, polling, stock_push, usecases
    from kiotsync.haravan.client import HaravanClient
    from kiotsync.kiotviet.client import KiotVietClient

    t = harness.Timings()
    for module, names in (
        (polling, ["refresh_kiotviet", "refresh_haravan"]),
        (
            ingest,
            ["upsert_kv_rows", "apply_stock", "mark_kv_deleted", "upsert_hv_products", "kv_rows_from_wire"],
        ),
        (inputs, ["kv_rows", "links", "hv_products", "observations", "expand_groups", "deleted_kv_ids"]),
        (usecases, ["plan_kiotviet_to_haravan", "_clear_settled_intents", "flush_stock"]),
        (execute, ["record_statuses", "link_product", "link_new_variants", "event"]),
        (stock_push, ["sync_stock", "plan_stock", "_record_targets", "_mark_clean"]),
        (execute.ProductExecutor, ["run", "_link_created"]),
        (HaravanClient, ["create_product", "adjust_or_set", "inventory_locations"]),
        (KiotVietClient, ["list_products"]),
    ):
        for name in names:
            t.wrap(module, name, f"{getattr(module, '__name__', module)}.{name}".replace("kiotsync.", ""))
    return t


def _wait(job: Any, timeout: float, t0: float) -> tuple[bool, float]:
    from kiotsync.catalog.models import SyncJob

    last_report = [t0]

    def done() -> bool:
        job.refresh_from_db(fields=["state", "done", "total", "message"])
        if time.monotonic() - last_report[0] > 15:
            last_report[0] = time.monotonic()
            say(f"  {time.monotonic() - t0:6.1f}s  {job.state} {job.done}/{job.total}")
        return job.state in (SyncJob.State.DONE, SyncJob.State.FAILED)

    finished = harness.wait_until(done, timeout, 0.05)
    return finished, time.monotonic() - t0


def _phases(
    hv_com: list[dict[str, Any]], kv_log: list[dict[str, Any]], p0: float, scale: float
) -> dict[str, Any]:
    """When things happened, in real seconds after the click (request log times are platform time)."""

    def real(t: float) -> float:
        return round((t - p0) / scale, 2)

    creates = [e["time"] for e in hv_com if e["method"] == "POST" and e["path"] == "/com/products.json"]
    stock = [e["time"] for e in hv_com if e["path"] == "/com/inventories/adjustorset.json"]
    kv_times = [e["time"] for e in kv_log]
    return {
        "kiotviet_read_done": real(max(kv_times)) if kv_times else None,
        "first_create": real(min(creates)) if creates else None,
        "last_create": real(max(creates)) if creates else None,
        "first_stock_write": real(min(stock)) if stock else None,
        "last_stock_write": real(max(stock)) if stock else None,
    }


def _check(emulators: harness.Emulators, shop: harness.Shop, products: int, skus: int) -> dict[str, Any]:
    """What Haravan holds now (read as the shop admin: no rate limit, not in the request log)."""
    from collections import Counter

    from kiotsync.catalog.models import KvStock, VariantLinkRecord

    seen: Counter[str] = Counter()
    count = 0
    page = 1
    while True:
        body = emulators.hv(
            "GET",
            f"/shops/{shop.orgid}/com/products.json",
            params={"limit": 250, "page": page, "fields": "id,variants"},
        )
        items = body.get("products", [])
        count += len(items)
        for p in items:
            seen.update(v.get("sku") or "" for v in p.get("variants", []))
        if len(items) < 250:
            break
        page += 1
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    # Stock: Haravan available = KiotViet onHand − reserved (one branch, nothing committed) for a sample.
    links = list(
        VariantLinkRecord.objects.filter(tenant_id=shop.tenant_id).order_by("kv_id")[:: max(1, skus // 50)]
    )
    expected = {
        s.kv_id: max(0, int(s.on_hand - s.reserved))
        for s in KvStock.objects.filter(tenant_id=shop.tenant_id, kv_id__in=[lk.kv_id for lk in links])
    }
    ids = ",".join(str(lk.hv_variant_id) for lk in links[:50])
    levels = emulators.hv(
        "GET",
        f"/shops/{shop.orgid}/com/inventory_locations.json",
        params={"variant_ids": ids, "location_ids": shop.location_id, "limit": 250},
    )["inventory_locations"]
    available = {row["variant_id"]: row["qty_onhand"] - row["qty_commited"] for row in levels}
    wrong = [lk.kv_id for lk in links[:50] if available.get(lk.hv_variant_id) != expected.get(lk.kv_id)]
    return {
        "haravan_products": count,
        "haravan_skus": sum(seen.values()),
        "duplicate_skus": duplicates,
        "stock_sampled": len(links[:50]),
        "stock_wrong": len(wrong),
        "ok": count == products and sum(seen.values()) == skus and duplicates == 0 and not wrong,
    }
