from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "kiotsync.metrics"
    label = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from kiotsync.workers.heartbeat import on_beat

        from .store import flush_on_beat

        # Each worker adds its platform calls' counts to the table on every heartbeat (10 s).
        on_beat(flush_on_beat)
