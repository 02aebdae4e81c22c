"""Loaded with ``-p tests.envsetup`` before Django settings are imported.

Gives the test run its own data dir and fixed platform URLs/credentials (the emulators are
wired in-process by fixtures). ``KIOTSYNC_DATABASE_URL`` / ``KIOTSYNC_QUEUE_URL`` from the
environment are respected, so CI runs the same suite on PostgreSQL + Redis.
"""

import os
import tempfile

_defaults = {
    "DJANGO_SETTINGS_MODULE": "kiotsync.settings",
    "KIOTSYNC_DATA_DIR": tempfile.mkdtemp(prefix="kiotsync-test-"),
    "KIOTSYNC_SECRET_KEY": "test-secret-key-not-for-production-0123456789",
    "KIOTSYNC_PUBLIC_URL": "http://testserver",
    "KIOTVIET_TOKEN_URL": "http://kiotviet.test/connect/token",
    "KIOTVIET_API_URL": "http://kiotviet.test",
    "HARAVAN_ACCOUNTS_URL": "http://haravan.test",
    "HARAVAN_API_URL": "http://haravan.test",
    "HARAVAN_WEBHOOK_URL": "http://haravan.test",
    "HARAVAN_CLIENT_ID": "0123456789abcdef0123456789abcdef",
    "HARAVAN_CLIENT_SECRET": "test-haravan-client-secret-5f3a9c",
    "HARAVAN_WEBHOOK_VERIFY_TOKEN": "test-verify-token",
}
for _key, _value in _defaults.items():
    os.environ.setdefault(_key, _value)
