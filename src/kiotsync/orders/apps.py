from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "kiotsync.orders"
    label = "orders"
    verbose_name = "Đơn hàng"
