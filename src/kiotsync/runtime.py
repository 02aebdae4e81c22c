"""Process start-up helpers shared by the CLI commands."""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger("kiotsync.worker")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiotsync.settings")
    import django

    django.setup()


def migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def wsgi_app() -> object:
    """The Django WSGI app with static files served (no separate web server needed)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    return StaticFilesHandler(get_wsgi_application())


def discover_tasks() -> int:
    """Import every installed app's ``tasks`` module, so the queue knows each task and periodic
    job by name (a task the process does not know is dequeued and dropped). Returns how many
    tasks are registered."""
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    return len(HUEY._registry._registry)


def run_worker(workers: int | None = None, periodic: bool = True) -> None:
    from django.conf import settings
    from huey.consumer import Consumer
    from huey.contrib.djhuey import HUEY

    from kiotsync.workers.heartbeat import Heartbeat

    tasks = discover_tasks()
    huey_settings: dict[str, Any] = settings.HUEY
    options: dict[str, Any] = dict(huey_settings.get("consumer", {}))
    if workers:
        options["workers"] = workers
    options.setdefault("worker_type", "thread")
    consumer = Consumer(HUEY, periodic=periodic, **options)
    log.info("worker starting: %d tasks registered, %s workers", tasks, options.get("workers"))
    heartbeat = Heartbeat("default", tasks).start()
    try:
        consumer.run()
    finally:
        heartbeat.stop()
