import pytest
from django.db.migrations.executor import MigrationExecutor


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query would raise here.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_the_database_ready_with_migrations_applied(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_readyz_is_unavailable_while_migrations_are_pending(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("customers", "9999_pending")])

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "1 migration(s) not applied"


@pytest.mark.django_db
def test_readyz_is_unavailable_when_redis_does_not_answer(client, settings):
    # Nothing listens on port 1, so the ping fails fast.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("redis unavailable")


@pytest.mark.django_db
def test_readyz_checks_the_local_redis_when_configured(client, settings):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
