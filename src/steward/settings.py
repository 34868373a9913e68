"""Steward settings. Every value that differs between installations is read from the
environment here, and only here.

STEWARD_ENV selects the posture:
  production (default)  DEBUG off, STEWARD_SECRET_KEY required, secure cookies.
  demo                  DEBUG on, a secret key generated once and kept in var/secret_key.
  test                  DEBUG off, a fixed key, fast password hashing.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
# var/ holds everything an installation writes: the SQLite database, uploads, the demo key.
VAR_DIR = Path(os.environ.get("STEWARD_VAR_DIR", Path.cwd() / "var")).resolve()

STEWARD_ENV = os.environ.get("STEWARD_ENV", "production")
if STEWARD_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"STEWARD_ENV must be production, demo or test, not {STEWARD_ENV!r}")
DEBUG = STEWARD_ENV == "demo" or os.environ.get("STEWARD_DEBUG") == "1"


def _secret_key() -> str:
    if key := os.environ.get("STEWARD_SECRET_KEY"):
        return key
    if STEWARD_ENV == "test":
        return "steward-test-key-not-secret"
    if STEWARD_ENV == "demo":
        path = VAR_DIR / "secret_key"
        if not path.exists():
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()
    raise ImproperlyConfigured(
        "Set STEWARD_SECRET_KEY in the environment (or STEWARD_ENV=demo for a local demo)."
    )


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("STEWARD_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("STEWARD_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "steward.core",
    "steward.interactions",
    "steward.workforce",
    "steward.quality",
    "steward.collaboration",
    "steward.improvement",
    "steward.vendors",
    "steward.contracts",
    "steward.sourcing",
    "steward.metrics",
    "steward.planning",
    "steward.training",
    "steward.integrations",
    "steward.reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "steward.core.middleware.RejectNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Background work (imports): the database backend, run by `steward db_worker`; tests run tasks
# immediately in-process.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if STEWARD_ENV == "test"
        else "django_tasks_db.DatabaseBackend"
    }
}

# API import batches carry up to 10,000 records in one JSON body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024

ROOT_URLCONF = "steward.urls"
WSGI_APPLICATION = "steward.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "steward.core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'steward.sqlite3'}"),
        conn_max_age=int(os.environ.get("STEWARD_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a background import writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "steward.core.auth.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("STEWARD_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("STEWARD_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("STEWARD_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
STEWARD_CURRENCY = os.environ.get("STEWARD_CURRENCY", "CNY")
# The anonymous feedback box shows counts per team only for groups at least this large.
STEWARD_FEEDBACK_MIN_GROUP_SIZE = int(os.environ.get("STEWARD_FEEDBACK_MIN_GROUP_SIZE", "5"))

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or STEWARD_ENV == "test"
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the apps' static folders when nobody ran collectstatic (demo, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security posture. Secure cookies and HSTS unless explicitly running on plain HTTP.
_HTTPS = STEWARD_ENV == "production" and os.environ.get("STEWARD_HTTPS", "1") == "1"
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag instead
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("STEWARD_HSTS_SECONDS", "31536000"))
    SECURE_SSL_REDIRECT = os.environ.get("STEWARD_SSL_REDIRECT", "0") == "1"

# Content security policy: everything from this origin, nothing inline, no third party.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STEWARD_LOG_LEVEL", "WARNING")},
}

# KPI results are cached per project rollup version (metrics.engine._memo), in the default cache:
# each process's memory, or the Redis server STEWARD_CACHE_URL names (redis://host:6379/1), which
# every web worker and server then shares — a result computed once serves them all. 0 turns the
# KPI cache off: the tests do, except those of the cache itself, so that each test reads the
# rollups it wrote.
if STEWARD_CACHE_URL := os.environ.get("STEWARD_CACHE_URL", ""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": STEWARD_CACHE_URL,
                          "KEY_PREFIX": "steward"}}
STEWARD_KPI_CACHE_SECONDS = int(os.environ.get("STEWARD_KPI_CACHE_SECONDS", "0" if STEWARD_ENV == "test" else "3600"))

if STEWARD_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
