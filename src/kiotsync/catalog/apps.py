from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kiotsync.catalog"
    label = "catalog"
    verbose_name = "Sản phẩm & tồn kho"

    def ready(self) -> None:
        from kiotsync.workers.heartbeat import on_beat

        from .tasks import take_over_orphans

        on_beat(take_over_orphans)
