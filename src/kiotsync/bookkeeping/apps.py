from django.apps import AppConfig


class BookkeepingConfig(AppConfig):
    """Sync bookkeeping: streams (the last successful run of each flow per shop) and write
    intents (app label ``sync``: its tables and migrations keep that name)."""

    name = "kiotsync.bookkeeping"
    label = "sync"
    verbose_name = "Đồng bộ"
