"""Production: everything from the environment, HTTPS assumed behind the load balancer.

A missing or wrong variable stops start-up with an ImproperlyConfigured naming it: a production
process never falls back to a development secret key, DEBUG, SQLite or in-process jobs.
docs/deploy.md lists every variable.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403
from .base import (
    CELERY_BROKER_TRANSPORT_OPTIONS,
    DATABASES,
    LOGGING,
    POSTGRES_ENGINE,
    REDIS_URL,
    STATIC_ROOT,
    STORAGES,
)

REDIS_SCHEMES = ("redis://", "rediss://")


def _refuse(name: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} {problem} (production settings, config.settings.production).")


# --- Core ------------------------------------------------------------------------------------

if env_bool("DJANGO_DEBUG", default=False):
    raise _refuse("DJANGO_DEBUG", "must be false in production: debug pages show settings and data")
DEBUG = False

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    raise _refuse("DJANGO_SECRET_KEY", "is required: set it to at least 50 random characters")
# base.py's development default starts with "insecure", startproject's with "django-insecure".
if SECRET_KEY.startswith(("insecure", "django-insecure")):
    raise _refuse("DJANGO_SECRET_KEY", "is the insecure development key; generate a random one")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise _refuse("DJANGO_SECRET_KEY", "is too short or too plain: use at least 50 random characters")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "")
if not ALLOWED_HOSTS:
    raise _refuse("DJANGO_ALLOWED_HOSTS", "is required: the comma-separated host names the site answers to")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("https://", "http://")):
        raise _refuse("DJANGO_CSRF_TRUSTED_ORIGINS", f"must list origins like https://hub.example.com, not {origin!r}")

# --- Databases -------------------------------------------------------------------------------

if not env_str("DATABASE_URL", ""):
    raise _refuse("DATABASE_URL", "is required: postgres://user:password@host:5432/name")
# base.py parsed the same variable (and refused a malformed one, naming it).
DATABASE_ENGINE = DATABASES["default"]["ENGINE"]
SQLITE_ALLOWED = env_bool("DJANGO_ALLOW_SQLITE", default=False)
if not (DATABASE_ENGINE == POSTGRES_ENGINE or (DATABASE_ENGINE == "django.db.backends.sqlite3" and SQLITE_ALLOWED)):
    raise _refuse(
        "DATABASE_URL",
        "must point at PostgreSQL (postgres://...); SQLite is accepted only with DJANGO_ALLOW_SQLITE=true",
    )
for alias in DATABASES:
    # Persistent connections, checked before a request reuses one that has been idle for
    # CONN_HEALTH_CHECK_AFTER_IDLE seconds: after a database restart, a request fails (503) only if
    # its worker's connection served another request less than that long before.
    DATABASES[alias]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
    DATABASES[alias]["CONN_HEALTH_CHECKS"] = True
    DATABASES[alias]["CONN_HEALTH_CHECK_AFTER_IDLE"] = env_int("DJANGO_CONN_HEALTH_CHECK_AFTER_IDLE", 10)
if "replica" in DATABASES and DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
    raise _refuse("DATABASE_REPLICA_URL", "must be a replica of DATABASE_URL (the same kind of database)")

# --- Redis: cache and job queue --------------------------------------------------------------

if not REDIS_URL.startswith(REDIS_SCHEMES):
    raise _refuse("REDIS_URL", "is required: redis://host:6379/0 (the cache shared by every web worker)")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
if not CELERY_BROKER_URL.startswith(REDIS_SCHEMES):
    raise _refuse("CELERY_BROKER_URL", "is required: redis://host:6379/1 (the queue of import and export jobs)")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    # A request that queues a job must not hang on an unreachable broker.
    "socket_connect_timeout": 3,
}
# Workers log through LOGGING below (JSON lines), like the web processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CACHES = {
    "default": {
        # While Redis is unreachable the cache answers as empty instead of failing every request.
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("DJANGO_CACHE_KEY_PREFIX", "customerhub"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

# --- Files -----------------------------------------------------------------------------------

STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(STATIC_ROOT)))
# Only the hashed copies are served (far-future caching); compressing the others too would double collectstatic.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
DJANGO_STORAGE = env_str("DJANGO_STORAGE", "disk").strip().lower()
if DJANGO_STORAGE == "s3":
    # Job files (uploaded imports, finished exports) in an S3-compatible bucket, so web and worker
    # hosts need no shared disk. Credentials come from the usual AWS variables or an instance role.
    bucket = env_str("DJANGO_S3_BUCKET", "")
    if not bucket:
        raise _refuse("DJANGO_S3_BUCKET", "is required when DJANGO_STORAGE=s3")
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": env_str("DJANGO_S3_ENDPOINT_URL", "") or None,
                "region_name": env_str("DJANGO_S3_REGION", "") or None,
                "location": env_str("DJANGO_S3_PREFIX", ""),
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
elif DJANGO_STORAGE != "disk":
    raise _refuse("DJANGO_STORAGE", f"must be disk or s3, not {DJANGO_STORAGE!r}")

# --- HTTPS -----------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The load balancer's probes speak plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Logs: one JSON object per line on stderr, with the request id, organization and caller ------

LOGGING = {
    **LOGGING,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]},
    },
    "loggers": {"customerhub.request": {"level": "INFO"}},
}
