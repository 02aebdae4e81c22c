"""Webhook endpoints. Thin: verification, storage and the answer live in :mod:`.receive`."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kiotsync.wiring import get_wiring

from . import receive as inbound

# Django refuses ``request.body`` past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) with a 400, and a 4xx
# makes KiotViet switch the registration off for good: a product with a long HTML description
# easily passes 2.5 MB. Webhook bodies are read from the stream up to this size instead.
MAX_WEBHOOK_BYTES = 32 * 1024 * 1024


def _raw_body(request: HttpRequest) -> bytes | None:
    """The body, or ``None`` when it is larger than :data:`MAX_WEBHOOK_BYTES`."""
    raw = request.read(MAX_WEBHOOK_BYTES + 1)
    return None if len(raw) > MAX_WEBHOOK_BYTES else raw


def _answer(receipt: inbound.Receipt) -> JsonResponse:
    return JsonResponse(
        {"ok": receipt.status < 300, "stored": receipt.stored, "note": receipt.note}, status=receipt.status
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def haravan_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Registration handshake (digest §1.7): echo hub.challenge when the verify token matches.
        expected = get_wiring().config.haravan_webhook_verify_token
        token = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and expected
            and secrets.compare_digest(token, expected)
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse("verify token mismatch", status=403, content_type="text/plain")
    raw = _raw_body(request)
    if raw is None:
        return _answer(inbound.Receipt(413, False, note="too large"))
    return _answer(inbound.receive_haravan(raw, request.headers, get_wiring()))


@csrf_exempt
@require_http_methods(["POST"])
def kiotviet_webhook(request: HttpRequest, public_id: str) -> HttpResponse:
    raw = _raw_body(request)
    if raw is None:
        return _answer(inbound.too_large_from_kiotviet(str(public_id)))
    return _answer(inbound.receive_kiotviet(str(public_id), raw, request.headers, get_wiring()))
