"""The connection's pages, mounted at the site root (the nav and the OAuth redirect URIs use
these names)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("install", views.install, name="install"),
    path("auth/callback", views.auth_callback, name="auth_callback"),
    path("auth/install/callback", views.install_callback, name="install_callback"),
    path("logout", views.logout, name="logout"),
    path("kiotviet/login", views.kiotviet_login, name="kiotviet_login"),
    path("settings", views.settings_view, name="settings"),
    path("settings/location-switch", views.location_switch, name="location_switch"),
    path("connection", views.connection, name="connection"),
    path("connection/disconnect", views.disconnect, name="disconnect"),
    path("connection/webhooks/check", views.check_webhooks, name="check_webhooks"),
]
