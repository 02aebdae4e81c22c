from django.apps import AppConfig


class ReconcileConfig(AppConfig):
    name = "kiotsync.reconcile"
    label = "reconcile"
    verbose_name = "Đối soát"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the reconciliation jobs)
