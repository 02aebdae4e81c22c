from django.contrib import admin
from django.urls import include, path

from . import health, views, webhook_views

urlpatterns = [
    path("", views.home, name="home"),
    path("install", views.install, name="install"),
    path("auth/callback", views.auth_callback, name="auth_callback"),
    path("auth/install/callback", views.install_callback, name="install_callback"),
    path("logout", views.logout, name="logout"),
    path("kiotviet/login", views.kiotviet_login, name="kiotviet_login"),
    path("settings", views.settings_view, name="settings"),
    path("connection", views.connection, name="connection"),
    path("connection/disconnect", views.disconnect, name="disconnect"),
    path("connection/webhooks/check", views.check_webhooks, name="check_webhooks"),
    path("webhooks/haravan", webhook_views.haravan_webhook, name="haravan_webhook"),
    path("webhooks/kiotviet/<uuid:public_id>", webhook_views.kiotviet_webhook, name="kiotviet_webhook"),
    path("healthz", health.healthz, name="healthz"),
    path("products/", include("kiotsync.catalog.urls")),
    path("orders/", include("kiotsync.orders.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
