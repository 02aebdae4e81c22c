from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "kiotsync.workers"
    label = "workers"
    verbose_name = "Worker"
