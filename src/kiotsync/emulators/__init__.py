"""Stateful emulators of the KiotViet and Haravan APIs.

They import nothing from the rest of ``kiotsync`` (checked by a test), so the app and its
clients cannot agree with them by construction. ``common`` holds the machinery both share:
scaled clock, fault injection, request log, outgoing webhook delivery and the HTTP shell.
"""
