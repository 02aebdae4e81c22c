"""Machinery shared by both emulators (no platform rules live here)."""

from .clock import Clock
from .faults import FaultInjector, FaultRule
from .http import ApiError, EmulatorApp, Request, Response, json_response, read_json
from .requestlog import RequestLog
from .server import ServerThread, serve_forever
from .webhooks import Delivery, WebhookDispatcher

__all__ = [
    "ApiError",
    "Clock",
    "Delivery",
    "EmulatorApp",
    "FaultInjector",
    "FaultRule",
    "Request",
    "RequestLog",
    "Response",
    "ServerThread",
    "WebhookDispatcher",
    "json_response",
    "read_json",
    "serve_forever",
]
