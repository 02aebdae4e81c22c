"""Fixtures for the client contract suite.

Every contract test runs twice: against the emulator in-process (``httpx.WSGITransport``)
and over a real socket (``ServerThread``), through the ``mode`` fixture parameter. Clients
get a recorded, instant ``sleep`` so back-off and pacing are observable without waiting
(tests that measure real pacing pass ``time.sleep`` explicitly).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from kiotsync.haravan.pacing import SHOP_PACERS
from kiotsync.kiotviet.client import GET_BUDGETS

from .harness import EmulatorHandle

MODES = ("inprocess", "socket")


def _create_app(platform: str) -> Any:
    try:
        module = importlib.import_module(f"kiotsync.emulators.{platform}")
        create_app = module.create_app
    except (ImportError, AttributeError):
        pytest.skip(f"the {platform} emulator is not available yet")
    return create_app()


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    if request.param == "socket":
        request.applymarker(pytest.mark.socket)
    return str(request.param)


@pytest.fixture(autouse=True)
def _fresh_shared_pacers() -> Iterator[None]:
    """Process-wide pacers must not leak budgets between tests."""
    GET_BUDGETS.clear()
    SHOP_PACERS.clear()
    yield
    GET_BUDGETS.clear()
    SHOP_PACERS.clear()


@pytest.fixture
def kv(mode: str) -> Iterator[EmulatorHandle]:
    handle = EmulatorHandle(_create_app("kiotviet"), mode, "kiotviet.test")
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def hv(mode: str) -> Iterator[EmulatorHandle]:
    handle = EmulatorHandle(_create_app("haravan"), mode, "haravan.test")
    try:
        yield handle
    finally:
        handle.close()


class SleepRecorder:
    """An instant ``sleep`` that remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()
