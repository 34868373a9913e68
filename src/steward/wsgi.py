"""WSGI entry point: `gunicorn steward.wsgi` (see docs/operations.md)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
application = get_wsgi_application()
# Import every view module (and SciPy, Polars, … behind them) now, not on the first request,
# which would otherwise wait seconds; with `gunicorn --preload` the workers share these pages.
get_resolver().url_patterns
