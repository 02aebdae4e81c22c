from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    """Install, KiotViet connection, tokens, settings, branches, webhook registrations (no
    models of its own: they are the tenant's, in :mod:`kiotsync.tenants`)."""

    name = "kiotsync.connections"
    label = "connections"
    verbose_name = "Kết nối"

    def ready(self) -> None:
        from kiotsync.inbox.dispatch import HANDLERS, UNINSTALL_TOPICS
        from kiotsync.inbox.models import InboundEvent

        from . import jobs  # noqa: F401  (registers the connection jobs)
        from .handlers import on_app_uninstalled

        HANDLERS.register(InboundEvent.Platform.HARAVAN, UNINSTALL_TOPICS, on_app_uninstalled)
