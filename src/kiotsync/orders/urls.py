"""Orders screen, mounted at ``/orders/`` (the nav tab looks for ``orders_list``)."""

from django.urls import path

from kiotsync.pages import ids  # noqa: F401  (registers <id:…>)

from . import views

urlpatterns = [
    path("", views.order_list, name="orders_list"),
    path("sync", views.resync_selected, name="orders_resync_selected"),
    path("import", views.import_orders, name="orders_import"),
    path("kv/<id:kv_order_id>", views.order_kv_detail, name="orders_kv_detail"),
    path("<id:hv_order_id>", views.order_detail, name="orders_detail"),
    path("link/<id:link_id>/sync", views.resync_one, name="orders_resync"),
]
