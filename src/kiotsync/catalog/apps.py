from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kiotsync.catalog"
    label = "catalog"
    verbose_name = "Sản phẩm & tồn kho"

    def ready(self) -> None:
        """Register the catalogue's webhook handlers, its jobs, its worker duty, and what it does
        when the settings are first saved (fill the product lists)."""
        from kiotsync.connections.switch import retailer_switched
        from kiotsync.connections.sync_settings import first_saved
        from kiotsync.inbox.dispatch import HANDLERS
        from kiotsync.inbox.models import InboundEvent
        from kiotsync.workers.heartbeat import on_beat

        from . import handlers, jobs
        from .retire import retire_catalogue

        HANDLERS.register(
            InboundEvent.Platform.KIOTVIET, handlers.KIOTVIET_TOPICS, handlers.kiotviet_catalogue
        )
        HANDLERS.register(
            InboundEvent.Platform.HARAVAN, handlers.HARAVAN_PRODUCT_TOPICS, handlers.haravan_product
        )
        HANDLERS.register(
            InboundEvent.Platform.HARAVAN, handlers.HARAVAN_DELETE_TOPICS, handlers.haravan_product_deleted
        )
        HANDLERS.register(
            InboundEvent.Platform.KIOTVIET, handlers.PRICE_BOOK_TOPICS, handlers.kiotviet_price_book
        )
        on_beat(jobs.take_over_orphans)
        first_saved.connect(_fill_lists, dispatch_uid="catalog-fill-lists")
        retailer_switched.connect(retire_catalogue, dispatch_uid="catalog-retire")


def _fill_lists(sender: object, tenant: object, ports: object, **kwargs: object) -> None:
    from .usecases import start_mirror_refresh

    start_mirror_refresh(tenant, ports)  # type: ignore[arg-type]
