"""``/healthz``: is the database reachable, and is the queue served (workers alive, the oldest
ready task not waiting too long)?"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse

from kiotsync.workers.liveness import queue_health


def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    queues: dict[str, Any] = {}
    try:
        queues["default"] = queue_health("default")
        bad = [f"{name}: {q['state']}" for name, q in queues.items() if q["state"] != "ok"]
        checks["queue"] = "; ".join(bad) if bad else "ok"
    except Exception as exc:
        checks["queue"] = f"error: {type(exc).__name__}"
    ok = checks["database"] == "ok" and checks["queue"] == "ok"
    return JsonResponse(
        {"status": "ok" if ok else "error", **checks, "queues": queues}, status=200 if ok else 503
    )
