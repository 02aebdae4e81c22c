"""Operators' view of tenants and connections: read-mostly, and never a secret."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import HaravanInstallation, KiotVietConnection, KiotVietWebhook, SyncSettings, Tenant


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        editable = set(getattr(self, "editable_fields", ()))
        return [f.name for f in self.model._meta.fields if f.name not in editable]


class KiotVietInline(admin.StackedInline):
    model = KiotVietConnection
    fields = ("retailer", "retailer_id", "client_id", "connected_at", "webhooks_error")
    readonly_fields = fields
    can_delete = False
    extra = 0


class HaravanInline(admin.StackedInline):
    model = HaravanInstallation
    fields = (
        "owner_email",
        "scopes",
        "expires_at",
        "refreshed_at",
        "webhooks_subscribed_at",
        "webhooks_error",
    )
    readonly_fields = fields
    can_delete = False
    extra = 0


@admin.register(Tenant)
class TenantAdmin(ReadOnlyAdmin):
    list_display = ("orgid", "name", "status", "installed_at", "uninstalled_at")
    list_filter = ("status",)
    search_fields = ("orgid", "name", "orgsub")
    editable_fields = ("status", "status_reason")
    inlines = (HaravanInline, KiotVietInline)


@admin.register(KiotVietConnection)
class KiotVietConnectionAdmin(ReadOnlyAdmin):
    list_display = ("retailer", "tenant", "client_id", "connected_at")
    search_fields = ("retailer", "tenant__orgid")
    # Secrets and tokens are not listed at all: not even masked.
    exclude = ("client_secret", "webhook_secret", "access_token")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        hidden = set(self.exclude or ())
        return [f.name for f in self.model._meta.fields if f.name not in hidden]


@admin.register(KiotVietWebhook)
class KiotVietWebhookAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "type", "kiotviet_id", "is_active", "created_at")
    list_filter = ("type", "is_active")


@admin.register(SyncSettings)
class SyncSettingsAdmin(ReadOnlyAdmin):
    list_display = ("tenant", "order_side", "stock_mode", "auto_sync_enabled", "configured_at")
