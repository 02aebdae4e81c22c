from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "kiotsync.inbox"
    label = "inbox"
    verbose_name = "Webhook"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the inbox jobs)
