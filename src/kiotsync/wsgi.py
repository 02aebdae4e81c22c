"""WSGI entry point for ``kiotsync serve`` and any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiotsync.settings")
application = get_wsgi_application()
