from django.apps import AppConfig


class StreamsConfig(AppConfig):
    """The last successful run of each flow per shop (app label ``sync``: its tables and
    migrations keep that name)."""

    name = "kiotsync.streams"
    label = "sync"
    verbose_name = "Đồng bộ"
