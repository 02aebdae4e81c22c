from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kiotsync.web"
    label = "web"
    verbose_name = "KiotSync"
