from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kiotsync.catalog"
    label = "catalog"
    verbose_name = "Sản phẩm & tồn kho"

    def ready(self) -> None:
        """Register the catalogue's webhook handlers, its jobs, its worker duty, and what it does
        when the settings are first saved (fill the product lists)."""
        from kiotsync.connections.branches import branches_changed
        from kiotsync.connections.switch import retailer_switched
        from kiotsync.connections.sync_settings import (
            changed,
            first_saved,
            location_changed,
            zero_location_asked,
        )
        from kiotsync.inbox.dispatch import HANDLERS
        from kiotsync.inbox.models import InboundEvent
        from kiotsync.workers.heartbeat import on_beat

        from . import handlers, jobs, usecases
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
        # Stock written again when what it is computed from changes outside a stock webhook:
        # pending order units (orders), branches, the Haravan location.
        usecases.STOCK_WAKE.use(jobs.flush_stock_task)
        branches_changed.connect(_branches_changed, dispatch_uid="catalog-branches")
        location_changed.connect(_location_changed, dispatch_uid="catalog-location")
        zero_location_asked.connect(_zero_location, dispatch_uid="catalog-zero-location")
        changed.connect(_settings_changed, dispatch_uid="catalog-settings-changed")
        retailer_switched.connect(retire_catalogue, dispatch_uid="catalog-retire")


def _fill_lists(sender: object, tenant: object, ports: object, **kwargs: object) -> None:
    from .usecases import start_mirror_refresh

    start_mirror_refresh(tenant, ports)  # type: ignore[arg-type]


def _branches_changed(sender: object, tenant: object, branch_ids: object, **kwargs: object) -> None:
    from .usecases import branches_changed

    branches_changed(tenant, branch_ids)  # type: ignore[arg-type]


def _location_changed(
    sender: object, tenant: object, old_location_id: object, ports: object, **kwargs: object
) -> int:
    from .usecases import location_switched

    return location_switched(tenant, old_location_id, ports)  # type: ignore[arg-type]


def _settings_changed(
    sender: object, tenant: object, before: object, after: object, ports: object, **kwargs: object
) -> None:
    from .usecases import settings_changed

    settings_changed(tenant, before, after, ports)  # type: ignore[arg-type]


def _zero_location(
    sender: object, tenant: object, location_id: object, ports: object, **kwargs: object
) -> tuple[int, str]:
    from .usecases import zero_location

    outcome = zero_location(tenant, location_id, ports)  # type: ignore[arg-type]
    return outcome.lines, outcome.error
