"""Django settings for the planwatch web service; deployments change them through environment."""

from __future__ import annotations

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

WEB_DIR = Path(__file__).resolve().parent
REPOSITORY = WEB_DIR.parents[2]
DATA_DIR = Path(os.environ.get("PLANWATCH_DATA_DIR", Path.cwd() / "data")).resolve()
# GOV.UK Frontend's compiled assets: built into an installed wheel (setup.py), else from the
# checkout's node_modules (an editable install), or from PLANWATCH_NODE_MODULES when set.
VENDORED_GOVUK = WEB_DIR / "vendor" / "govuk"
NODE_MODULES = Path(os.environ.get("PLANWATCH_NODE_MODULES", REPOSITORY / "node_modules"))
GOVUK_FRONTEND = (
    VENDORED_GOVUK
    if VENDORED_GOVUK.exists() and "PLANWATCH_NODE_MODULES" not in os.environ
    else NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
)


def _secret_key() -> str:
    """From the environment, else one made once and kept in the data folder."""
    if os.environ.get("PLANWATCH_SECRET_KEY"):
        return os.environ["PLANWATCH_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


SECRET_KEY = _secret_key()
DEBUG = _flag("PLANWATCH_DEBUG")
ALLOWED_HOSTS = os.environ.get("PLANWATCH_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("PLANWATCH_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

# Published plans are public documents: a deployment may let visitors who are not signed in
# read submitted plans and their progress. Off by default.
PLANWATCH_PUBLIC_READ = _flag("PLANWATCH_PUBLIC_READ")
# Uploads: plans and evidence files.
PLANWATCH_MAX_UPLOAD_BYTES = int(os.environ.get("PLANWATCH_MAX_UPLOAD_BYTES", 25_000_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5_000_000

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_prometheus",
    "ninja",
    "simple_history",
    "planwatch.web.access",
    "planwatch.web.plans",
]

MIDDLEWARE = [
    # First and last: django-prometheus times each request and counts its answer.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "planwatch.web.ops.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # An ETag on every answer and 304 for a matching If-None-Match: API clients re-read
    # cheaply (pages differ on each request by their form token and script nonce).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view (and CSRF's check) reads the body; after sign-in, to show the page.
    "planwatch.web.access.middleware.RequestSizeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # What the public reads, answered from what this process kept while the data is the same.
    "planwatch.web.caching.PublicPages",
    "planwatch.web.access.middleware.PermissionDeniedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "planwatch.web.urls"
WSGI_APPLICATION = "planwatch.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [WEB_DIR / "templates", WEB_DIR.parent / "writers" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "planwatch.web.jinja.environment",
            "context_processors": ["planwatch.web.jinja.csp_nonce"],
        },
    },
    {
        # Django's admin, for administrators, keeps its own templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

# The data folder holds the SQLite database and the files: made on first use, so that any
# command works on a new install (not only `serve`, which makes the secret key there).
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'planwatch.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _flag(
    "PLANWATCH_PG_PREPARED", True
):
    # Server-side binding lets psycopg prepare the statements a page runs again and again,
    # so PostgreSQL plans them once per connection.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue rather than fail: transactions take the write lock when they begin, wait
    # up to 20 s for it, and readers never block writers (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes counts failed sign-ins (the sign-in page and the admin's) and refuses
    # further attempts for a while after too many.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("PLANWATCH_SIGN_IN_ATTEMPTS", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("PLANWATCH_LOCKOUT_MINUTES", 15)))
# Counted per username, wherever the attempts come from: guessing one person's password from
# many addresses is refused as well.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that a lock by username alone can be dodged by changing user agent: not so for
# this configuration, which ignores the user agent; locking by address as well would lock a
# whole prison's staff, who share one address, out after five mistakes.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "planwatch.web.access.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PLANWATCH_PROXY_COUNT", 0)) or None
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# GOV.UK Frontend's stylesheet asks for its fonts and images under /assets/.
STATIC_URL = "/assets/"
# Collected by `planwatch serve` as it starts, unless collected beforehand (a container image
# collects them when it is built: PLANWATCH_STATIC_ROOT and PLANWATCH_COLLECT_STATIC=off).
STATIC_ROOT = Path(os.environ.get("PLANWATCH_STATIC_ROOT", DATA_DIR / "static"))
PLANWATCH_COLLECT_STATIC = _flag("PLANWATCH_COLLECT_STATIC", True)
STATICFILES_DIRS = [
    WEB_DIR / "static",
    GOVUK_FRONTEND / "assets",
    ("govuk", GOVUK_FRONTEND),
]
# Evidence and imported plan files: in the data folder by default; in an S3-compatible object
# store (AWS S3, MinIO, …) when PLANWATCH_S3_BUCKET is set, so that several web servers and
# workers share them.
PLANWATCH_S3_BUCKET = os.environ.get("PLANWATCH_S3_BUCKET", "")
FILE_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if PLANWATCH_S3_BUCKET:
    FILE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PLANWATCH_S3_BUCKET,
            "endpoint_url": os.environ.get("PLANWATCH_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("PLANWATCH_S3_REGION") or None,
            "access_key": os.environ.get("PLANWATCH_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("PLANWATCH_S3_SECRET_ACCESS_KEY") or None,
            # Files are private, served only through the service's permission checks; a
            # name already taken gets a new name rather than replacing the file.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": FILE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "files"

EMAIL_BACKEND = os.environ.get(
    "PLANWATCH_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("PLANWATCH_FROM_EMAIL", "planwatch@localhost")
EMAIL_HOST = os.environ.get("PLANWATCH_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PLANWATCH_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("PLANWATCH_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PLANWATCH_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _flag("PLANWATCH_EMAIL_TLS")
PLANWATCH_NOTIFY_API_KEY = os.environ.get("PLANWATCH_NOTIFY_API_KEY", "")
PLANWATCH_NOTIFY_TEMPLATE_ID = os.environ.get("PLANWATCH_NOTIFY_TEMPLATE_ID", "")
PLANWATCH_NOTIFY_BASE_URL = os.environ.get(
    "PLANWATCH_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
)
# Links in reminders point here.
PLANWATCH_BASE_URL = os.environ.get("PLANWATCH_BASE_URL", "http://127.0.0.1:8000")
# Served over HTTPS (PLANWATCH_HTTPS, or the older PLANWATCH_SECURE_COOKIES): cookies only
# over HTTPS, HTTP redirected, and browsers told to use HTTPS for a year (HSTS). Behind a
# proxy that ends TLS, PLANWATCH_BEHIND_PROXY trusts its X-Forwarded-Proto header, without
# which Django would see every request as plain HTTP and send no HSTS.
HTTPS = _flag("PLANWATCH_HTTPS") or _flag("PLANWATCH_SECURE_COOKIES")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
if _flag("PLANWATCH_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline script but GOV.UK's one-line "js-enabled" script, allowed by its nonce; styles,
# fonts and images from this site only; no plugins, no framing, forms post here only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Features of the browser the service never uses.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
# One request's body, evidence files and all, is refused before it is read when it is larger
# than this (the evidence limit of 25 MB, with room for the form around it).
PLANWATCH_MAX_REQUEST_BYTES = int(
    os.environ.get("PLANWATCH_MAX_REQUEST_BYTES", PLANWATCH_MAX_UPLOAD_BYTES + 1_000_000)
)
DATA_UPLOAD_MAX_NUMBER_FILES = 20
CSRF_FAILURE_VIEW = "planwatch.web.plans.views.errors.csrf_failure"

# Logs go to standard error, one line each: text by default, JSON objects with
# PLANWATCH_LOG_FORMAT=json (for a log collector). Each request is one line from
# planwatch.requests: method, path, status, time taken, user id; no query strings, no names.
LOG_FORMAT = "json" if os.environ.get("PLANWATCH_LOG_FORMAT", "").lower() == "json" else "text"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"planwatch.requests": {"level": os.environ.get("PLANWATCH_REQUEST_LOG", "INFO")}},
}
# /metrics answers requests bearing this token (Authorization: Bearer ...); without one, only
# requests from this machine.
PLANWATCH_METRICS_TOKEN = os.environ.get("PLANWATCH_METRICS_TOKEN", "")

# Single sign-on with OpenID Connect (mozilla-django-oidc; planwatch.web.access.oidc): on when
# a client id and the provider's issuer (its endpoints then come from its discovery document)
# or its endpoints are set. People are matched to accounts by verified email, or given a new
# account with no role. PLANWATCH_LOCAL_SIGN_IN=off refuses usernames and passwords.
PLANWATCH_LOCAL_SIGN_IN = _flag("PLANWATCH_LOCAL_SIGN_IN", True)
PLANWATCH_OIDC_PROVIDER_NAME = os.environ.get("PLANWATCH_OIDC_PROVIDER_NAME", "your organisation")
PLANWATCH_OIDC_ISSUER = os.environ.get("PLANWATCH_OIDC_ISSUER", "").rstrip("/")
PLANWATCH_OIDC_ENDPOINTS = {
    key: os.environ.get(f"PLANWATCH_OIDC_{key.upper()}", "")
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    )
}
PLANWATCH_OIDC_CLIENT_ID = os.environ.get("PLANWATCH_OIDC_CLIENT_ID", "")
PLANWATCH_OIDC_CLIENT_SECRET = os.environ.get("PLANWATCH_OIDC_CLIENT_SECRET", "")
PLANWATCH_OIDC_SCOPES = os.environ.get("PLANWATCH_OIDC_SCOPES", "openid email profile")
PLANWATCH_OIDC_SIGN_ALGO = os.environ.get("PLANWATCH_OIDC_SIGN_ALGO", "RS256")
# Off for providers that never send email_verified (an organisation's own directory, such as
# Microsoft Entra ID): then only an email the provider says is unverified is refused.
PLANWATCH_OIDC_REQUIRE_VERIFIED_EMAIL = _flag("PLANWATCH_OIDC_REQUIRE_VERIFIED_EMAIL", True)
AUTHENTICATION_BACKENDS.append("planwatch.web.access.oidc.SingleSignOnBackend")
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # sent back to the provider's end-session endpoint on sign-out
OIDC_TIMEOUT = 10
# Signing out posts a form whose answer sends the browser on to the provider: browsers apply
# the form-action policy to that redirect, so the provider's own addresses are allowed too.
_form_action = CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]
assert isinstance(_form_action, list)
_form_action += sorted(
    {
        "/".join(address.split("/")[:3])
        for address in (PLANWATCH_OIDC_ISSUER, PLANWATCH_OIDC_ENDPOINTS["end_session_endpoint"])
        if address.startswith(("https://", "http://"))
    }
)
# Refused sign-ins and new accounts, by reason and user id only.
_loggers = LOGGING["loggers"]
assert isinstance(_loggers, dict)
_loggers["planwatch.sign_in"] = {"level": "INFO"}
# Background jobs (README, "Background jobs"): imports of many files, the progress report as a
# PDF, estate-wide recomputation and reminders. On PostgreSQL they queue in the database
# through procrastinate (no other broker) and `planwatch worker` runs them; on SQLite, or with
# PLANWATCH_JOBS=in-process, they run in the process that starts them, there and then.
PLANWATCH_JOBS = os.environ.get("PLANWATCH_JOBS", "").lower() or (
    "queue" if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else "in-process"
)
if PLANWATCH_JOBS not in ("queue", "in-process"):
    raise ValueError(f"PLANWATCH_JOBS must be 'queue' or 'in-process', not {PLANWATCH_JOBS!r}")
if PLANWATCH_JOBS == "queue":
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError("PLANWATCH_JOBS=queue needs PostgreSQL (DATABASE_URL=postgres://...)")
    # procrastinate's tables, functions and migrations: PostgreSQL only, so only then.
    INSTALLED_APPS.append("procrastinate.contrib.django")
    PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
    PROCRASTINATE_IMPORT_PATHS = ["planwatch.web.plans.tasks"]
# How often a job's page reloads itself while the job runs (seconds; no JavaScript needed).
PLANWATCH_JOB_REFRESH_SECONDS = int(os.environ.get("PLANWATCH_JOB_REFRESH_SECONDS", 3))
# --- Several web servers behind a load balancer ------------------------------------------
# Whichever server a request reaches answers it the same way: sessions are rows in the
# database (not a server's memory or files), and Django's cache is a table in the database
# (made by every migrate: planwatch.web.caching), where each server also finds the mark that
# tells it when the estate's plans changed on another. Every server must share the secret
# key too (PLANWATCH_SECRET_KEY): it signs the session and form-token cookies.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "planwatch_cache",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
    # Pages and API reads kept for visitors not signed in, in each process's memory, under
    # the data's token (planwatch.web.caching.PublicPages): up to about 50 MB a process.
    "public_pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "planwatch-public-pages",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # The same, compressed, in a table every server shares: one process works a page out
    # after a change and the others read it. What was kept under an older token is never
    # read again, so it is kept briefly (about 10 KB an entry, up to 2,000: 20 MB).
    "shared_pages": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "planwatch_page_cache",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 2_000},
    },
}
# Off: every visitor's page is worked out afresh (to measure the pages themselves).
PLANWATCH_PUBLIC_PAGE_CACHE = _flag("PLANWATCH_PUBLIC_PAGE_CACHE", True)
