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


# Not preloaded: the platform emulators and benchmarks (not part of the app), the entry points.
_NOT_PRELOADED = ("kiotsync.emulators", "kiotsync.bench", "kiotsync.demo", "kiotsync.cli", "kiotsync.wsgi")


def preload_modules() -> int:
    """Import every module of the app now, in this one thread, before the web server's or the
    worker's threads start. Views and tasks import much of the app lazily; two threads importing
    the same package for the first time at once can each find it half-initialised ("ImportError:
    cannot import name 'ApiCaller' from partially initialized module 'kiotsync.httpkit.caller'"),
    which failed the first tasks a fresh worker took from a backlog. Returns how many modules."""
    import importlib
    import pkgutil

    import kiotsync

    count = 0

    def walk(path: list[str], prefix: str) -> None:
        nonlocal count
        for info in pkgutil.iter_modules(path, prefix):
            name = info.name
            if name.startswith(_NOT_PRELOADED) or name.rsplit(".", 1)[-1] in ("migrations", "tests"):
                continue
            try:
                module = importlib.import_module(name)
            except Exception:
                log.exception("preloading %s failed", name)
                continue
            count += 1
            if info.ispkg:
                walk(list(module.__path__), name + ".")

    walk(list(kiotsync.__path__), "kiotsync.")
    return count


def wsgi_app() -> object:
    """The Django WSGI app with static files served (no separate web server needed)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    app = StaticFilesHandler(get_wsgi_application())
    preload_modules()
    return app


def discover_tasks() -> int:
    """How many tasks the queue knows by name. Every app's ``AppConfig.ready()`` imports its
    ``jobs`` module (a task the process did not import would be dequeued and dropped)."""
    from huey.contrib.djhuey import HUEY

    return len(HUEY._registry._registry)


def run_worker(workers: int | None = None, periodic: bool = True) -> None:
    from django.conf import settings
    from huey.consumer import Consumer
    from huey.contrib.djhuey import HUEY

    from kiotsync.workers.heartbeat import Heartbeat

    tasks = discover_tasks()
    preload_modules()  # before the consumer's threads start (see there)
    huey_settings: dict[str, Any] = settings.HUEY
    options: dict[str, Any] = dict(huey_settings.get("consumer", {}))
    if workers:
        options["workers"] = workers
    options.setdefault("worker_type", "thread")
    from kiotsync.workers import slots

    slots.configure(int(options.get("workers") or 1))  # long jobs take at most half the threads
    consumer = Consumer(HUEY, periodic=periodic, **options)
    log.info("worker starting: %d tasks registered, %s workers", tasks, options.get("workers"))
    heartbeat = Heartbeat("default", tasks).start()
    try:
        consumer.run()
    finally:
        heartbeat.stop()
