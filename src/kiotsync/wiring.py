"""The composition root: the one place that builds what the use cases work with.

- platform clients (one per shop and platform, shared by every caller in the process, with the
  shop's token provider and its rate-limit pacer) and the Haravan OAuth client;
- the queue port (:meth:`Queue.wake` by job name; the jobs modules register their tasks in
  :data:`JOBS` when they are imported at start-up);
- the inbox handler table (:data:`kiotsync.inbox.dispatch.HANDLERS`, filled by the features'
  ``AppConfig.ready()``);
- configuration, including the order retry schedule.

Only the shells — views, job shells, the CLI — call :func:`get_wiring`; they pass the wiring
down as ``ports`` (:class:`kiotsync.ports.Ports`). Tests install a wiring whose transports run
the emulators in-process (``httpx.WSGITransport``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from kiotsync.bookkeeping.budget import SharedWindowBudget
from kiotsync.config import Config
from kiotsync.connections.tokens import DbKiotVietTokenCache, HaravanTokenProvider
from kiotsync.haravan.client import HaravanClient
from kiotsync.haravan.oauth import HaravanOAuth
from kiotsync.haravan.pacing import LeakyBucketPacer
from kiotsync.httpkit.caller import shared_http
from kiotsync.httpkit.pacing import PacerRegistry
from kiotsync.inbox.dispatch import HANDLERS, HandlerTable
from kiotsync.kiotviet.auth import TokenCache
from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.tenants.models import Tenant

#: Seconds before each automatic retry of an order push; after the last, the order waits for
#: the merchant ("Đồng bộ lỗi").
ORDER_RETRY_DELAYS_S: tuple[float, ...] = (10, 30, 60, 120, 300, 600, 1800, 3600)


class JobTable:
    """Job name → the queue task that runs it (filled by the ``jobs`` modules at import)."""

    def __init__(self) -> None:
        self._tasks: dict[str, Callable[..., Any]] = {}

    def register(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def add(task: Callable[..., Any]) -> Callable[..., Any]:
            self._tasks[name] = task
            return task

        return add

    def __getitem__(self, name: str) -> Callable[..., Any]:
        try:
            return self._tasks[name]
        except KeyError:
            raise LookupError(f"no job named {name!r} (is its jobs module imported at start-up?)") from None

    def names(self) -> list[str]:
        return sorted(self._tasks)


JOBS = JobTable()


class Queue:
    """The queue port: ``wake(job, *args)`` enqueues the named job (Huey runs it inline when
    immediate, as in tests)."""

    def __init__(self, jobs: JobTable) -> None:
        self.jobs = jobs

    def wake(self, job: str, *args: Any) -> None:
        self.jobs[job](*args)

    def wake_later(self, delay_s: float, job: str, *args: Any) -> None:
        self.jobs[job].schedule(args=args, delay=delay_s)  # type: ignore[attr-defined]

    def busy(self, lock: str) -> bool:
        from huey.contrib.djhuey import HUEY

        return bool(HUEY.is_locked(lock))


class ClientCache:
    """Platform clients kept for reuse (their token state; the HTTP pool is the process's,
    shared), least recently used dropped beyond ``size``. A client holds no pool of its own,
    so a miss costs a few small objects, not a TLS context."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    def get(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        with self._lock:
            client = self._items.get(key)
            if client is not None:
                self._items.move_to_end(key)
                return client
        client = build()
        spare = None
        with self._lock:
            existing = self._items.get(key)
            if existing is not None:
                spare, client = client, existing
            else:
                self._items[key] = client
                while len(self._items) > self.size:
                    # Not closed: a long job may still hold it; its pool goes with the object.
                    self._items.popitem(last=False)
        if spare is not None:
            spare.close()  # never handed out
        return client

    def forget(self) -> None:
        """Drop every client without closing it (the next call builds new ones)."""
        with self._lock:
            self._items.clear()

    def close(self) -> None:
        with self._lock:
            clients = list(self._items.values())
            self._items.clear()
        for client in clients:
            client.close()


class Wiring:
    def __init__(
        self,
        config: Config,
        transports: Mapping[str, httpx.BaseTransport] | None = None,
        queue: Queue | None = None,
        handlers: HandlerTable | None = None,
        order_retry_delays: Sequence[float] | None = None,
    ) -> None:
        self.config = config
        self.transports = dict(transports or {})
        self.queue = queue or Queue(JOBS)
        self.handlers = handlers or HANDLERS
        delays = ORDER_RETRY_DELAYS_S if order_retry_delays is None else order_retry_delays
        self.order_retry_delays: Sequence[float] = tuple(delays)
        self.kiotviet_budgets: PacerRegistry[SharedWindowBudget] = PacerRegistry()
        # One leaky bucket per Haravan shop, shared by every client this wiring builds (the
        # process has one wiring; a test's own wiring starts with empty buckets at its rate).
        self.haravan_pacers: PacerRegistry[LeakyBucketPacer] = PacerRegistry()
        self._clients = ClientCache()
        # One connection pool per platform for the whole process: every shop's client sends
        # through it (issue 11: a pool per shop rebuilt SSL contexts on every cache miss).
        self._pools: dict[str, httpx.Client] = {}
        self._pools_lock = threading.Lock()

    def http_pool(self, platform: str) -> httpx.Client:
        """The process's connection pool for ``platform`` (``kiotviet`` or ``haravan``)."""
        with self._pools_lock:
            pool = self._pools.get(platform)
            if pool is None:
                pool = self._pools[platform] = shared_http(self.transports.get(platform))
            return pool

    # -- KiotViet ------------------------------------------------------------------------------
    def kiotviet_for_credentials(
        self, retailer: str, client_id: str, client_secret: str, token_cache: TokenCache | None = None
    ) -> KiotVietClient:
        # One GET budget per retailer, counted in the database: shared by every process.
        budget = self.kiotviet_budgets.get(
            f"kiotviet:{retailer.lower()}",
            lambda: SharedWindowBudget(f"kiotviet:{retailer.lower()}", self.config.kiotviet_get_budget),
        )
        return KiotVietClient(
            retailer,
            client_id,
            client_secret,
            api_url=self.config.kiotviet_api_url,
            token_url=self.config.kiotviet_token_url,
            transport=self.transports.get("kiotviet"),
            token_cache=token_cache,
            get_budget=budget,
            http=self.http_pool("kiotviet"),
        )

    def kiotviet(self, tenant: Tenant) -> KiotVietClient:
        """The tenant's shared KiotViet client (thread-safe; callers must not close it).
        Reconnecting (other retailer, client or time) gives a new one."""
        conn = tenant.kiotviet
        key = ("kiotviet", tenant.pk, conn.retailer, conn.client_id, conn.connected_at)
        client: KiotVietClient = self._clients.get(
            key,
            lambda: self.kiotviet_for_credentials(
                conn.retailer, conn.client_id, conn.client_secret, token_cache=DbKiotVietTokenCache(tenant.pk)
            ),
        )
        return client

    # -- Haravan -------------------------------------------------------------------------------
    def haravan_oauth(self) -> HaravanOAuth:
        return HaravanOAuth(
            client_id=self.config.haravan_client_id,
            client_secret=self.config.haravan_client_secret,
            accounts_url=self.config.haravan_accounts_url,
            transport=self.transports.get("haravan"),
            http=self.http_pool("haravan"),
        )

    def haravan(self, tenant: Tenant) -> HaravanClient:
        """The tenant's shared Haravan client (thread-safe; callers must not close it)."""

        def build() -> HaravanClient:
            return HaravanClient(
                HaravanTokenProvider(tenant.pk, self.haravan_oauth),
                api_url=self.config.haravan_api_url,
                webhook_url=self.config.haravan_webhook_url,
                transport=self.transports.get("haravan"),
                pacer=self.haravan_pacer(tenant.orgid),
                http=self.http_pool("haravan"),
            )

        # A (re-)install gives a new client, so new tokens and scopes are used at once.
        key = ("haravan", tenant.pk, tenant.orgid, tenant.installed_at)
        client: HaravanClient = self._clients.get(key, build)
        return client

    def haravan_pacer(self, shop_id: str | int) -> LeakyBucketPacer:
        """The leaky bucket every Haravan client of this shop shares."""
        return self.haravan_pacers.get(
            str(shop_id),
            lambda: LeakyBucketPacer(self.config.haravan_bucket_size, self.config.haravan_leak_rate),
        )

    def close(self) -> None:
        """Close the clients this wiring built, and its connection pools."""
        self._clients.close()
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()

    def set_haravan_pacer(self, shop_id: str | int, pacer: LeakyBucketPacer) -> None:
        """Use ``pacer`` for the shop from now on (clients built before keep theirs, so they
        are dropped from the cache; benchmarks reshape the bucket between phases)."""
        self.haravan_pacers.put(str(shop_id), pacer)
        self._clients.forget()


_lock = threading.Lock()
_current: Wiring | None = None


def get_wiring() -> Wiring:
    """The process's wiring (shells only: views, job shells, the CLI)."""
    global _current
    with _lock:
        if _current is None:
            from django.conf import settings

            _current = Wiring(settings.CONFIG)
        return _current


def set_wiring(wiring: Wiring | None) -> None:
    """Install a wiring (tests), or ``None`` to rebuild from settings on next use."""
    global _current
    with _lock:
        old, _current = _current, wiring
    if old is not None and old is not wiring:
        old.close()
