"""The reconciliation screen, mounted at ``/reconcile/``."""

from django.urls import path

from kiotsync.pages import ids  # noqa: F401  (registers <id:…>)

from . import views

urlpatterns = [
    path("", views.overview, name="reconcile"),
    path("run", views.run_now, name="reconcile_run"),
    path("drift/<id:drift_id>/fix", views.fix, name="reconcile_fix"),
]
