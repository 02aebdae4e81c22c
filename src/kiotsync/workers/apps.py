from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "kiotsync.workers"
    label = "workers"
    verbose_name = "Worker"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the queue probe)
