from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from .models import InboundEvent

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[InboundEvent]
else:
    _Admin = admin.ModelAdmin  # not subscriptable at run time


@admin.register(InboundEvent)
class InboundEventAdmin(_Admin):
    list_display = ("received_at", "tenant", "platform", "topic", "state", "attempts")
    list_filter = ("platform", "state", "topic")
    search_fields = ("tenant__orgid", "delivery_key")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.fields]
