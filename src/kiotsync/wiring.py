"""The one place that builds platform clients from configuration and the database.

Web views, services and worker jobs ask the current :class:`Wiring` for a client; tests
install a wiring whose transports run the emulators in-process (``httpx.WSGITransport``).
A wiring keeps one client per tenant and platform and one rate-limit pacer per shop, so every
caller in the process shares one budget; a test's own wiring starts with fresh ones.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from kiotsync.config import Config
from kiotsync.httpkit.pacing import PacerRegistry, SlidingWindowPacer
from kiotsync.kiotviet.auth import CachedToken
from kiotsync.kiotviet.client import KiotVietClient

if TYPE_CHECKING:
    from kiotsync.haravan.client import HaravanClient
    from kiotsync.haravan.oauth import HaravanOAuth
    from kiotsync.haravan.pacing import LeakyBucketPacer
    from kiotsync.tenants.models import Tenant


class DbKiotVietTokenCache:
    """KiotViet tokens cached on the tenant's connection row (encrypted at rest), and in memory
    for up to ``MEMORY_S`` so that a call does not read and decrypt the row each time.

    ``delete`` (KiotViet rejected the token) clears the row only while it still holds the token
    this process had, so a token another process fetched meanwhile is kept; a read that
    finishes after a newer ``set`` never puts the older token back in memory."""

    MEMORY_S = 60.0

    def __init__(self, tenant_id: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.tenant_id = tenant_id
        self._clock = clock
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[CachedToken, float]] = {}
        self._generation = 0

    def _remember(self, key: str, token: CachedToken | None, generation: int | None = None) -> None:
        with self._lock:
            if generation is not None and generation != self._generation:
                return  # a newer set/delete happened while this value was read
            self._generation += 1
            if token is None:
                self._memory.pop(key, None)
            else:
                self._memory[key] = (token, self._clock() + self.MEMORY_S)

    def _row(self, key: str) -> Any:
        from kiotsync.tenants.models import KiotVietConnection

        return KiotVietConnection.objects.filter(tenant_id=self.tenant_id, client_id=key).first()

    def get(self, key: str) -> CachedToken | None:
        with self._lock:
            held = self._memory.get(key)
            if held is not None and self._clock() < held[1]:
                return held[0]
            generation = self._generation
        conn = self._row(key)
        if conn is None or not conn.access_token or conn.token_expires_at is None:
            return None
        token = CachedToken(conn.access_token, conn.token_expires_at.timestamp())
        self._remember(key, token, generation)
        return token

    def set(self, key: str, token: CachedToken) -> None:
        conn = self._row(key)
        if conn is None:
            return
        conn.access_token = token.access_token
        conn.token_expires_at = datetime.fromtimestamp(token.expires_at, tz=UTC)
        conn.save(update_fields=["access_token", "token_expires_at", "updated_at"])
        self._remember(key, token)

    def delete(self, key: str) -> None:
        with self._lock:
            held = self._memory.get(key)
        self._remember(key, None)
        conn = self._row(key)
        if conn is None or not conn.access_token:
            return
        if held is not None and conn.access_token != held[0].access_token:
            return  # another process stored a newer token: keep it
        conn.access_token, conn.token_expires_at = "", None
        conn.save(update_fields=["access_token", "token_expires_at", "updated_at"])


class ClientCache:
    """Platform clients kept for reuse (an HTTP pool and a TLS context each), least recently
    used dropped beyond ``size``."""

    def __init__(self, size: int = 256) -> None:
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
        enqueue: Callable[[str, tuple[Any, ...]], None] | None = None,
    ) -> None:
        self.config = config
        self.transports = dict(transports or {})
        self._enqueue = enqueue
        self.kiotviet_budgets: PacerRegistry[SlidingWindowPacer] = PacerRegistry()
        # One leaky bucket per Haravan shop, shared by every client this wiring builds (the
        # process has one wiring; a test's own wiring starts with empty buckets at its rate).
        self.haravan_pacers: PacerRegistry[LeakyBucketPacer] = PacerRegistry()
        self._clients = ClientCache()

    # -- KiotViet ------------------------------------------------------------------------------
    def kiotviet_for_credentials(
        self, retailer: str, client_id: str, client_secret: str, token_cache: Any = None
    ) -> KiotVietClient:
        budget = self.kiotviet_budgets.get(
            f"{retailer}:{client_id}", lambda: SlidingWindowPacer(self.config.kiotviet_get_budget, 3600.0)
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
        from kiotsync.haravan.oauth import HaravanOAuth

        return HaravanOAuth(
            client_id=self.config.haravan_client_id,
            client_secret=self.config.haravan_client_secret,
            accounts_url=self.config.haravan_accounts_url,
            transport=self.transports.get("haravan"),
        )

    def haravan(self, tenant: Tenant) -> HaravanClient:
        """The tenant's shared Haravan client (thread-safe; callers must not close it)."""
        from kiotsync.haravan.client import HaravanClient

        def build() -> HaravanClient:
            return HaravanClient(
                _HaravanTokenProvider(tenant.pk),
                api_url=self.config.haravan_api_url,
                webhook_url=self.config.haravan_webhook_url,
                transport=self.transports.get("haravan"),
                pacer=self.haravan_pacer(tenant.orgid),
            )

        # A (re-)install gives a new client, so new tokens and scopes are used at once.
        key = ("haravan", tenant.pk, tenant.orgid, tenant.installed_at)
        client: HaravanClient = self._clients.get(key, build)
        return client

    def haravan_pacer(self, shop_id: str | int) -> LeakyBucketPacer:
        """The leaky bucket every Haravan client of this shop shares."""
        from kiotsync.haravan.pacing import LeakyBucketPacer

        return self.haravan_pacers.get(
            str(shop_id), lambda: LeakyBucketPacer(self.config.haravan_bucket_size, self.config.haravan_leak_rate)
        )

    def close(self) -> None:
        """Close the clients this wiring built."""
        self._clients.close()

    def set_haravan_pacer(self, shop_id: str | int, pacer: LeakyBucketPacer) -> None:
        """Use ``pacer`` for the shop from now on (clients built before keep theirs, so they
        are dropped from the cache; benchmarks reshape the bucket between phases)."""
        self.haravan_pacers.put(str(shop_id), pacer)
        self._clients.forget()

    # -- queue ---------------------------------------------------------------------------------
    def enqueue_inbound(self, event_id: int) -> None:
        if self._enqueue is not None:
            self._enqueue("process_inbound", (event_id,))
            return
        from kiotsync.sync.tasks import process_inbound

        process_inbound(event_id)


class _HaravanTokenProvider:
    """The shop token from the database, kept in memory for up to ``MEMORY_S`` (never past the
    point where it is due for renewal); renewed before it expires, and when Haravan rejects the
    one a request sent. One renewal at a time per provider, and across processes the
    installation row is locked (``refresh_if_needed``): a renewal someone else already made is
    used, never repeated with a spent refresh token."""

    MEMORY_S = 60.0

    def __init__(self, tenant_id: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.tenant_id = tenant_id
        self._clock = clock
        self._lock = threading.Lock()
        self._renewing = threading.Lock()
        self._local = threading.local()
        self._token = ""
        self._until = 0.0

    def _install(self) -> Any:
        from kiotsync.tenants.models import HaravanInstallation

        return HaravanInstallation.objects.select_related("tenant").get(tenant_id=self.tenant_id)

    def _held(self) -> str:
        with self._lock:
            return self._token if self._token and self._clock() < self._until else ""

    def _load(self) -> str:
        from kiotsync.services.haravan_install import REFRESH_MARGIN, refresh_if_needed

        margin = REFRESH_MARGIN.total_seconds()
        install = self._install()
        if install.expires_within(margin):
            with self._renewing:
                install = self._install()
                if install.expires_within(margin):
                    refresh_if_needed(install.tenant)
                    install = self._install()
        token = str(install.access_token)
        keep = self.MEMORY_S
        if install.expires_at is not None:
            keep = min(keep, (install.expires_at - datetime.now(UTC)).total_seconds() - margin)
        with self._lock:
            self._token, self._until = token, self._clock() + max(0.0, keep)
        return token

    def access_token(self) -> str:
        token = self._held() or self._load()
        self._local.sent = token
        return token

    def refresh(self) -> bool:
        """Haravan rejected the token this thread sent: use a newer one, or renew it once."""
        from kiotsync.services.haravan_install import refresh_if_needed

        rejected = getattr(self._local, "sent", "")
        with self._renewing:
            with self._lock:
                if self._token == rejected:
                    self._token, self._until = "", 0.0
            install = self._install()
            if rejected and str(install.access_token) != rejected:
                return True  # already renewed (another thread or process): use that one
            return refresh_if_needed(install.tenant, force=True, rejected=rejected or None)


_lock = threading.Lock()
_current: Wiring | None = None


def get_wiring() -> Wiring:
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
