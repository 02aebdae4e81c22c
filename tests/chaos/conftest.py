"""Chaos runs: the clients' in-call back-off is zero (the settle step moves every clock instead)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiotsync.httpkit.retry import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng=None: 0.0)
