"""The real queue (SqliteHuey embedded, RedisHuey scaled out): a click writes a durable job row,
a worker process picks the task up from the queue storage and finishes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from kiotsync.catalog import usecases
from kiotsync.catalog.models import SyncJob
from kiotsync.tenants.models import Tenant
from kiotsync.wiring import get_wiring
from tests.catalog.test_sync import hv_skus
from tests.web.conftest import Platforms


@pytest.fixture
def real_queue() -> Iterator[object]:
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    HUEY.flush()
    stop = threading.Event()

    def worker() -> None:
        from django.db import close_old_connections

        while not stop.is_set():
            task = HUEY.dequeue()
            if task is None:
                time.sleep(0.05)
                continue
            try:
                HUEY.execute(task)
            finally:
                close_old_connections()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    yield HUEY
    stop.set()
    thread.join(10)
    HUEY.flush()


def test_queue_backend_matches_configuration() -> None:
    from huey import RedisHuey, SqliteHuey
    from huey.contrib.djhuey import HUEY

    expected = RedisHuey if settings.CONFIG.is_redis_queue else SqliteHuey
    assert isinstance(HUEY, expected)


def test_sync_now_runs_through_the_real_queue(shop: Platforms, client: Client, real_queue: object) -> None:
    resp = client.post("/products/kiotviet/sync")
    assert resp.status_code in (200, 302)
    job = SyncJob.objects.get(tenant=Tenant.objects.get())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (SyncJob.State.DONE, SyncJob.State.FAILED):
            break
        time.sleep(0.1)
    assert job.state == SyncJob.State.DONE, job.message
    assert len(hv_skus()) > 40


def test_a_job_survives_until_a_worker_comes(shop: Platforms) -> None:
    """Enqueued while no worker runs: the job row and the queued task wait durably."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    HUEY.flush()
    try:
        job = usecases.start_sync_now(Tenant.objects.get(), get_wiring())
        assert job.state == SyncJob.State.QUEUED
        assert HUEY.pending_count() == 1
        task = HUEY.dequeue()
        assert task is not None
        HUEY.execute(task)
        job.refresh_from_db()
        assert job.state == SyncJob.State.DONE, job.message
    finally:
        HUEY.flush()


def test_a_periodic_duty_runs_once_per_period_however_many_workers_schedule_it() -> None:
    """Each worker process schedules the periodic jobs; the first run of a period claims it in
    the queue's store and the others return (issue 11: shops were polled once per worker)."""
    from huey.contrib.djhuey import HUEY

    from kiotsync.workers.periodic import claim

    HUEY.immediate = False
    HUEY.flush()
    try:
        assert claim("orders_backstop", 60, now=1200.0)
        assert not claim("orders_backstop", 60, now=1230.0)  # a second worker, same minute
        assert claim("auto_sync_poll", 60, now=1230.0)  # another duty has its own slot
        assert claim("orders_backstop", 60, now=1260.0)  # the next minute
        assert HUEY.get("kiotsync:periodic:orders_backstop:20", peek=True) is None  # old slot dropped
    finally:
        HUEY.flush()


def test_per_shop_duties_are_spread_over_their_period() -> None:
    """1,000 shops with a 15-minute duty: about 67 a minute, none of the minutes crowded."""
    from collections import Counter
    from datetime import UTC, datetime

    from kiotsync.workers.duties import DutySpec, first_due, phase_s

    spec = DutySpec("connections.check_registrations", 900, "job", list)
    per_minute = Counter(phase_s(tenant_id, spec.name, 900) // 60 for tenant_id in range(1, 1001))
    assert len(per_minute) == 15 and max(per_minute.values()) < 100 and min(per_minute.values()) > 40
    now = datetime(2026, 12, 2, 12, 0, 7, tzinfo=UTC)
    for tenant_id in range(1, 50):
        due = first_due(tenant_id, spec, now)
        assert 0 <= (due - now).total_seconds() < 900
        assert int(due.timestamp()) % 900 == phase_s(tenant_id, spec.name, 900)


def test_an_order_queued_behind_catalogue_work_is_taken_first() -> None:
    """Lanes (workers/lanes.py): on both queues (SqliteHuey, PriorityRedisHuey) the most urgent
    waiting task is dequeued first — an order, then a webhook, stock, … catalogue jobs last."""
    from huey.contrib.djhuey import HUEY

    from kiotsync.catalog.jobs import flush_stock_task, run_job_task
    from kiotsync.inbox.jobs import process_inbound
    from kiotsync.orders.jobs import sync_order

    HUEY.immediate = False
    HUEY.flush()
    try:
        for job_id in range(5):
            run_job_task(job_id)  # a morning of Sync now
        flush_stock_task(7)
        process_inbound(8)
        sync_order(9)
        taken = []
        while (task := HUEY.dequeue()) is not None:
            taken.append(task.name.rsplit(".", 1)[-1])
        assert taken[:3] == ["sync_order", "process_inbound", "flush_stock_task"], taken
        assert taken[3:] == ["run_job_task"] * 5
    finally:
        HUEY.flush()
        HUEY.immediate = True


def test_long_jobs_leave_half_the_threads_to_urgent_work() -> None:
    """A worker runs at most half its threads' worth of long jobs (Sync now, transfers, past
    orders); one more is put back in the queue a few seconds later and its thread is free."""
    from huey.contrib.djhuey import HUEY

    from kiotsync.catalog.jobs import run_job_task
    from kiotsync.workers import slots

    HUEY.immediate = False
    HUEY.flush()
    slots.configure(2)
    try:
        with slots.long_job_slot() as got:
            assert got and slots.capacity() == 1
            run_job_task.call_local(424242)  # a second long job in this process: no slot
            (task,) = HUEY.pending()  # put back, due a few seconds from now
            assert task.args == (424242,) and task.eta is not None
            ran: list[int] = []
            assert not slots.run_or_requeue(lambda: ran.append(1), lambda delay: None) and ran == []
        assert slots.run_or_requeue(lambda: ran.append(1), lambda delay: None) and ran == [1]
    finally:
        slots.configure(4)
        HUEY.flush()
        HUEY.immediate = True
