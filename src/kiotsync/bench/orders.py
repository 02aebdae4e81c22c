"""``kiotsync bench orders``: Haravan web orders → KiotViet orders, exactly once, under faults.

Set-up (not timed): both emulators in a child process on one platform clock, the app in this
process exactly as in embedded mode (SQLite, SqliteHuey consumer with worker threads, WSGI on a
socket, webhooks over HTTP) — see :mod:`.harness`. KiotViet is seeded with ``--products`` ×
``--variants`` SKUs; the catalogue sync ("Đồng bộ") copies them to Haravan and links them, the
shop processes orders at KiotViet.

Then ``--faults`` (default 10 %) of every API call on both platforms fails through the
emulators' fault injection — a mix of 503 (refused), 429 (``Retry-After``) and 504 *after
commit* (the write happened, the answer is lost) — and ``--orders`` storefront checkouts
(default 1,000, ~300 distinct customers, 1–3 lines, COD or prepaid) arrive evenly over
``--minutes`` of platform time. The polling backstop runs every few seconds and due retries are
woken as the periodic job would.

Figures: orders pushed, duplicates (KiotViet orders beyond one per Haravan order — must be 0),
missing (Haravan orders without a KiotViet order — must be 0), and the latency from a Haravan
order's ``created_at`` to its KiotViet order's ``createdDate`` (both platform clocks, shown in
real seconds and in platform seconds), p50 / p95.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import datetime
from typing import Any

from . import harness
from .harness import say


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiotsync bench orders", description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=1000, help="Haravan orders to place (default 1000)")
    p.add_argument("--minutes", type=float, default=5.0, help="platform minutes they arrive over (default 5)")
    p.add_argument("--time-scale", type=float, default=2.5, help="emulator speed-up (default 2.5)")
    p.add_argument("--faults", type=float, default=0.10, help="share of API calls that fail (default 0.10)")
    p.add_argument("--products", type=int, default=12, help="KiotViet variant groups (default 12)")
    p.add_argument("--variants", type=int, default=3, help="SKUs per group (default 3)")
    p.add_argument("--customers", type=int, default=300, help="distinct customers (default 300)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--timeout", type=float, default=600.0, help="give up waiting after this many seconds")
    p.add_argument("--quick", action="store_true", help="smoke run: 60 orders over 1 platform minute")
    p.add_argument(
        "--workers", type=int, default=4, help="Huey worker threads (default 4: order pushes wait on HTTP)"
    )
    p.add_argument("--database-url", default=None)
    p.add_argument("--queue-url", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.orders, args.minutes, args.customers = 60, 1.0, 30
    return args


def fault_rules(rate: float, scale: float = 1.0) -> list[dict[str, Any]]:
    """Rules whose combined hit rate on any API call is ``rate``: 40 % refused (503), 20 %
    throttled (429), 40 % lost after commit (504). Each rule rolls only if the previous missed."""
    shares = (("refused", 0.4), ("throttled", 0.2), ("lost", 0.4))
    rules: list[dict[str, Any]] = []
    left = 1.0
    for kind, share in shares:
        p = min(1.0, rate * share / left) if left > 0 else 0.0
        left *= 1 - p
        rule: dict[str, Any] = {"path": "*", "probability": round(p, 6), "count": 10**9}
        if kind == "refused":
            rule["status"] = 503
        elif kind == "throttled":
            # one platform second, said in real seconds (the client sleeps in real time)
            rule.update(status=429, headers={"Retry-After": f"{1 / scale:.2f}"})
        else:
            rule.update(status=504, after_commit=True)
        rules.append(rule)
    return rules


def main(argv: list[str]) -> dict[str, Any]:
    args = parse(argv)
    say(
        f"orders: {args.orders} Haravan orders over {args.minutes} platform minutes, time scale {args.time_scale}, "
        f"{args.faults:.0%} of API calls failing"
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
        skus = _link_catalogue(shop)
        say(f"set-up done in {time.monotonic() - started:.1f}s ({len(skus)} linked SKUs)")
        result = _run(args, emulators, shop, skus)
    finally:
        app.stop()
        emulators.stop()
    return result


def _link_catalogue(shop: harness.Shop) -> list[str]:
    """The merchant's first "Đồng bộ": KiotViet products created on Haravan and linked."""
    from kiotsync.catalog import usecases
    from kiotsync.catalog.models import VariantLinkRecord
    from kiotsync.tenants.models import Tenant
    from kiotsync.wiring import get_wiring

    tenant = Tenant.objects.get(pk=shop.tenant_id)
    usecases.refresh_mirrors(tenant, get_wiring())
    usecases.sync_products(tenant, None, get_wiring())
    return sorted(VariantLinkRecord.objects.filter(tenant=tenant).values_list("kv_code", flat=True))


def _customer(rng: random.Random, i: int) -> dict[str, Any]:
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"][i % 8]
    given = ["An", "Bình", "Chi", "Dũng", "Hà", "Khoa", "Lan", "Minh", "Nam", "Thảo"][i % 10]
    phone = f"09{rng.randrange(10**8):08d}"
    address = {
        "name": f"{family} {given}",
        "phone": phone,
        "address1": f"{rng.randint(1, 300)} Lê Lợi",
        "ward": "Phường Bến Nghé",
        "district": "Quận 1",
        "province": "Hồ Chí Minh",
    }
    return {
        "customer": {"first_name": given, "last_name": family, "phone": phone},
        "shipping_address": address,
    }


def _run(
    args: argparse.Namespace, emulators: harness.Emulators, shop: harness.Shop, skus: list[str]
) -> dict[str, Any]:
    from kiotsync.orders import usecases as order_sync
    from kiotsync.orders.models import OrderLink
    from kiotsync.orders.polling import poll_tenant
    from kiotsync.tenants.models import Tenant
    from kiotsync.wiring import get_wiring

    rng = random.Random(args.seed)
    scale = args.time_scale
    # Retries back off in real seconds; the platform runs ``scale`` times faster, so the default
    # schedule (10 s … 1 h) is shortened by the same factor.
    wiring = get_wiring()
    wiring.order_retry_delays = tuple(max(0.2, d / scale / 5) for d in wiring.order_retry_delays)
    # The clients' in-call back-off (0.5 s base, full jitter) is real time too: scale it the same way.
    from kiotsync.httpkit.retry import RetryPolicy

    plain_backoff = RetryPolicy.backoff
    RetryPolicy.backoff = lambda self, attempt, rng=None: plain_backoff(self, attempt, rng) / scale  # type: ignore[method-assign]
    customers = [_customer(rng, i) for i in range(args.customers)]
    tenant = Tenant.objects.get(pk=shop.tenant_id)
    # The shop's customers are mirrored once after connecting (the per-shop duty
    # ``orders.customers``), before the sale starts, as in production.
    from kiotsync.orders import customers as kv_customers

    kv_customers.read_all(tenant, wiring.kiotviet(tenant))
    for platform in ("kv", "hv"):
        getattr(emulators, platform)("POST", "/faults", json={"faults": fault_rules(args.faults, scale)})
    kv_seq, hv_seq = emulators.last_seq("kiotviet"), emulators.last_seq("haravan")
    interval_real = args.minutes * 60 / scale / max(1, args.orders)

    def backstop() -> None:
        try:
            order_sync.run_due(wiring)
        except Exception as exc:  # the sampler must keep going
            say(f"  run_due failed: {exc}")

    polls = [0]

    def poller() -> None:
        try:
            poll_tenant(tenant, wiring)
            polls[0] += 1
        except Exception as exc:
            say(f"  poll failed: {exc}")

    placed: dict[int, dict[str, Any]] = {}
    t0 = time.monotonic()
    with harness.sampler(backstop, 0.5), harness.sampler(poller, max(2.0, 60 / scale)):
        for i in range(args.orders):
            due = t0 + i * interval_real
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            who = rng.choice(customers)
            lines = [
                {"sku": rng.choice(skus), "quantity": rng.randint(1, 3)} for _ in range(rng.randint(1, 3))
            ]
            body: dict[str, Any] = {
                "line_items": lines,
                **who,
                "shipping_lines": [{"title": "Giao hàng nhanh", "price": rng.choice([0, 20000, 30000])}],
            }
            if rng.random() < 0.3:
                body.update(gateway="Chuyển khoản", financial_status="paid")
            order = emulators.hv("POST", f"/shops/{shop.orgid}/web_orders", json=body)["order"]
            placed[int(order["id"])] = order
            if (i + 1) % max(1, args.orders // 10) == 0:
                done = OrderLink.objects.filter(
                    tenant_id=shop.tenant_id, state=OrderLink.State.SYNCED
                ).count()
                say(f"  {time.monotonic() - t0:6.1f}s  placed {i + 1}, synced {done}")
        arrival_s = time.monotonic() - t0

        def settled() -> bool:
            synced = OrderLink.objects.filter(
                tenant_id=shop.tenant_id, hv_order_id__in=list(placed), state="synced"
            )
            return synced.count() >= len(placed)

        last = [0.0]

        def progress() -> bool:
            ok = settled()
            if not ok and time.monotonic() - last[0] > 10:
                last[0] = time.monotonic()
                states = Counter(
                    OrderLink.objects.filter(tenant_id=shop.tenant_id).values_list("state", flat=True)
                )
                say(f"  {time.monotonic() - t0:6.1f}s  {dict(states)}")
            return ok

        finished = harness.wait_until(progress, args.timeout, 0.25)
    wall = time.monotonic() - t0
    # Measure with the faults off (reading is not part of the run).
    for platform in ("kv", "hv"):
        getattr(emulators, platform)("DELETE", "/faults")
    kv_log, _ = emulators.requests("kiotviet", kv_seq)
    hv_log, _ = emulators.requests("haravan", hv_seq)
    figures = _count(tenant, placed, scale)
    api = [e for e in kv_log if not e["path"].startswith("/connect")] + [
        e for e in hv_log if e["path"].startswith("/com/")
    ]
    failed = [e for e in api if e.get("fault")]
    kv_gets = [e for e in kv_log if e["method"] == "GET" and not e["path"].startswith("/connect")]
    states = Counter(OrderLink.objects.filter(tenant_id=shop.tenant_id).values_list("state", flat=True))
    result: dict[str, Any] = {
        "scenario": "orders",
        "orders": args.orders,
        "platform_minutes": args.minutes,
        "time_scale": scale,
        "fault_rate_configured": args.faults,
        "api_calls": len(api),
        "api_calls_failed": len(failed),
        "api_fault_rate": round(len(failed) / len(api), 4) if api else 0.0,
        "faults_by_status": dict(Counter(str(e["status"]) for e in failed)),
        "calls": {
            "kiotviet": harness.summarize_calls([e for e in kv_log if not e["path"].startswith("/connect")]),
            "haravan": harness.summarize_calls([e for e in hv_log if e["path"].startswith("/com/")]),
        },
        # The KiotViet GET budget (5,000 an hour per retailer): GETs per pushed order, and by path.
        "kiotviet_gets_per_order": round(len(kv_gets) / max(1, figures["pushed"]), 3),
        "kiotviet_gets_by_path": dict(Counter(_path_kind(e["path"], e.get("query")) for e in kv_gets)),
        "arrival_s": round(arrival_s, 2),
        "wall_s": round(wall, 2),
        "polls": polls[0],
        "queue_consumer": _consumer_settings(),
        "workers": args.workers,
        "link_states": dict(states),
        **figures,
    }
    result["ok"] = bool(finished and figures["duplicates"] == 0 and figures["missing"] == 0)
    say(
        f"pushed {figures['pushed']}/{args.orders}, duplicates {figures['duplicates']}, missing {figures['missing']}; "
        f"latency p50 {figures['latency_s']['p50']} s, p95 {figures['latency_s']['p95']} s (real); "
        f"{len(failed)}/{len(api)} API calls failed ({result['api_fault_rate']:.1%}); "
        f"{result['kiotviet_gets_per_order']} KiotViet GETs per order; wall {wall:.1f}s"
    )
    return result


def _path_kind(path: str, query: Any = None) -> str:
    """``/orders/123`` → ``/orders/{id}`` (ids folded, so the counts group by endpoint); a list
    read by branch (the polls) is told apart from one across branches (look-ups)."""
    kind = "/".join("{id}" if part.isdigit() else part for part in path.split("/"))
    if kind in ("/orders", "/invoices"):
        kind += " (poll)" if "branchids" in str(query or "").lower() else " (look-up)"
    return kind


def _consumer_settings() -> dict[str, Any]:
    from django.conf import settings

    huey: dict[str, Any] = settings.HUEY
    return {k: v for k, v in dict(huey.get("consumer", {})).items() if k not in ("worker_type", "workers")}


def _count(tenant: Any, placed: dict[int, dict[str, Any]], scale: float) -> dict[str, Any]:
    """KiotViet's orders read back through the API (faults off): one per Haravan order?"""
    from kiotsync.core.orders import parse_marker
    from kiotsync.httpkit.dates import parse_haravan_datetime
    from kiotsync.wiring import get_wiring

    kv = get_wiring().kiotviet(tenant)
    orders = kv.list_orders().items
    copies: Counter[int] = Counter()
    created: dict[int, datetime] = {}
    for o in orders:
        hv_id = parse_marker(o.description)
        if hv_id is None or hv_id not in placed:
            continue
        copies[hv_id] += 1
        if o.created_date is not None and (hv_id not in created or o.created_date < created[hv_id]):
            created[hv_id] = o.created_date
    latencies: list[float] = []
    for hv_id, order in placed.items():
        made = parse_haravan_datetime(order.get("created_at"))
        if made is not None and hv_id in created:
            latencies.append((created[hv_id] - made).total_seconds())
    p50, p95 = harness.percentile(latencies, 50), harness.percentile(latencies, 95)
    return {
        "pushed": len(copies),
        "duplicates": sum(n - 1 for n in copies.values() if n > 1),
        "missing": sum(1 for hv_id in placed if copies[hv_id] == 0),
        "latency_s": {
            "p50": round(p50 / scale, 3) if p50 is not None else None,
            "p95": round(p95 / scale, 3) if p95 is not None else None,
        },
        "latency_platform_s": {
            "p50": round(p50, 2) if p50 is not None else None,
            "p95": round(p95, 2) if p95 is not None else None,
        },
    }
