"""A platform call budget shared by every process, spent in priority order (issue 11).

KiotViet allows 5,000 GETs an hour per retailer. Each process used to count its own, so two
workers (or a worker and `serve`) could spend twice the budget between them and meet 429s.
:class:`SharedWindowBudget` counts in the database (:class:`~.models.CallCount`, one row per key
and minute, incremented atomically on SQLite and PostgreSQL alike), over the last 60 minutes.

Priority: calls made while :data:`~kiotsync.httpkit.pacing.URGENT` is set (pushing an order,
reading its state) may spend the whole budget; others (polls, catalogue reads, reconciliation)
stop at ``1 - reserve`` of it, so a busy catalogue day never leaves orders without GETs. A
caller over its share waits for the oldest minute to leave the window.

Counting is per minute, so the window is 59–60 minutes wide: conservative by up to a minute.
Two processes may both take the last call of a share in the same instant (a read, then an
increment); the budget's default (``KIOTVIET_GET_BUDGET``) keeps a margin below the platform's
limit for that, and a 429 is retried by the client anyway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from django.db import connection, transaction
from django.db.models import Sum

from kiotsync.httpkit.pacing import URGENT

from .models import CallCount

WINDOW_MIN = 60


class SharedWindowBudget:
    """At most ``limit`` calls per ``key`` in any 60 minutes, counted across processes."""

    def __init__(
        self,
        key: str,
        limit: int,
        *,
        reserve: float = 0.2,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key[:150]
        self.limit = max(1, limit)
        self.reserve = min(max(reserve, 0.0), 0.9)
        self._clock = clock
        self._sleep = sleep
        self.waited_s = 0.0

    def _minute(self) -> int:
        return int(self._clock() // 60)

    def used(self) -> int:
        """Calls counted in the current window (every process's)."""
        now = self._minute()
        total = CallCount.objects.filter(key=self.key, minute__gt=now - WINDOW_MIN).aggregate(n=Sum("count"))[
            "n"
        ]
        return int(total or 0)

    def share(self) -> int:
        """What the current caller may spend: all of it when urgent, else the budget less the reserve."""
        return self.limit if URGENT.get() else max(1, int(self.limit * (1 - self.reserve)))

    def acquire(self) -> Any:
        while True:
            now = self._minute()
            if self.used() < self.share():
                self._count(now)
                return None
            oldest = (
                CallCount.objects.filter(key=self.key, minute__gt=now - WINDOW_MIN, count__gt=0)
                .order_by("minute")
                .values_list("minute", flat=True)
                .first()
            )
            leaves_at = ((oldest if oldest is not None else now) + WINDOW_MIN) * 60
            wait = max(1.0, min(60.0, leaves_at - self._clock()))
            self.waited_s += wait
            self._sleep(wait)

    def release(self, ticket: Any, response: httpx.Response | None) -> None:
        return None

    def _count(self, minute: int) -> None:
        qn = connection.ops.quote_name
        table, key, at, count = qn(CallCount._meta.db_table), qn("key"), qn("minute"), qn("count")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key}, {at}, {count}) VALUES (%s, %s, 1) "
                f"ON CONFLICT ({key}, {at}) DO UPDATE SET {count} = {table}.{count} + 1",
                [self.key, minute],
            )
        if minute % 10 == 0:  # now and then, drop the minutes that left the window
            CallCount.objects.filter(key=self.key, minute__lte=minute - WINDOW_MIN).delete()
