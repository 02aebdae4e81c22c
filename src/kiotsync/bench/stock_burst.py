"""``kiotsync bench stock-burst``: how fast KiotViet stock changes show on Haravan.

Set-up (not measured): a KiotViet catalogue with a distinct SKU for every change (products of
``--variants`` SKUs) is installed, connected, configured and synced to an empty Haravan with
Auto-sync on (Haravan's bucket is opened wide for this step only). Then, at real speed (time scale 1; Haravan 80 calls / 4 per
second), two phases:

* **burst** — ``--changes`` stock-takes on distinct SKUs, spread evenly over ``--burst-seconds``
  (``POST /_emulator/stock``: the KiotViet admin counts stock; each fires ``stock.update``);
* **trickle** ("outside bursts") — ``--trickle`` stock-takes on other SKUs, one every 1–2 s.

Everything between is the product's real path: the webhook over HTTP into the app, the
``InboundEvent`` row, the Huey task, the coalesced stock flush and ``adjustorset`` on Haravan.

Latency of one change = the Haravan adjustment (``created_at``, platform clock) after which that
variant's available quantity equals the new KiotViet value, minus the moment the driver sent the
stock-take (its clock mapped onto the platform clock). Haravan's state after every adjustment is
replayed from the adjustment records (set → delta lines) starting from the balances read before
the phase; nothing is committed on Haravan here, so available = on hand. Both emulators share one
clock in their own process, the stock-takes come from a driver process, the app runs in this one.
Method and latest figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import harness
from .harness import HARAVAN_BUCKET, HARAVAN_LEAK, say

P95_GOAL_S = 3.0
SETUP_LEAK = 2000.0  # Haravan calls per second while the catalogue is first synced (not measured)


@dataclass
class Change:
    kv_id: int
    variant_id: int
    value: int
    sent: float  # platform time
    visible: float | None = None
    received: float | None = None  # the app stored the webhook (platform time)
    processed: float | None = None  # the worker applied it to the mirror

    @property
    def latency(self) -> float | None:
        return None if self.visible is None else self.visible - self.sent


@dataclass
class Replay:
    """Haravan on-hand per variant, rebuilt from adjustment records as they appear."""

    onhand: dict[int, int]
    last_id: int = 0
    adjustments: int = 0
    lines: int = 0


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiotsync bench stock-burst", description=__doc__.split("\n")[0])
    p.add_argument("--changes", type=int, default=5000, help="stock changes in the burst (default 5000)")
    p.add_argument("--burst-seconds", type=float, default=60.0, help="the burst lasts this long (default 60)")
    p.add_argument(
        "--trickle", type=int, default=30, help="changes outside bursts, one every 1–2 s (default 30)"
    )
    p.add_argument(
        "--quiet-seconds",
        type=float,
        default=10.0,
        help="pause between the burst and the trickle (default 10)",
    )
    p.add_argument("--variants", type=int, default=4, help="SKUs per product (default 4)")
    p.add_argument("--quick", action="store_true", help="smoke run: 200 changes in 10 s, 8 trickle changes")
    p.add_argument("--timeout", type=float, default=600.0, help="give up waiting after this many seconds")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--database-url", default=None, help="KIOTSYNC_DATABASE_URL (default: SQLite in a temp dir)"
    )
    p.add_argument("--queue-url", default=None, help="KIOTSYNC_QUEUE_URL (default: SqliteHuey in a temp dir)")
    p.add_argument("--workers", type=int, default=None, help="Huey worker threads (default: settings)")
    p.add_argument("--profile", default=None, metavar="FILE", help="cProfile the stock flushes into FILE")
    args = p.parse_args(argv)
    if args.quick:
        args.changes, args.burst_seconds, args.trickle, args.quiet_seconds = 200, 10.0, 8, 3.0
    return args


def main(argv: list[str]) -> dict[str, Any]:
    args = parse(argv)
    skus = args.changes + args.trickle
    products = math.ceil(skus / args.variants)
    say(
        f"stock-burst: {args.changes} changes in {args.burst_seconds:.0f}s + {args.trickle} trickle changes "
        f"on a catalogue of {products} × {args.variants} SKUs"
    )
    started = time.monotonic()
    emulators, app, shop = harness.boot(
        kv_seed={"products": products, "variants_per_product": args.variants},
        time_scale=1.0,
        database_url=args.database_url,
        queue_url=args.queue_url,
        workers=args.workers,
    )
    try:
        _initial_sync(emulators, shop, args.timeout)
        say(f"set-up done in {time.monotonic() - started:.1f}s (install, connection, settings, first sync)")
        result = _measure(args, emulators, shop)
    finally:
        emulators.stop()
        app.stop()
    return result


def _initial_sync(emulators: harness.Emulators, shop: harness.Shop, timeout: float) -> None:
    """Auto-sync on (it runs Sync now) with Haravan's bucket wide open, then back to the real limit."""
    from kiotsync.catalog import usecases
    from kiotsync.catalog.models import SyncJob
    from kiotsync.haravan.pacing import LeakyBucketPacer
    from kiotsync.tenants.models import Tenant
    from kiotsync.wiring import get_wiring

    emulators.hv("PUT", "/config", json={"leak_rate": SETUP_LEAK})
    get_wiring().set_haravan_pacer(shop.orgid, LeakyBucketPacer(HARAVAN_BUCKET, SETUP_LEAK))
    tenant = Tenant.objects.get(pk=shop.tenant_id)
    usecases.set_auto_sync(tenant, True, get_wiring())
    job = usecases.latest_job(tenant, SyncJob.Kind.SYNC_KV_TO_HV)
    assert job is not None

    def done() -> bool:
        job.refresh_from_db(fields=["state"])
        return job.state in (SyncJob.State.DONE, SyncJob.State.FAILED)

    if not harness.wait_until(done, timeout) or job.state != SyncJob.State.DONE:
        raise RuntimeError(f"first sync did not finish: {job.state} {job.message}")
    # Nothing of the set-up may spill into the measured phases: both platforms' webhook queues
    # (Haravan's products/create etc. for every product just made) delivered, the inbox handled.
    emulators.kv("POST", "/webhooks/drain", json={"timeout": min(timeout, 100.0)})
    emulators.hv("POST", "/webhooks/drain", json={"timeout": min(timeout, 100.0)})
    harness.wait_until(harness.inbox_settled, timeout)
    time.sleep(0.5)  # the wide bucket drains
    emulators.hv("PUT", "/config", json={"leak_rate": HARAVAN_LEAK, "bucket_size": HARAVAN_BUCKET})
    get_wiring().set_haravan_pacer(shop.orgid, LeakyBucketPacer(HARAVAN_BUCKET, HARAVAN_LEAK))
    time.sleep(0.2)


def _targets(shop: harness.Shop) -> list[tuple[int, int, int, int]]:
    """(kv_id, branch_id, on_hand now, Haravan variant id) for every linked SKU, in code order."""
    from kiotsync.catalog.models import KvRow, KvStock, VariantLinkRecord

    links = dict(
        VariantLinkRecord.objects.filter(tenant_id=shop.tenant_id).values_list("kv_id", "hv_variant_id")
    )
    stock = {s.kv_id: s for s in KvStock.objects.filter(tenant_id=shop.tenant_id)}
    out = []
    for kv_id in (
        KvRow.objects.filter(tenant_id=shop.tenant_id).order_by("code").values_list("kv_id", flat=True)
    ):
        s = stock.get(kv_id)
        if s is not None and kv_id in links:
            out.append((kv_id, s.branch_id, int(s.on_hand), links[kv_id]))
    return out


def _measure(args: argparse.Namespace, emulators: harness.Emulators, shop: harness.Shop) -> dict[str, Any]:
    from kiotsync.catalog import usecases

    rng = random.Random(args.seed)
    targets = _targets(shop)
    if len(targets) < args.changes + args.trickle:
        raise RuntimeError(f"only {len(targets)} linked SKUs for {args.changes + args.trickle} changes")
    picked = rng.sample(targets, args.changes + args.trickle)
    burst_targets, trickle_targets = picked[: args.changes], picked[args.changes :]
    replay = _baseline(emulators, shop, [t[3] for t in picked])
    offset = emulators.clock_offset()
    usage0 = harness.Usage.now()

    with harness.profiled(usecases, "flush_stock", args.profile):
        say(f"burst: {args.changes} stock changes over {args.burst_seconds:.0f}s…")
        seqs = (emulators.last_seq("kiotviet"), emulators.last_seq("haravan"))
        burst, sent_s = _send(emulators, burst_targets, args.burst_seconds, offset, rng)
        all_seen = _wait_visible(emulators, shop, replay, burst, args.timeout)
        burst_calls = _calls(emulators, seqs)
        say(f"  sent in {sent_s:.1f}s; all visible: {all_seen}")
        time.sleep(args.quiet_seconds)  # the trickle starts outside the burst, after a quiet spell
        say(f"trickle: {args.trickle} changes, one every 1–2 s…")
        seqs = (emulators.last_seq("kiotviet"), emulators.last_seq("haravan"))
        trickle, _ = _send(emulators, trickle_targets, None, offset, rng)
        trickle_seen = _wait_visible(emulators, shop, replay, trickle, args.timeout)
        trickle_calls = _calls(emulators, seqs)
    usage1 = harness.Usage.now()

    _receipts(burst + trickle, offset)
    burst_fig = _figures(burst, burst_calls)
    burst_fig["send_s"] = round(sent_s, 2)
    first_sent = min(c.sent for c in burst)
    last_visible = max((c.visible for c in burst if c.visible is not None), default=None)
    burst_fig["last_visible_after_s"] = round(last_visible - first_sent, 2) if last_visible else None
    burst_fig["minimum_calls"] = {
        "kiotviet": 0,
        "haravan_writes": math.ceil(args.changes / 100),
        "haravan_reads": math.ceil(args.changes / 50),
    }
    trickle_fig = _figures(trickle, trickle_calls)
    rate_429 = burst_calls["kiotviet"]["rate_limited_429"] + burst_calls["haravan"]["rate_limited_429"]
    rate_429 += trickle_calls["kiotviet"]["rate_limited_429"] + trickle_calls["haravan"]["rate_limited_429"]
    p95 = trickle_fig["latency_s"]["p95"]
    result: dict[str, Any] = {
        "scenario": "stock-burst",
        "time_scale": 1.0,
        "catalogue_skus": len(targets),
        "variants_per_product": args.variants,
        "burst": burst_fig,
        "trickle": trickle_fig,
        "haravan_adjustments": replay.adjustments,
        "haravan_lines_written": replay.lines,
        "http_429": rate_429,
        "peak_rss_mb": round(usage1.peak_rss_mb, 1),
        "cpu_s": round(usage1.cpu_s - usage0.cpu_s, 2),
        "cpu_ms_per_change": round((usage1.cpu_s - usage0.cpu_s) * 1000 / (args.changes + args.trickle), 3),
    }
    goals = {
        "trickle_p95_le_3s": p95 is not None and p95 <= P95_GOAL_S,
        "zero_429": rate_429 == 0,
        "all_visible": all_seen and trickle_seen,
    }
    result["goals"] = goals
    result["ok"] = all(goals.values())
    b, t = burst_fig, trickle_fig
    say(
        f"burst: last change visible {b['last_visible_after_s']}s after the first was made; latency p50 "
        f"{b['latency_s']['p50']}s p95 {b['latency_s']['p95']}s; Haravan calls {b['calls']['haravan']['calls']}, "
        f"KiotViet {b['calls']['kiotviet']['calls']}"
    )
    say(
        f"trickle: latency p50 {t['latency_s']['p50']}s p95 {t['latency_s']['p95']}s max {t['latency_s']['max']}s; "
        f"429s {rate_429}"
    )
    return result


def _baseline(emulators: harness.Emulators, shop: harness.Shop, variant_ids: list[int]) -> Replay:
    """Haravan's on-hand for the variants now, and the last adjustment id (as the shop admin)."""
    onhand: dict[int, int] = {}
    for start in range(0, len(variant_ids), 50):
        chunk = variant_ids[start : start + 50]
        rows = emulators.hv(
            "GET",
            f"/shops/{shop.orgid}/com/inventory_locations.json",
            params={"variant_ids": ",".join(map(str, chunk)), "location_ids": shop.location_id, "limit": 250},
        )["inventory_locations"]
        onhand.update({r["variant_id"]: int(r["qty_onhand"]) for r in rows})
    count = emulators.hv("GET", f"/shops/{shop.orgid}/com/inventories/adjustments/count.json")["count"]
    last_id = 0
    if count:
        page = math.ceil(count / 250)
        items = emulators.hv(
            "GET",
            f"/shops/{shop.orgid}/com/inventories/adjustments.json",
            params={"limit": 250, "page": page},
        )["adjustments"]
        last_id = max(a["id"] for a in items)
    return Replay(onhand, last_id)


def _send(
    emulators: harness.Emulators,
    targets: list[tuple[int, int, int, int]],
    seconds: float | None,
    offset: float,
    rng: random.Random,
) -> tuple[list[Change], float]:
    """Make the stock-takes (from a driver process): evenly over ``seconds``, or (None) one
    every 1–2 s. Returns the changes with their send times on the platform clock."""
    steps, values = [], []
    at = 0.0
    for i, (kv_id, branch_id, on_hand, _variant) in enumerate(targets):
        if seconds is not None:
            at = i * seconds / len(targets)
        elif i:
            at += rng.uniform(1.0, 2.0)
        value = on_hand + 1 + rng.randrange(20)
        values.append(value)
        body = {"product_id": kv_id, "branch_id": branch_id, "on_hand": value}
        steps.append({"at": at, "method": "POST", "path": "/_emulator/stock", "json": body})
    started = time.monotonic()
    sent = harness.drive(emulators.kv_url, steps)
    took = time.monotonic() - started
    failed = [s for s in sent if s["status"] != 200]
    if failed:
        raise RuntimeError(f"{len(failed)} stock-takes refused, e.g. {failed[0]}")
    changes = [
        Change(kv_id, variant_id, value, s["sent"] + offset)
        for (kv_id, _b, _o, variant_id), value, s in zip(targets, values, sent, strict=True)
    ]
    return changes, took


def _ms(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _wait_visible(
    emulators: harness.Emulators, shop: harness.Shop, replay: Replay, changes: list[Change], timeout: float
) -> bool:
    """Follow Haravan's adjustments until every change is visible (or ``timeout``)."""
    pending = {c.variant_id: c for c in changes}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        items = emulators.hv(
            "GET",
            f"/shops/{shop.orgid}/com/inventories/adjustments.json",
            params={"since_id": replay.last_id, "limit": 250},
        )["adjustments"]
        for adjustment in sorted(items, key=lambda a: a["id"]):
            replay.last_id = adjustment["id"]
            replay.adjustments += 1
            at = _ms(adjustment["created_at"])
            lines = adjustment["line_items"]
            replay.lines += len(lines)
            for line in lines:
                vid = line["product_variant_id"]
                replay.onhand[vid] = replay.onhand.get(vid, 0) + int(line["quantity"])
                change = pending.get(vid)
                if change is not None and at >= change.sent and replay.onhand[vid] == change.value:
                    change.visible = at
                    del pending[vid]
        if len(items) < 250 and pending:
            time.sleep(0.5)
    return not pending


def _calls(emulators: harness.Emulators, seqs: tuple[int, int]) -> dict[str, Any]:
    kv_log, _ = emulators.requests("kiotviet", seqs[0])
    hv_log, _ = emulators.requests("haravan", seqs[1])
    return {
        "kiotviet": harness.summarize_calls(kv_log),
        "haravan": harness.summarize_calls([e for e in hv_log if e["path"].startswith("/com/")]),
    }


def _receipts(changes: list[Change], offset: float) -> None:
    """When the app stored and applied each change's ``stock.update`` (from its inbox rows)."""
    from kiotsync.inbox.models import InboundEvent

    by_product = {c.kv_id: c for c in changes}
    since = datetime.fromtimestamp(min(c.sent for c in changes) - offset - 1, tz=UTC)
    rows = InboundEvent.objects.filter(
        platform=InboundEvent.Platform.KIOTVIET, topic__contains="stock.update", received_at__gte=since
    ).values_list("payload", "received_at", "processed_at")
    for payload, received, processed in rows:
        for note in payload.get("Notifications", []):
            for item in note.get("Data", []):
                change = by_product.get(item.get("ProductId"))
                if change is not None and change.received is None and item.get("OnHand") == change.value:
                    change.received = received.timestamp() + offset
                    change.processed = processed.timestamp() + offset if processed else None


def _stats(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": _r(harness.percentile(values, 50)),
        "p95": _r(harness.percentile(values, 95)),
        "max": _r(max(values) if values else None),
    }


def _figures(changes: list[Change], calls: dict[str, Any]) -> dict[str, Any]:
    latencies = [c.latency for c in changes if c.latency is not None]
    delivered = [c.received - c.sent for c in changes if c.received is not None]
    queued = [c.processed - c.received for c in changes if c.processed is not None and c.received is not None]
    pushed = [c.visible - c.processed for c in changes if c.visible is not None and c.processed is not None]
    return {
        "changes": len(changes),
        "visible": len(latencies),
        "latency_s": _stats(latencies),
        # Where the time goes: KiotViet → the app's inbox (webhook delivery), inbox → mirror
        # (queue + worker), mirror → Haravan (the coalesced flush, paced by the bucket).
        "latency_parts_s": {"delivery": _stats(delivered), "queue": _stats(queued), "push": _stats(pushed)},
        "calls": calls,
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
