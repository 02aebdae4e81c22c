"""The KiotViet GET budget, shared by every process and spent in priority order (issue 11)."""

from __future__ import annotations

import pytest

from kiotsync.bookkeeping.budget import SharedWindowBudget
from kiotsync.httpkit.pacing import urgent_calls

pytestmark = pytest.mark.django_db(transaction=True)


class Waited(Exception):
    pass


def _budgets(clock: list[float]) -> tuple[SharedWindowBudget, SharedWindowBudget]:
    def sleep(seconds: float) -> None:
        raise Waited(seconds)

    def two() -> SharedWindowBudget:  # as two worker processes would build them
        return SharedWindowBudget("kiotviet:shop", 10, reserve=0.2, clock=lambda: clock[0], sleep=sleep)

    return two(), two()


def test_processes_share_one_budget_and_orders_keep_a_reserve() -> None:
    clock = [1_800_000_000.0]
    a, b = _budgets(clock)
    for i in range(8):
        (a if i % 2 else b).acquire()  # polls and catalogue reads, from both processes
        clock[0] += 1
    assert a.used() == b.used() == 8
    with pytest.raises(Waited):
        a.acquire()  # the rest is the orders' reserve
    with urgent_calls():
        b.acquire()
        a.acquire()
        with pytest.raises(Waited) as waited:
            b.acquire()  # the whole budget is spent
    assert 1 <= waited.value.args[0] <= 60
    clock[0] += 3600  # an hour later the window is empty again
    a.acquire()
    assert a.used() == 1


def test_the_shops_clients_spend_from_the_shared_budget(connected: object) -> None:
    from kiotsync.tenants.models import Tenant
    from kiotsync.wiring import get_wiring

    tenant = Tenant.objects.get()
    kv = get_wiring().kiotviet(tenant)
    budget = kv.get_budget
    assert isinstance(budget, SharedWindowBudget)
    before = budget.used()
    kv.list_branches()
    fresh = SharedWindowBudget(budget.key, 5000)  # what another process reads
    assert fresh.used() == before + 1
