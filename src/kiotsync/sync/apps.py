from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "kiotsync.sync"
    label = "sync"
    verbose_name = "Đồng bộ"
