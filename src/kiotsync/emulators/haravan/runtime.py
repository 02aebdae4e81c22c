"""What one running Haravan emulator holds besides its HTTP layer.

The :class:`~.store.World` (every shop, app, user and token; replaced wholesale on reset), the
accounts server's signing key, the per shop+app call buckets, the clock, and the webhook
dispatcher with the hub that turns rule events into deliveries. The HTTP modules
(``http_accounts``, ``http_com``, ``control``, the admin pages) are each given this object.
"""

from __future__ import annotations

from ..common import Clock
from .config import HaravanConfig
from .keys import SigningKey
from .ratelimit import LeakyBuckets
from .store import World
from .webhooks import HaravanDispatcher, WebhookHub


class Runtime:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.world = World(HaravanConfig())
        self.key = SigningKey()
        self.buckets = LeakyBuckets()
        self.dispatcher = HaravanDispatcher(clock)
        self.hub = WebhookHub(lambda: self.world, self.dispatcher, clock)

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)

    def reset(self) -> None:
        """A new, empty world with the same config; buckets emptied."""
        self.world = World(self.world.config)
        self.buckets.clear()
