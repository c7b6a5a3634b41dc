"""Settings shared by every environment; each value comes from the environment (config.env)."""

from datetime import timedelta
from pathlib import Path

from config.env import env_bool, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "import_export",
    "axes",
    "core",
    "accounts",
    "customers",
    "billing",
    "transactions",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "config.db_router.ReplicaReadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.logging.RequestLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.HtmxVaryMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

# The Content-Security-Policy of every HTML answer (core.middleware.ContentSecurityPolicyMiddleware):
# scripts, styles, fonts and images from this site only; an inline <script> or <style> runs only
# with the request's nonce ({{ request.csp_nonce }}); style="" attributes and on...="" handlers
# never; no other site may frame a page, and forms post only here.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'nonce-{nonce}'"],
    "style-src": ["'self'", "'nonce-{nonce}'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
}
# Pages of third-party apps that need more, by path prefix (the first match applies).
CONTENT_SECURITY_POLICY_OVERRIDES = [
    # drf-spectacular's Swagger UI page starts from an inline script and an inline style block.
    ("/api/v1/docs", {"script-src": ["'self'", "'unsafe-inline'"], "style-src": ["'self'", "'unsafe-inline'"]}),
    # The admin's change list and history pages carry inline styles, and django-import-export's
    # export page one inline handler: onchange="onSelectToggleChange(event)", allowed by its hash.
    (
        "/admin/",
        {
            "script-src": ["'self'", "'unsafe-hashes'", "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
            "style-src": ["'self'", "'unsafe-inline'"],
        },
    ),
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env_database(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
    # two concurrent ledger writes queue up instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# A read replica takes the reads of GET/HEAD requests; writes, transactions and reads after a write
# in the same request stay on the primary (config/db_router.py).
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0))
    DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]

# PostgreSQL session settings for this application's short queries. A customer's detail joins
# seven relations and a list search its lookups, the search document and the matched ids; past the
# default collapse limits of 8 the planner keeps the written join order and may join every
# customer to its document before narrowing them to a search's few matches. JIT compilation costs
# 15-20 ms a query and pays off only for analytical queries that run for seconds. Options given in
# the URL come after, and win.
POSTGRES_SESSION_OPTIONS = "-c jit=off -c join_collapse_limit=12 -c from_collapse_limit=12"
# Django's PostgreSQL backend, whose health check (CONN_HEALTH_CHECKS) skips a connection that
# served a request a moment ago (core/db_backends/postgresql/base.py).
POSTGRES_ENGINE = "core.db_backends.postgresql"
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["ENGINE"] = POSTGRES_ENGINE
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"{POSTGRES_SESSION_OPTIONS} {_options.get('options', '')}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Sign-in throttling (django-axes) for the admin and the staff login page: five failed attempts
# for one username from one address lock that pair out for an hour; a success clears the count.
AUTHENTICATION_BACKENDS = [
    "core.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.auth.login_locked_out"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Messages may carry a new API key's secret once; keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
REDIS_URL = env_str("REDIS_URL", "")
# Without a broker, jobs run in the web process, eagerly (the embedded, zero-set-up mode).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than the largest import (200,000 rows), so a running task is not handed to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# History rows record who changed a customer, a contact or a billing entity.
SIMPLE_HISTORY_REVERT_DISABLED = True

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo12345")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.logging.RequestContextFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_context"]}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # runserver prints every request already; production's JSON logs turn the request lines on.
    "loggers": {"customerhub.request": {"level": "WARNING"}},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.CustomerHubAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.LimitedJSONParser",
        "core.api.parsers.CheckedMultiPartParser",
        "core.api.parsers.CheckedFormParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.access.ApiKeyAuthentication",
        "core.api.access.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.access.OrganizationRole"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_THROTTLE_RATE", "120/min")},
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": False,
}
API_MAX_JSON_BODY_BYTES = 1024 * 1024
API_DEFAULT_PER_PAGE = 25
API_MAX_PER_PAGE = 100
# The customer list counts its matches exactly up to this many and pages no further (core.paging).
LIST_EXACT_TOTAL_UP_TO = env_int("LIST_EXACT_TOTAL_UP_TO", 1000)
API_SEARCH_DEFAULT_LIMIT = 10
API_SEARCH_MAX_LIMIT = 50

SPECTACULAR_SETTINGS = {
    "TITLE": "Customer Hub API",
    "DESCRIPTION": (
        "The customer master-data API of Customer Hub. Authenticate with `Authorization: Bearer <api key>` "
        "(keys are issued in the back office, in admin or with `manage.py create_api_key`). Every response "
        'is an envelope: `{"status": "success", "data": …, "meta": {"timestamp", "request_id"}}` or '
        '`{"status": "error", "message": …, "errors": {field: [messages]}}`. Paths work with and '
        "without a trailing slash. Money is a JSON number with two decimals; times are ISO 8601 UTC."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's assets are served from this project, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "customers.models.CustomerStatus",
        "TransactionStatusEnum": "transactions.models.TransactionStatus",
    },
}

# List exports larger than this run as an ExportJob in Celery; PDFs render far slower per row.
EXPORT_ASYNC_ROW_THRESHOLD = env_int("EXPORT_ASYNC_ROW_THRESHOLD", 5000)
EXPORT_PDF_ASYNC_ROW_THRESHOLD = env_int("EXPORT_PDF_ASYNC_ROW_THRESHOLD", 500)
# Each PDF is laid out in a child process stopped after this long, or when it needs more memory
# than this on top of the worker it came from (customers/exporting/pdf.py). A 500-row list takes
# about 10 s, a 5,000-row one (a job) about two minutes.
PDF_RENDER_TIMEOUT_SECONDS = env_int("PDF_RENDER_TIMEOUT_SECONDS", 300)
PDF_RENDER_MEMORY_MB = env_int("PDF_RENDER_MEMORY_MB", 2048)

# A job still running (or queued) this long has lost its worker: `manage.py fail_stale_jobs`, run
# every few minutes, marks it failed. The largest import (200,000 rows) takes a few minutes.
JOB_STALE_AFTER_MINUTES = env_int("JOB_STALE_AFTER_MINUTES", 60)

# Customer import (SPEC §9). Files with more data rows than the threshold run as an ImportJob in Celery.
IMPORT_ASYNC_ROW_THRESHOLD = env_int("IMPORT_ASYNC_ROW_THRESHOLD", 2000)
IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_MAX_ROWS = 200_000
# A zip whose parts unpack to more than this, or more than RATIO times their packed size, is not
# opened. A full-template sheet of 200,000 rows written without shared strings unpacks to ~300 MB.
IMPORT_MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
IMPORT_MAX_COMPRESSION_RATIO = 100
# Off: django-import-export's own escape deletes a leading "=" and turns every cell into text. The
# customer resource's widgets put an apostrophe before text a spreadsheet would evaluate instead,
# as every other export does (customers.exporting.cells.csv_text).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
