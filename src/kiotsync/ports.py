"""What the use cases need from outside, as the composition root (:mod:`kiotsync.wiring`) gives
it to them: platform clients per shop, the Haravan OAuth client, the queue, and configuration.

Views and job shells resolve the one :class:`~kiotsync.wiring.Wiring` and pass it down as
``ports``; use cases never look it up themselves, so a test hands them its own (emulators
in-process, zero retry delays…) and nothing is global below the shell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kiotsync.config import Config
    from kiotsync.haravan.client import HaravanClient
    from kiotsync.haravan.oauth import HaravanOAuth
    from kiotsync.kiotviet.auth import TokenCache
    from kiotsync.kiotviet.client import KiotVietClient
    from kiotsync.tenants.models import Tenant


class Queue(Protocol):
    def wake(self, job: str, *args: Any) -> None:
        """Run the job named ``job`` in a worker (inline when the queue is immediate)."""

    def wake_later(self, delay_s: float, job: str, *args: Any) -> None:
        """Run the job named ``job`` in about ``delay_s`` seconds."""

    def busy(self, lock: str) -> bool:
        """Whether a running job holds ``lock`` (a coalesced job need not be woken again)."""


class Ports(Protocol):
    @property
    def config(self) -> Config: ...

    @property
    def queue(self) -> Queue: ...

    @property
    def order_retry_delays(self) -> Sequence[float]:
        """Seconds before each automatic retry of an order push (then the merchant is asked)."""

    def kiotviet(self, tenant: Tenant) -> KiotVietClient: ...

    def kiotviet_for_credentials(
        self, retailer: str, client_id: str, client_secret: str, token_cache: TokenCache | None = None
    ) -> KiotVietClient: ...

    def haravan(self, tenant: Tenant) -> HaravanClient: ...

    def haravan_oauth(self) -> HaravanOAuth: ...
