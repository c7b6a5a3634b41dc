"""Every PostgreSQL connection runs with the planner settings of config.settings.base."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL session settings")
@pytest.mark.parametrize(
    ("setting", "expected"),
    [("jit", "off"), ("join_collapse_limit", "12"), ("from_collapse_limit", "12")],
)
def test_postgres_connections_plan_list_queries_with_the_application_settings(setting, expected):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        assert cursor.fetchone()[0] == expected
