"""Shared pytest configuration. Fixtures for each area live in that area's conftest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _huey_immediate() -> Iterator[None]:
    """Jobs run inline where they are enqueued (tests that need a real queue and consumer turn
    this off themselves)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


# The app-level fixtures (emulators in-process, wired into the app) serve every test directory.
from tests.catalog.shop import shop  # noqa: E402, F401
from tests.web.conftest import connected, installed, platforms  # noqa: E402, F401
