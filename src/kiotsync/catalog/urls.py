"""Product screens, mounted at ``/products/`` (the nav tabs look for the two list names)."""

from django.urls import path

from kiotsync.pages import ids  # noqa: F401  (registers <id:…>)

from . import views

urlpatterns = [
    path("kiotviet", views.kiotviet_list, name="catalog_kiotviet"),
    path("kiotviet/sync", views.sync_now, name="catalog_sync_now"),
    path("kiotviet/auto-sync", views.auto_sync, name="catalog_auto_sync"),
    path("kiotviet/<id:kv_id>", views.kiotviet_detail, name="catalog_kv_detail"),
    path("kiotviet/<id:kv_id>/opt-out", views.opt_out, name="catalog_opt_out"),
    path("kiotviet/<id:kv_id>/resync", views.resync, name="catalog_resync"),
    path("haravan", views.haravan_list, name="catalog_haravan"),
    path("haravan/transfer", views.transfer_all, name="catalog_transfer_all"),
    path("haravan/transfer/confirm", views.transfer_confirm, name="catalog_transfer_confirm"),
    path("haravan/<id:hv_product_id>", views.haravan_detail, name="catalog_hv_detail"),
    path("jobs/<str:kind>", views.job_panel, name="catalog_job"),
]
