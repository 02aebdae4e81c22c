"""Webhook endpoints, mounted at ``/webhooks/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("haravan", views.haravan_webhook, name="haravan_webhook"),
    path("kiotviet/<uuid:public_id>", views.kiotviet_webhook, name="kiotviet_webhook"),
]
