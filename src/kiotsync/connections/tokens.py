"""Platform tokens kept and renewed: the KiotViet token cached on the connection row, the
Haravan shop token renewed before it expires and when Haravan refuses it — never two renewals
at once (Haravan may rotate the refresh token, and a second renewal with a spent one would ask
the merchant to re-install for nothing)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kiotsync.haravan.oauth import HaravanOAuth, InstallRevokedError
from kiotsync.kiotviet.auth import CachedToken
from kiotsync.logs import tenant_context
from kiotsync.tenants.models import HaravanInstallation, KiotVietConnection, Tenant

log = logging.getLogger(__name__)

# Renew the Haravan token when less than this remains.
REFRESH_MARGIN = timedelta(hours=1)


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


class HaravanTokenProvider:
    """The shop token from the database, kept in memory for up to ``MEMORY_S`` (never past the
    point where it is due for renewal); renewed before it expires, and when Haravan rejects the
    one a request sent. One renewal at a time per provider, and across processes the
    installation row is locked (``refresh_if_needed``): a renewal someone else already made is
    used, never repeated with a spent refresh token."""

    MEMORY_S = 60.0

    def __init__(
        self, tenant_id: int, oauth: Callable[[], HaravanOAuth], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.tenant_id = tenant_id
        self._oauth = oauth
        self._clock = clock
        self._lock = threading.Lock()
        self._renewing = threading.Lock()
        self._local = threading.local()
        self._token = ""
        self._until = 0.0

    def _install(self) -> Any:
        return HaravanInstallation.objects.select_related("tenant").get(tenant_id=self.tenant_id)

    def _held(self) -> str:
        with self._lock:
            return self._token if self._token and self._clock() < self._until else ""

    def _load(self) -> str:
        margin = REFRESH_MARGIN.total_seconds()
        install = self._install()
        if install.expires_within(margin):
            with self._renewing:
                install = self._install()
                if install.expires_within(margin):
                    refresh_if_needed(install.tenant, self._oauth())
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
        rejected = getattr(self._local, "sent", "")
        with self._renewing:
            with self._lock:
                if self._token == rejected:
                    self._token, self._until = "", 0.0
            install = self._install()
            if rejected and str(install.access_token) != rejected:
                return True  # already renewed (another thread or process): use that one
            return refresh_if_needed(install.tenant, self._oauth(), force=True, rejected=rejected or None)


def refresh_if_needed(
    tenant: Tenant, oauth: HaravanOAuth, force: bool = False, rejected: str | None = None
) -> bool:
    """Renew the shop token before it expires (or now, with ``force``). Returns False when the
    shop must re-install.

    The installation row stays locked from the check to the save, so two workers (threads or
    processes) never both spend the same refresh token — Haravan may rotate it, and the loser's
    ``invalid_grant`` would wrongly ask the merchant to re-install. ``rejected``: the token
    Haravan refused; if the row already holds another one, someone renewed it meanwhile.
    """
    with transaction.atomic():
        install = HaravanInstallation.objects.select_for_update().filter(tenant=tenant).first()
        if install is None:
            return False
        if force and rejected is not None and install.access_token != rejected:
            return True
        if not force and not install.expires_within(REFRESH_MARGIN.total_seconds()):
            return True
        if not install.refresh_token:
            if install.expires_within(0):
                revoked = "access token expired and no refresh token"
            else:
                return True
        else:
            try:
                tokens = oauth.refresh(install.refresh_token)
                revoked = ""
            except InstallRevokedError as exc:
                revoked = str(exc)
        if not revoked:
            now = timezone.now()
            install.access_token = tokens.access_token
            if tokens.refresh_token:
                install.refresh_token = tokens.refresh_token
            install.expires_at = now + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None
            install.refreshed_at = now
            install.save()
    if revoked:
        mark_needs_reinstall(tenant, revoked)
        return False
    with tenant_context(tenant):
        log.info("haravan token refreshed")
    return True


def mark_needs_reinstall(tenant: Tenant, reason: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(
        status=Tenant.Status.NEEDS_REINSTALL, status_reason=reason[:500], updated_at=timezone.now()
    )
    tenant.status = Tenant.Status.NEEDS_REINSTALL
    with tenant_context(tenant):
        log.warning("haravan install revoked: needs re-install (%s)", reason)
