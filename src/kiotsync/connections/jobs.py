"""Connection upkeep (Huey): shop tokens renewed before they expire, webhook registrations
kept alive on both platforms. Each is a per-shop duty (:mod:`kiotsync.workers.duties`), spread
over its 15 minutes; the whole-fleet functions remain for tests and operators. Thin shells
over :mod:`.tokens` and :mod:`.registrations`; one shop's failure never stops the others."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from kiotsync.logs import tenant_context
from kiotsync.tenants.models import HaravanInstallation, Tenant
from kiotsync.wiring import JOBS, get_wiring
from kiotsync.workers import duties, lanes

from .registrations import check_tenant
from .tokens import refresh_if_needed

log = logging.getLogger(__name__)

REFRESH_TOKEN = "connections.refresh_token"
CHECK_REGISTRATIONS = "connections.check_registrations"
PERIOD_S = 900


def _installed_shops() -> list[int]:
    return list(
        HaravanInstallation.objects.filter(tenant__status=Tenant.Status.ACTIVE).values_list(
            "tenant_id", flat=True
        )
    )


def _active_shops() -> list[int]:
    return list(Tenant.objects.filter(status=Tenant.Status.ACTIVE).values_list("pk", flat=True))


def _refresh(tenant: Tenant) -> None:
    with tenant_context(tenant):
        try:
            refresh_if_needed(tenant, get_wiring().haravan_oauth())
        except Exception:  # one shop's failure must not stop the others
            log.exception("token refresh failed")


def _check(tenant: Tenant) -> None:
    wiring = get_wiring()
    try:
        check_tenant(tenant, wiring, wiring.handlers.haravan_topics())
    except Exception:  # one shop's failure must not stop the others
        with tenant_context(tenant):
            log.exception("webhook registration check failed")


@JOBS.register(REFRESH_TOKEN)
@db_task(priority=lanes.TOKENS)
def refresh_token_task(tenant_id: int) -> None:
    """Renew one shop's Haravan token if it expires within the refresh margin."""
    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).first()
    if tenant is not None:
        _refresh(tenant)


@JOBS.register(CHECK_REGISTRATIONS)
@db_task(priority=lanes.BACKSTOP)
def check_registrations_task(tenant_id: int) -> None:
    """Register again, on both platforms, one shop's webhooks that were switched off or lost."""
    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).first()
    if tenant is not None:
        _check(tenant)


duties.register("connections.refresh_token", PERIOD_S, REFRESH_TOKEN, _installed_shops)
duties.register("connections.check_registrations", PERIOD_S, CHECK_REGISTRATIONS, _active_shops)


def refresh_haravan_tokens() -> None:
    """Every shop's token at once."""
    for tenant in Tenant.objects.filter(pk__in=_installed_shops()):
        _refresh(tenant)


def check_webhook_registrations() -> None:
    """Every shop's registrations at once."""
    for tenant in Tenant.objects.filter(pk__in=_active_shops()):
        _check(tenant)
