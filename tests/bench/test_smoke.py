"""Smoke runs of the catalogue benchmarks: tiny sizes, real processes, real sockets.

Each benchmark runs as ``kiotsync bench <scenario> --quick`` in a subprocess (it sets Django up
itself, on a fresh temp data dir) and its last stdout line is one JSON object. These tests check
the shape of that object and the things that must hold at any size — every product arrives once,
every change becomes visible, no 429 — never timings (speed is what the full runs report).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

pytestmark = pytest.mark.socket


def run_bench(scenario: str, *options: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOTSYNC_", "HARAVAN_", "KIOTVIET_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kiotsync.cli", "bench", scenario, "--quick", *options],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, f"no output; stderr: {proc.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    assert proc.returncode == (0 if result.get("ok") else 1), proc.stderr[-2000:]
    return result


def test_catalog_quick_run_creates_every_product_once_within_the_call_minimum() -> None:
    r = run_bench("catalog")
    assert r["scenario"] == "catalog" and r["job_state"] == "done"
    assert r["ok"] is True, r["goals"]
    for key in (
        "wall_s",
        "rate_limit_s",
        "ratio",
        "peak_rss_mb",
        "cpu_ms_per_sku",
        "phases_s",
        "pacer_wait_s",
    ):
        assert key in r
    check = r["check"]
    assert check["haravan_products"] == r["products"] == 40
    assert check["haravan_skus"] == r["skus"] == 80
    assert check["duplicate_skus"] == 0 and check["stock_wrong"] == 0
    assert r["http_429"] == 0
    # The fewest calls the APIs allow: one create per product, one stock write per 100 SKUs,
    # one read of the (empty) Haravan catalogue; one page of KiotViet products per 100 SKUs.
    assert r["calls"] == r["minimum_calls"] == {"kiotviet": 1, "haravan": 42}
    assert r["calls_by_endpoint"]["haravan"] == {
        "POST /com/products.json": 40,
        "POST /com/inventories/adjustorset.json": 1,
        "GET /com/products.json": 1,
    }


def test_stock_burst_quick_run_makes_every_change_visible_without_429() -> None:
    r = run_bench("stock-burst")
    assert r["scenario"] == "stock-burst"
    assert r["goals"]["all_visible"] is True and r["goals"]["zero_429"] is True
    burst, trickle = r["burst"], r["trickle"]
    assert burst["changes"] == burst["visible"] == 200
    assert trickle["changes"] == trickle["visible"] == 8
    for phase in (burst, trickle):
        assert set(phase["latency_s"]) == {"p50", "p95", "max"}
        assert phase["latency_s"]["p50"] <= phase["latency_s"]["p95"] <= phase["latency_s"]["max"]
        assert phase["calls"]["haravan"]["rate_limited_429"] == 0
        # Stock arrives by webhook: nothing is read back from KiotViet.
        assert phase["calls"]["kiotviet"]["calls"] == 0
    # Changes are written in batches: never more stock writes than changes.
    writes = burst["calls"]["haravan"]["by_endpoint"].get("POST /com/inventories/adjustorset.json", 0)
    assert 2 <= writes < burst["changes"]
    assert r["haravan_lines_written"] == burst["changes"] + trickle["changes"]
    assert r["http_429"] == 0


def test_chaos_quick_run_settles_and_counts_what_it_checked() -> None:
    """The soak at smoke size: it runs to the end, settles, and reports the counts every chaos run
    has (whether the invariants hold is the chaos tests' business: ``ok`` says it)."""
    r = run_bench("chaos")
    assert r["scenario"] == "chaos"
    assert r["orders"] >= 20 and r["stock_changes"] >= 200 and r["actions"] >= 220
    for key in ("lost", "duplicated", "mismatches", "orders_required", "settle_rounds"):
        assert isinstance(r[key], int) and r[key] >= 0, key
    assert r["seconds_to_converge"] >= 0 and isinstance(r["violations"], dict)
    assert sum(r["webhooks"].values()) > 0
    assert r["ok"] == (r["converged"] and not r["violations"])


def test_tenants_quick_run_on_the_scale_out_stack_counts_429s_and_times_both_probes() -> None:
    """serve and two workers as separate processes on PostgreSQL + Redis, a dozen shops: every
    probe seen, no 429, CPU and RSS per process reported (skipped without PostgreSQL/Redis)."""
    from kiotsync.bench.tenants import backend_for, parse

    options = ("--database-name", "kiotsync_bench_tenants_smoke", "--redis-db", "8")
    why = backend_for(parse(["--quick", *options])).reachable()
    if why:
        pytest.skip(f"PostgreSQL or Redis unreachable: {why}")
    r = run_bench("tenants", *options)
    assert r["scenario"] == "tenants" and r["shops"] == 12
    assert r["processes"] == ["serve", "worker-1", "worker-2"]
    for name in r["processes"]:
        assert r["idle"]["processes"][name]["rss_mb"] > 0
    for key in ("stock_alone", "order_alone", "stock_busy", "order_busy"):
        figures = r["small_shop_latency_s"][key]
        assert figures["seen"] == figures["probes"] == 3, (key, figures)
    assert r["wave"]["orders_in_kiotviet"] == r["wave"]["shops"] == r["small_shops"]
    assert r["http_429_total"] == 0 and r["goals"]["zero_429"] is True
    assert set(r["per_shop_minute_idle"]) == {"cpu_ms", "calls_kiotviet", "calls_haravan", "db_transactions"}
