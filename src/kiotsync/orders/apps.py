from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "kiotsync.orders"
    label = "orders"
    verbose_name = "Đơn hàng"

    def ready(self) -> None:
        """Register the orders' webhook handlers and jobs."""
        from kiotsync.connections.switch import retailer_switched
        from kiotsync.inbox.dispatch import HANDLERS
        from kiotsync.inbox.models import InboundEvent

        from . import handlers, jobs  # noqa: F401  (jobs: registers the order jobs)
        from .retire import retire_orders

        HANDLERS.register(InboundEvent.Platform.HARAVAN, handlers.HARAVAN_TOPICS, handlers.on_haravan_order)
        HANDLERS.register(InboundEvent.Platform.KIOTVIET, handlers.KIOTVIET_TOPICS, handlers.on_kiotviet_sale)
        retailer_switched.connect(retire_orders, dispatch_uid="orders-retire")
        from . import pending  # noqa: F401  (provides the catalogue's pending units, wakes their stock writes)
