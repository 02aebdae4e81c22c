"""What a rule needs to change one shop: the shop, the time, id allocation and event output.

``emit(topic, build)`` hands a lazily built webhook body to the emitter; the body is only
serialised when some app is subscribed to that topic for this shop (cheap bulk writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import HaravanConfig
from .store import Shop, World

Emitter = Callable[[Shop, str, Callable[[], dict[str, Any]]], None]


def _no_events(shop: Shop, topic: str, build: Callable[[], dict[str, Any]]) -> None:
    return None


@dataclass
class Ctx:
    world: World
    shop: Shop
    now_ms: int
    client_id: str | None = None  # the calling app; None for admin/control-plane actions
    emitter: Emitter = _no_events

    @property
    def config(self) -> HaravanConfig:
        return self.world.config

    def next_id(self, kind: str) -> int:
        return self.world.ids.next(kind)

    def emit(self, topic: str, build: Callable[[], dict[str, Any]]) -> None:
        self.emitter(self.shop, topic, build)
