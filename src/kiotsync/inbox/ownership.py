"""Is a Haravan resource really this shop's? Asked before a webhook whose body does not name its
shop writes anything: the ``X-Haravan-Org-Id`` header is outside the signature, so a genuine
delivery of one shop re-sent with another shop's header must change nothing there.

Resource ids are global on Haravan (one sequence for every shop — an assumption, see
docs/fidelity-haravan.md), so an id KiotSync already holds for this shop is this shop's; any
other id is looked up through the shop's own token (a 404 means it is not this shop's).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from kiotsync.httpkit.errors import NotFoundError
from kiotsync.ports import Ports
from kiotsync.tenants.models import Tenant

log = logging.getLogger(__name__)

Kind = Literal["order", "product"]


def resource_id(payload: Any) -> int | None:
    raw = payload.get("id") if isinstance(payload, dict) else None
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def shop_has(tenant: Tenant, kind: Kind, rid: int, ports: Ports) -> bool:
    """Ask Haravan with the shop's own token whether ``rid`` exists in this shop."""
    client = ports.haravan(tenant)
    try:
        if kind == "order":
            client.get_order(rid)
        else:
            client.get_product(rid)
    except NotFoundError:
        log.warning("haravan webhook about %s %s, which this shop does not have: ignored", kind, rid)
        return False
    return True
