"""The URL root: each part mounts its own pages."""

from django.contrib import admin
from django.urls import include, path

from kiotsync.metrics import views as metrics

from . import health

urlpatterns = [
    path("", include("kiotsync.connections.urls")),
    path("webhooks/", include("kiotsync.inbox.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("products/", include("kiotsync.catalog.urls")),
    path("orders/", include("kiotsync.orders.urls")),
    path("reconcile/", include("kiotsync.reconcile.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
