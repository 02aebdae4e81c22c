from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kiotsync.catalog"
    label = "catalog"
    verbose_name = "Sản phẩm & tồn kho"
