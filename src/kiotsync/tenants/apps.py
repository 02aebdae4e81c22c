from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "kiotsync.tenants"
    label = "tenants"
    verbose_name = "Cửa hàng"
