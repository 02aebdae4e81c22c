"""The webhook pipeline's jobs (Huey): handle a stored event, and hand out again the events
whose wake-up or worker was lost. Thin shells over :mod:`.dispatch`."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kiotsync.wiring import JOBS, get_wiring
from kiotsync.workers import lanes
from kiotsync.workers.periodic import single

from . import dispatch


@JOBS.register(dispatch.PROCESS_JOB)
@db_task(retries=5, retry_delay=10, priority=lanes.WEBHOOKS)  # type: ignore[untyped-decorator]
def process_inbound(event_id: int) -> None:
    wiring = get_wiring()
    dispatch.process_event(event_id, wiring, wiring.handlers)


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
@single("redeliver_pending_events", 60)
def redeliver_pending_events() -> None:
    """Backstop: pick up inbox rows whose wake-up was lost (process died before enqueue)."""
    dispatch.requeue_stale_events(get_wiring().queue)
