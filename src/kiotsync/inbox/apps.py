from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "kiotsync.inbox"
    label = "inbox"
    verbose_name = "Webhook"
