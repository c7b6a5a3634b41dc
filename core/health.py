"""Liveness and readiness probes for the load balancer and the orchestrator."""

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """The process is up and answering; touches nothing else."""
    return JsonResponse({"status": "ok"})


def _database_check() -> tuple[bool, str]:
    try:
        connection = connections["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return False, f"database unavailable: {exc.__class__.__name__}"
    if pending:
        return False, f"{len(pending)} migration(s) not applied"
    return True, "ok"


def _redis_check() -> tuple[bool, str] | None:
    url = settings.REDIS_URL or settings.CELERY_BROKER_URL
    if not url or not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return False, f"redis unavailable: {exc.__class__.__name__}"
    return True, "ok"


@never_cache
@require_GET
def readyz(request):
    """Ready to take traffic: the database answers with every migration applied, and Redis answers."""
    checks = {}
    database_ok, checks["database"] = _database_check()
    redis_result = _redis_check()
    redis_ok = True
    if redis_result is not None:
        redis_ok, checks["redis"] = redis_result
    ready = database_ok and redis_ok
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
