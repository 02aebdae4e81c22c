"""Webhook endpoints. Thin: verification, storage and the answer live in services.inbound."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kiotsync.services import inbound
from kiotsync.wiring import get_wiring


@csrf_exempt
@require_http_methods(["GET", "POST"])
def haravan_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Registration handshake (digest §1.7): echo hub.challenge when the verify token matches.
        expected = get_wiring().config.haravan_webhook_verify_token
        token = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") == "subscribe" and expected and secrets.compare_digest(token, expected):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse("verify token mismatch", status=403, content_type="text/plain")
    receipt = inbound.receive_haravan(request.body, request.headers)
    return JsonResponse({"ok": receipt.status < 300, "stored": receipt.stored, "note": receipt.note}, status=receipt.status)


@csrf_exempt
@require_http_methods(["POST"])
def kiotviet_webhook(request: HttpRequest, public_id: str) -> HttpResponse:
    receipt = inbound.receive_kiotviet(str(public_id), request.body, request.headers)
    return JsonResponse({"ok": receipt.status < 300, "stored": receipt.stored, "note": receipt.note}, status=receipt.status)
