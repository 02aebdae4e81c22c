"""Chaos runs: the clients' in-call back-off is zero and the stock flush does not wait to gather
more rows (the settle step moves every clock instead; jobs run inline, so waiting is only time)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiotsync.catalog import usecases
    from kiotsync.httpkit.retry import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng=None: 0.0)
    monkeypatch.setattr(usecases, "GATHER_S", 0.0)
