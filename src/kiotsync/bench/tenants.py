"""``kiotsync bench tenants``: N shops on the scale-out stack, the app as separate processes.

The deployed topology of docs/deploy.md on PostgreSQL + Redis: ``kiotsync migrate``, one
``kiotsync serve`` and ``--workers`` ``kiotsync worker`` processes (``--threads`` each), configured
only by their environment, against both emulators (one child process, one platform clock at real
speed). ``--shops`` shops (default 500) are installed the merchant's way over HTTP: Haravan
OAuth through ``/install`` (Haravan auto-approves as each owner), the KiotViet login form,
the settings form's defaults, and — for the small shops — "Kích hoạt tự đồng bộ" (Auto-sync,
which runs a first sync of their 3 × 2 SKUs). ``--catalog-jobs`` shops (default 10) have a large
catalogue (``--catalog-products`` × 2 SKUs) and are only connected and configured.

Then, measured:

1. **idle** (``--idle-s``): nothing happens on the platforms; the per-shop duties run (order
   poll each minute, catalogue poll at the Auto-sync interval, token and registration checks,
   reconciliation). CPU % and RSS per process, and per shop-minute: app CPU, platform calls,
   database transactions (``pg_stat_database``).
2. **alone**: ``--probes`` stock and order probes on small shops (:mod:`.tenants_probes`),
   one of each every ``--probe-interval`` s; latency p50 / p95.
3. **wave**: every small shop sells once and counts one SKU within ``--wave-s``.
4. **busy**: "Sync now" on the ``--catalog-jobs`` large shops at once, then the same probes
   while those jobs run and other shops sell (``--sell-rate`` storefront orders a second).

Last line: one JSON object with the figures, ``goals`` and ``ok``.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import harness
from .harness import Emulators, say
from .tenants_probes import ORDER_SKU, STOCK_SKU, Prober, Seller, Tenant, wave
from .tenants_stack import DEFAULT_DATABASE, DEFAULT_QUEUE, AppStack, Backend, Browser

SMALL_PRODUCTS = 3  # × 2 SKUs: the stock probes' SKU, the customers' SKU, and more
IDLE_CPU_PCT = 10.0  # goals (issue 11): idle app CPU < 10 % of one core …
IDLE_RSS_MB = 600.0  # … and RSS < 600 MB for serve + the workers
P95_S = 3.0  # small-shop stock and order p95 while the catalogue jobs run


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="kiotsync bench tenants", description=__doc__.split("\n")[0])
    p.add_argument("--shops", type=int, default=500, help="shops installed (default 500)")
    p.add_argument("--workers", type=int, default=2, help="kiotsync worker processes (default 2)")
    p.add_argument("--threads", type=int, default=None, help="threads per worker (default: settings)")
    p.add_argument("--idle-s", type=float, default=120.0, help="idle window, real seconds (default 120)")
    p.add_argument("--latency-ms", type=float, default=0.0, help="real ms added to every platform call")
    p.add_argument("--catalog-jobs", type=int, default=10, help="large shops running Sync now at once")
    p.add_argument("--catalog-products", type=int, default=500, help="their variant groups (× 2 SKUs)")
    p.add_argument("--probes", type=int, default=20, help="stock and order probes per phase (each)")
    p.add_argument("--probe-interval", type=float, default=1.5, help="seconds between probe starts")
    p.add_argument("--wave-s", type=float, default=60.0, help="the wave's length (default 60)")
    p.add_argument("--sell-rate", type=float, default=1.0, help="background orders a second while busy")
    p.add_argument("--settle-s", type=float, default=30.0, help="quiet before the idle window")
    p.add_argument("--setup-threads", type=int, default=4, help="merchants connecting at once")
    p.add_argument("--timeout", type=float, default=1800.0, help="give up waiting after this many seconds")
    p.add_argument("--database-name", default=urlsplit(DEFAULT_DATABASE).path.strip("/"))
    p.add_argument("--redis-db", type=int, default=int(urlsplit(DEFAULT_QUEUE).path.strip("/")))
    p.add_argument("--database-url", default=None, help="an empty database to use as is (not dropped)")
    p.add_argument("--queue-url", default=None, help="a Redis db nobody else uses (flushed)")
    p.add_argument("--keep", action="store_true", help="keep the processes' logs even when ok")
    p.add_argument("--quick", action="store_true", help="smoke run: 12 shops, short windows")
    args = p.parse_args(argv)
    if args.quick:
        args.shops, args.catalog_jobs, args.catalog_products = 12, 2, 40
        args.idle_s, args.probes, args.probe_interval, args.wave_s = 8.0, 3, 0.5, 4.0
        args.settle_s, args.setup_threads = 2.0, 3
    args.catalog_jobs = max(0, min(args.catalog_jobs, args.shops - 1))
    return args


def backend_for(args: argparse.Namespace) -> Backend:
    if args.database_url:
        queue = args.queue_url or DEFAULT_QUEUE
        return Backend(args.database_url, queue, fresh=False)
    db = urlsplit(DEFAULT_DATABASE)
    q = urlsplit(args.queue_url or DEFAULT_QUEUE)
    queue = args.queue_url or urlunsplit((q.scheme, q.netloc, f"/{args.redis_db}", "", ""))
    return Backend(urlunsplit((db.scheme, db.netloc, f"/{args.database_name}", "", "")), queue, fresh=True)


def main(argv: list[str]) -> dict[str, Any]:
    args = parse(argv)
    backend = backend_for(args)
    why = backend.reachable()
    if why:
        say(f"PostgreSQL or Redis unreachable ({why})")
        return {"scenario": "tenants", "skipped": why, "ok": False}
    say(
        f"tenants: {args.shops} shops ({args.catalog_jobs} with {args.catalog_products} × 2 SKUs), serve + "
        f"{args.workers} workers, latency {args.latency_ms:g} ms; database {backend.database}"
    )
    root = Path(tempfile.mkdtemp(prefix="kiotsync-bench-tenants-"))
    backend.setup()
    em = harness.start_emulators(1.0)
    stack = AppStack(root, backend, em.kv_url, em.hv_url)
    ok = False
    try:
        result = _run(args, em, stack, backend)
        ok = bool(result["ok"])
        return result
    finally:
        say(f"stopping; process logs in {root}")
        stack.stop()
        em.stop()
        if ok and not args.keep:
            shutil.rmtree(root, ignore_errors=True)


# -- set-up (not measured) --------------------------------------------------------------------


def _seed(em: Emulators, stack: AppStack, args: argparse.Namespace) -> list[Tenant]:
    tenants: list[Tenant] = []
    app: dict[str, Any] = {
        "redirect_uris": [f"{stack.url}/auth/callback", f"{stack.url}/auth/install/callback"]
    }
    for i in range(args.shops):
        big = i < args.catalog_jobs
        kv = em.kv(
            "POST",
            "/seed",
            json={
                "preset": "empty",
                "seed": i + 1,
                "products": args.catalog_products if big else SMALL_PRODUCTS,
                "variants_per_product": 2,
                "on_hand_max": 100 if big else 100_000,  # customers never empty a small shop
            },
        )
        hv = em.hv("POST", "/seed", json={"preset": "empty", "seed": i + 1, "app": app})
        app = {"client_id": hv["client_id"]}  # one app, installed by every shop
        tenants.append(Tenant(i, big, kv, hv))
    return tenants


def _connect(t: Tenant) -> None:
    assert t.browser is not None
    t.browser.connect(t.retailer, t.kv["client_id"], t.kv["client_secret"])
    if not t.big:
        t.browser.click("/products/kiotviet", "/products/kiotviet/auto-sync", enabled="1")
        t.browser.close()
        t.browser = None


def _install_all(em: Emulators, stack: AppStack, tenants: list[Tenant], threads: int) -> None:
    """Installs one at a time (Haravan's auto-approve names one owner), the rest in parallel."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = []
        for n, t in enumerate(tenants, 1):
            em.hv(
                "PUT", "/config", json={"auto_approve": {"email": t.hv["owner"]["email"], "orgid": t.orgid}}
            )
            t.browser = Browser(stack.url)
            t.browser.install()
            futures.append(pool.submit(_connect, t))
            if n % 50 == 0:
                say(f"  {n} shops installed ({time.monotonic() - started:.0f} s)")
        for fut in futures:
            fut.result()
    em.hv("PUT", "/config", json={"auto_approve": None})


def _wait_first_syncs(em: Emulators, tenants: list[Tenant], timeout: float) -> None:
    pending = [t for t in tenants if not t.big]
    deadline = time.monotonic() + timeout
    while pending:
        pending = [t for t in pending if em.hv("GET", f"/shops/{t.orgid}")["products"] < SMALL_PRODUCTS]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} small shops' first sync did not finish")
        time.sleep(2)


def _wait_quiet(stack: AppStack, timeout: float) -> None:
    """The queue empty twice in a row (the set-up's work done)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2 and time.monotonic() < deadline:
        stack.check_alive()
        _, body = stack.healthz()
        quiet = quiet + 1 if body["queues"]["default"].get("ready", 1) == 0 else 0
        time.sleep(1)


# -- measuring windows ------------------------------------------------------------------------


@dataclass
class Window:
    started: float
    usage: dict[str, tuple[float, float, float]]
    commits: int
    kv_seq: int
    hv_seq: int


def _open(em: Emulators, stack: AppStack, backend: Backend) -> Window:
    return Window(
        time.monotonic(), stack.usage(), backend.commits(), em.last_seq("kiotviet"), em.last_seq("haravan")
    )


def _close(w: Window, em: Emulators, stack: AppStack, backend: Backend, shops: int) -> dict[str, Any]:
    """CPU % and RSS per process, calls, 429s and transactions since ``w``, and per shop-minute."""
    usage = stack.usage()
    wall = time.monotonic() - w.started
    time.sleep(1.2)  # backends report their transactions to the statistics within a second
    commits = backend.commits() - w.commits
    kv_log, _ = em.requests("kiotviet", w.kv_seq)
    hv_log, _ = em.requests("haravan", w.hv_seq)
    procs: dict[str, Any] = {}
    cpu_total = 0.0
    for name, (cpu, rss, hwm) in usage.items():
        used = cpu - w.usage.get(name, (0.0, 0.0, 0.0))[0]
        cpu_total += used
        procs[name] = {
            "cpu_pct": round(100 * used / wall, 2),
            "rss_mb": round(rss, 1),
            "peak_rss_mb": round(hwm, 1),
        }
    shop_minutes = shops * wall / 60
    kv_api = [e for e in kv_log if not e["path"].startswith("/connect")]
    hv_api = [e for e in hv_log if e["path"].startswith("/com/")]
    return {
        "wall_s": round(wall, 1),
        "processes": procs,
        "app_cpu_pct": round(100 * cpu_total / wall, 2),
        "app_rss_mb": round(sum(p["rss_mb"] for p in procs.values()), 1),
        "db_transactions": commits,
        "calls": {"kiotviet": harness.summarize_calls(kv_log), "haravan": harness.summarize_calls(hv_log)},
        "http_429": _count_429(kv_log) + _count_429(hv_log),
        "per_shop_minute": {
            "cpu_ms": round(1000 * cpu_total / shop_minutes, 3),
            "calls_kiotviet": round(len(kv_api) / shop_minutes, 3),
            "calls_haravan": round(len(hv_api) / shop_minutes, 3),
            "db_transactions": round(commits / shop_minutes, 3),
        },
        "_kv_log": kv_log,
    }


def _sample_cpu(stack: AppStack, seconds: float, every: float) -> list[float]:
    """The app's CPU % of one core (all processes) in each ``every`` s of ``seconds``: the
    minute's ticks show as peaks."""
    out: list[float] = []
    end = time.monotonic() + seconds
    last, at = sum(u[0] for u in stack.usage().values()), time.monotonic()
    while time.monotonic() < end:
        time.sleep(max(0.0, min(every, end - time.monotonic())))
        cpu, now = sum(u[0] for u in stack.usage().values()), time.monotonic()
        out.append(round(100 * (cpu - last) / max(1e-6, now - at), 1))
        last, at = cpu, now
    return out


def _count_429(log: list[dict[str, Any]]) -> int:
    return sum(1 for e in log if int(e["status"]) == 429)


def _gets_per_order(
    kv_log: list[dict[str, Any]], orders: int, retailers: set[str] | None = None
) -> dict[str, Any]:
    """KiotViet GETs per order pushed: everything but the order polls (each shop's periodic
    ``/orders`` read by branch, a duty whatever the orders), and the polls apart; only the
    ``retailers``' calls when given."""
    gets = [
        e
        for e in kv_log
        if e["method"] == "GET"
        and not e["path"].startswith("/connect")
        and (retailers is None or e.get("retailer") in retailers)
    ]
    kinds = Counter(_path_kind(e["path"], e.get("query")) for e in gets)
    polls = sum(n for k, n in kinds.items() if k.endswith("(poll)"))
    return {
        "kiotviet_gets_per_order": round((len(gets) - polls) / max(1, orders), 3),
        "kiotviet_poll_gets": polls,
        "kiotviet_gets_by_path": dict(kinds.most_common()),
    }


def _path_kind(path: str, query: Any = None) -> str:
    kind = "/".join("{id}" if part.isdigit() else part for part in path.split("/"))
    if kind in ("/orders", "/invoices"):
        kind += " (poll)" if "branchids" in str(query or "").lower() else " (look-up)"
    return kind


def _pushed(kv_log: list[dict[str, Any]]) -> int:
    return sum(
        1 for e in kv_log if e["method"] == "POST" and e["path"] == "/orders" and int(e["status"]) < 300
    )


def _public(window: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in window.items() if not k.startswith("_")}


# -- the run ----------------------------------------------------------------------------------


def _start_stack(args: argparse.Namespace, em: Emulators, stack: AppStack) -> list[Tenant]:
    started = time.monotonic()
    tenants = _seed(em, stack, args)
    first = tenants[0].hv
    stack.configure(first["client_id"], first["client_secret"], harness.VERIFY_TOKEN)
    stack.migrate()
    stack.start(args.workers, args.threads)
    # The partner dashboard: the webhook URL saved (Haravan checks hub.challenge at once).
    registered = em.hv(
        "POST",
        "/apps",
        json={
            "client_id": first["client_id"],
            "webhook_url": f"{stack.url}/webhooks/haravan",
            "webhook_verify_token": harness.VERIFY_TOKEN,
            "topics": harness_topics(),
        },
    )
    if not registered.get("webhook_verified"):
        raise RuntimeError(f"webhook not verified: {registered}")
    say(
        f"stack up in {time.monotonic() - started:.1f} s: serve {stack.url}, {args.workers} workers; installing"
    )
    _install_all(em, stack, tenants, args.setup_threads)
    say(f"{len(tenants)} shops installed and connected at {time.monotonic() - started:.0f} s; first syncs")
    _wait_first_syncs(em, tenants, args.timeout)
    _wait_quiet(stack, args.timeout)
    if args.latency_ms:
        for platform in ("kv", "hv"):
            getattr(em, platform)("PUT", "/config", json={"latency_ms": args.latency_ms})
    time.sleep(args.settle_s)
    say(f"set-up done in {time.monotonic() - started:.0f} s")
    return tenants


def harness_topics() -> list[str]:
    """The topics the app handles (the dashboard registration), without importing Django here:
    this process only drives and measures."""
    return [
        "app/uninstalled",
        "orders/cancelled",
        "orders/create",
        "orders/fulfilled",
        "orders/paid",
        "orders/updated",
        "products/create",
        "products/delete",
        "products/deleted",
        "products/update",
    ]


def _run(args: argparse.Namespace, em: Emulators, stack: AppStack, backend: Backend) -> dict[str, Any]:
    tenants = _start_stack(args, em, stack)
    small = [t for t in tenants if not t.big]
    big = [t for t in tenants if t.big]
    offset = em.clock_offset()
    prober = Prober(em, offset)
    rotation = itertools.cycle(small)

    # 1. idle, from the middle of a minute: the duty dispatcher wakes what is due at each
    # minute's start, so a whole number of minutes holds whole ticks and their work.
    if args.idle_s >= 60:
        time.sleep((30 - time.time() % 60) % 60)
    say(f"idle window: {args.idle_s:g} s")
    w = _open(em, stack, backend)
    peaks = _sample_cpu(stack, args.idle_s, every=5.0)
    idle = _close(w, em, stack, backend, len(tenants))
    idle["cpu_pct_5s_max"] = max(peaks, default=0.0)
    say(
        f"idle: app CPU {idle['app_cpu_pct']} % of a core, RSS {idle['app_rss_mb']} MB; per shop-minute "
        f"{idle['per_shop_minute']}"
    )

    # 2. probes alone
    w = _open(em, stack, backend)
    alone = prober.run(rotation, args.probes, args.probe_interval)
    alone_w = _close(w, em, stack, backend, len(tenants))
    say(f"alone: stock {alone['stock']}, order {alone['order']}")

    # 3. the wave
    say(f"wave: {len(small)} shops sell once and count stock within {args.wave_s:g} s")
    w = _open(em, stack, backend)
    waved = wave(em, small, args.wave_s, offset, timeout=min(args.timeout, 300))
    wave_w = _close(w, em, stack, backend, len(tenants))
    say(f"wave: {waved}")

    # 4. the catalogue jobs, probes and sellers meanwhile
    say(f"busy: Sync now on {len(big)} large shops, probes while they run")
    w = _open(em, stack, backend)
    with ThreadPoolExecutor(max_workers=max(1, len(big))) as pool:
        list(pool.map(lambda t: t.browser.click("/products/kiotviet", "/products/kiotviet/sync"), big))
    time.sleep(2.0)
    others = itertools.cycle(small[len(small) // 2 :])
    with Seller(em, lambda: next(others), args.sell_rate) as seller:
        busy = prober.run(rotation, args.probes, args.probe_interval)
    jobs = Counter(t.browser.job_state() for t in big if t.browser is not None)
    busy_w = _close(w, em, stack, backend, len(tenants))
    busy["background_orders"] = seller.sent
    busy["jobs_at_end"] = dict(jobs)
    busy["catalogue_products_on_haravan"] = sum(em.hv("GET", f"/shops/{t.orgid}")["products"] for t in big)
    say(f"busy: stock {busy['stock']}, order {busy['order']}, jobs {dict(jobs)}")

    return _result(args, tenants, idle, alone, alone_w, waved, wave_w, busy, busy_w, em)


def _result(
    args: argparse.Namespace,
    tenants: list[Tenant],
    idle: dict[str, Any],
    alone: dict[str, Any],
    alone_w: dict[str, Any],
    waved: dict[str, Any],
    wave_w: dict[str, Any],
    busy: dict[str, Any],
    busy_w: dict[str, Any],
    em: Emulators,
) -> dict[str, Any]:
    kv_all, _ = em.requests("kiotviet", 0)
    hv_all, _ = em.requests("haravan", 0)
    total_429 = {"kiotviet": _count_429(kv_all), "haravan": _count_429(hv_all)}
    worker_names = [n for n in idle["processes"] if n.startswith("worker-")]
    idle_rss = idle["app_rss_mb"]
    gets = _gets_per_order(wave_w["_kv_log"], _pushed(wave_w["_kv_log"]))
    # Later orders of a shop (its sale channels, surcharges… already known): the busy window's,
    # without the large shops' catalogue reads.
    small = {t.retailer for t in tenants if not t.big}
    repeat = _gets_per_order(busy_w["_kv_log"], _pushed(busy_w["_kv_log"]), small)
    goals = {
        "idle_cpu_pct_lt_10": idle["app_cpu_pct"] < IDLE_CPU_PCT,
        "idle_rss_mb_lt_600": idle_rss < IDLE_RSS_MB,
        "busy_stock_p95_le_3s": _le(busy["stock"]["p95"], P95_S)
        and busy["stock"]["seen"] == busy["stock"]["probes"],
        "busy_order_p95_le_3s": _le(busy["order"]["p95"], P95_S)
        and busy["order"]["seen"] == busy["order"]["probes"],
        "zero_429": sum(total_429.values()) == 0,
    }
    result: dict[str, Any] = {
        "scenario": "tenants",
        "shops": len(tenants),
        "small_shops": sum(1 for t in tenants if not t.big),
        "catalog_jobs": args.catalog_jobs,
        "catalog_skus_each": args.catalog_products * 2,
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "processes": ["serve", *worker_names],
        "latency_ms": args.latency_ms,
        "probe_skus": {"stock": STOCK_SKU, "order": ORDER_SKU},
        "idle": _public(idle),
        "alone": {**alone, "window": _public(alone_w)},
        "wave": {**waved, **gets, "window": _public(wave_w)},
        "busy": {**busy, "kiotviet_gets_by_path": repeat["kiotviet_gets_by_path"], "window": _public(busy_w)},
        "small_shop_latency_s": {
            "stock_alone": alone["stock"],
            "order_alone": alone["order"],
            "stock_busy": busy["stock"],
            "order_busy": busy["order"],
        },
        "per_shop_minute_idle": idle["per_shop_minute"],
        "http_429": total_429,
        "http_429_total": sum(total_429.values()),
        "kiotviet_gets_per_order": gets["kiotviet_gets_per_order"],
        "kiotviet_gets_per_order_repeat": repeat["kiotviet_gets_per_order"],
        "goals": goals,
        "ok": all(goals.values()),
    }
    say(f"goals: {goals}")
    return result


def _le(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit
