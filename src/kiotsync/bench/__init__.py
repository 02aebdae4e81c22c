"""Benchmarks on time-scaled emulators: ``kiotsync bench <scenario> [options]``.

Each scenario module has ``main(argv: list[str]) -> dict`` that prints its figures as it
goes; the command prints the returned dict as the last line, one JSON object.
"""

from __future__ import annotations

import importlib
import json
import sys

SCENARIOS = {
    "catalog": "kiotsync.bench.catalog",
    "stock-burst": "kiotsync.bench.stock_burst",
    "orders": "kiotsync.bench.orders",
    "chaos": "kiotsync.bench.chaos",
    "tenants": "kiotsync.bench.tenants",
}


def run(scenario: str, argv: list[str]) -> int:
    if scenario not in SCENARIOS:
        print(f"unknown scenario {scenario!r}; choose from: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(SCENARIOS[scenario])
    result = module.main(argv)
    print(json.dumps(result, ensure_ascii=False, sort_keys=True), flush=True)
    return 0 if result.get("ok", True) else 1
