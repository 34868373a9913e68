"""WSGI entry point: `gunicorn steward.wsgi` (see docs/operations.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
application = get_wsgi_application()
