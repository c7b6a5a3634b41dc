"""Production settings start only from a complete, sane environment, and pass Django's deploy checks.

Each case starts a fresh Python process with DJANGO_SETTINGS_MODULE=config.settings.production
and nothing but the given environment, as a web or worker process would start.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PRODUCTION_SECRET_KEY = "k7#Qv9!pZr2$Lm4^Wx8&Tn1*Bc6(Hs3)Jd5_Fg0+Ya-Ue=Oi[Nq]Re{Vt}Mw;Xb"
GOOD_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": PRODUCTION_SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "hub.example.co.ke,hub-internal.example.co.ke",
    "DATABASE_URL": "postgres://customerhub:pw-9f2c@db.internal:5432/customerhub",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/1",
}
START_UP = "import django; django.setup()"


def run_python(code: str, environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(settings.BASE_DIR))}
    env.update(environment)
    return subprocess.run(  # noqa: S603 - the test's own interpreter and code
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def environment_with(**changes: str | None) -> dict[str, str]:
    environment = dict(GOOD_ENVIRONMENT)
    for name, value in changes.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def settings_as_seen_by(environment: dict[str, str]) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from django.core.files.storage import default_storage, storages; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'DATABASES': s.DATABASES, 'CACHES': s.CACHES, "
        "'CELERY_BROKER_URL': s.CELERY_BROKER_URL, 'CELERY_TASK_ALWAYS_EAGER': s.CELERY_TASK_ALWAYS_EAGER, "
        "'STORAGES': s.STORAGES, 'LOGGING': s.LOGGING, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS, "
        "'DATABASE_ROUTERS': s.DATABASE_ROUTERS, 'storage': type(storages['default']).__name__, "
        "'storage_url': default_storage.url('jobs/results/customers.xlsx')}, default=str))"
    )
    result = run_python(code, environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_checks_report_nothing_for_a_complete_environment():
    result = run_python("", GOOD_ENVIRONMENT, "manage.py", "check", "--deploy", "--fail-level", "DEBUG")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_complete_environment_gives_postgresql_with_persistent_connections_redis_and_json_logs():
    seen = settings_as_seen_by(GOOD_ENVIRONMENT)

    assert seen["DEBUG"] is False
    assert seen["ALLOWED_HOSTS"] == ["hub.example.co.ke", "hub-internal.example.co.ke"]
    database = seen["DATABASES"]["default"]
    assert database["ENGINE"] == "core.db_backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("db.internal", "customerhub")
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_HEALTH_CHECK_AFTER_IDLE"] == 10
    assert seen["CACHES"]["default"]["BACKEND"] == "core.cache.FailOpenRedisCache"
    assert seen["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/0"
    assert seen["CELERY_BROKER_URL"] == "redis://cache.internal:6379/1"
    assert seen["CELERY_TASK_ALWAYS_EAGER"] is False
    assert seen["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert seen["storage"] == "FileSystemStorage"
    assert seen["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert seen["LOGGING"]["formatters"]["json"]["()"] == "core.logging.JsonFormatter"


def test_connection_lifetime_and_a_read_replica_come_from_the_environment():
    seen = settings_as_seen_by(
        environment_with(
            DJANGO_CONN_MAX_AGE="300",
            DJANGO_CONN_HEALTH_CHECK_AFTER_IDLE="2",
            DATABASE_REPLICA_URL="postgres://customerhub_ro:pw-1c7e@db-replica.internal:5432/customerhub",
        )
    )

    assert seen["DATABASES"]["default"]["CONN_MAX_AGE"] == 300
    assert seen["DATABASES"]["default"]["CONN_HEALTH_CHECK_AFTER_IDLE"] == 2
    replica = seen["DATABASES"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["CONN_MAX_AGE"]) == ("db-replica.internal", "customerhub_ro", 300)
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert seen["DATABASE_ROUTERS"] == ["config.db_router.PrimaryReplicaRouter"]


def test_sqlite_is_accepted_only_when_allowed_explicitly(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"

    refused = run_python(START_UP, environment_with(DATABASE_URL=url))
    allowed = settings_as_seen_by(environment_with(DATABASE_URL=url, DJANGO_ALLOW_SQLITE="true"))

    assert refused.returncode != 0
    assert "DJANGO_ALLOW_SQLITE=true" in refused.stderr.strip().splitlines()[-1]
    assert allowed["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_media_can_live_in_an_s3_compatible_bucket():
    seen = settings_as_seen_by(
        environment_with(
            DJANGO_STORAGE="s3",
            DJANGO_S3_BUCKET="customerhub-files",
            DJANGO_S3_ENDPOINT_URL="https://objects.example.co.ke",
            DJANGO_S3_REGION="af-south-1",
            AWS_ACCESS_KEY_ID="AKIAEXAMPLEKEY000001",
            AWS_SECRET_ACCESS_KEY="example-secret-access-key-for-signing",
        )
    )

    assert seen["storage"] == "S3Storage"
    # Job files are private: every link to one is signed and expires.
    assert seen["storage_url"].startswith(
        "https://objects.example.co.ke/customerhub-files/jobs/results/customers.xlsx?"
    )
    assert "Signature=" in seen["storage_url"] and "Expires=" in seen["storage_url"]


def test_collectstatic_writes_hashed_compressed_files(tmp_path):
    static_root = tmp_path / "static"

    # The API docs' bundled Swagger UI takes most of a full run's time (brotli); tests/e2e/run_e2e.py
    # collects everything and serves it through gunicorn.
    result = run_python(
        "",
        environment_with(DJANGO_STATIC_ROOT=str(static_root)),
        "manage.py",
        "collectstatic",
        "--noinput",
        "--ignore",
        "drf_spectacular_sidecar",
    )

    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed_admin_css = manifest["paths"]["admin/css/base.css"]
    assert hashed_admin_css != "admin/css/base.css"
    assert (static_root / hashed_admin_css).exists()
    assert Path(f"{static_root / hashed_admin_css}.gz").exists()
    # Only hashed names are kept: what is served can be cached for a year.
    assert not (static_root / "admin/css/base.css").exists()


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DJANGO_SECRET_KEY", None, "is required"),
        ("DJANGO_SECRET_KEY", "", "is required"),
        ("DJANGO_SECRET_KEY", "s3cret-but-short", "too short"),
        ("DJANGO_SECRET_KEY", "a" * 64, "too plain"),
        ("DJANGO_SECRET_KEY", "insecure-development-key-change-me", "insecure development key"),
        ("DJANGO_SECRET_KEY", "django-insecure-" + PRODUCTION_SECRET_KEY, "insecure development key"),
        ("DJANGO_ALLOWED_HOSTS", None, "is required"),
        ("DJANGO_ALLOWED_HOSTS", " , ", "is required"),
        ("DJANGO_DEBUG", "true", "must be false"),
        ("DJANGO_DEBUG", "sometimes", "must be true or false"),
        ("DATABASE_URL", None, "is required"),
        ("DATABASE_URL", "sqlite:///db.sqlite3", "must point at PostgreSQL"),
        ("DATABASE_URL", "mysql://hub:pw@db.internal:3306/customerhub", "must point at PostgreSQL"),
        ("DATABASE_URL", "postgres//db.internal/customerhub", "must be a database URL"),
        ("DATABASE_REPLICA_URL", "replica.internal", "must be a database URL"),
        ("DJANGO_ALLOW_SQLITE", "perhaps", "must be true or false"),
        ("DJANGO_CONN_MAX_AGE", "sixty", "must be an integer"),
        ("REDIS_URL", None, "is required"),
        ("REDIS_URL", "memcached://cache.internal:11211", "is required"),
        ("CELERY_BROKER_URL", None, "is required"),
        ("CELERY_BROKER_URL", "amqp://guest@mq.internal//", "is required"),
        ("DJANGO_SECURE_SSL_REDIRECT", "yes please", "must be true or false"),
        ("DJANGO_SECURE_HSTS_SECONDS", "a year", "must be an integer"),
        ("DJANGO_STORAGE", "ftp", "must be disk or s3"),
        ("DJANGO_S3_BUCKET", None, "is required when DJANGO_STORAGE=s3"),
        ("DJANGO_CSRF_TRUSTED_ORIGINS", "hub.example.co.ke", "must list origins like https://"),
    ],
)
def test_a_missing_or_wrong_variable_stops_start_up_naming_it(name, value, says):
    environment = environment_with(**{name: value})
    if name == "DJANGO_S3_BUCKET":
        environment["DJANGO_STORAGE"] = "s3"

    result = run_python(START_UP, environment)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert name in last_line
    assert says in last_line


def test_a_refused_database_url_does_not_print_its_password():
    result = run_python(
        START_UP, environment_with(DATABASE_URL="postgres://hub:Wanjiku-2024-pw@db.internal:notaport/hub")
    )

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "Wanjiku-2024-pw" not in result.stderr
