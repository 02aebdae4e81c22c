"""Process start-up helpers shared by the CLI commands."""

from __future__ import annotations

import os
from typing import Any


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


def run_worker(workers: int | None = None, periodic: bool = True) -> None:
    from django.conf import settings
    from huey.consumer import Consumer
    from huey.contrib.djhuey import HUEY

    huey_settings: dict[str, Any] = settings.HUEY
    options: dict[str, Any] = dict(huey_settings.get("consumer", {}))
    if workers:
        options["workers"] = workers
    options.setdefault("worker_type", "thread")
    consumer = Consumer(HUEY, periodic=periodic, **options)
    consumer.run()
