"""Django's PostgreSQL backend, with the health check of a persistent connection skipped while it is busy.

With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before the first query of every request that
reuses a connection: one more round trip per request, on the busiest API paths a tenth of the
time spent in the database. A connection that served a request without an error a moment ago is
as good as checked, so it is checked again only once it has been idle for
CONN_HEALTH_CHECK_AFTER_IDLE seconds (the ``server_check_delay`` of PgBouncer, which checks a
pooled connection only after it has been unused that long). A connection lost in that moment
fails its query as it would without health checks; one that fails is closed at the end of the
request, as Django closes any connection with an error.
"""

import time

from django.db.backends.postgresql import base

# Seconds a connection that served a request without an error goes unchecked (PgBouncer: 30 s).
DEFAULT_CHECK_AFTER_IDLE = 10.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, *args, **kwargs):
        super().__init__(settings_dict, *args, **kwargs)
        self.check_after_idle = float(settings_dict.get("CONN_HEALTH_CHECK_AFTER_IDLE", DEFAULT_CHECK_AFTER_IDLE))
        self.served_at: float | None = None

    def close_if_unusable_or_obsolete(self):
        # Called as a request starts and ends; at its end, a connection the request used (its
        # health check was done, or skipped) without a database error has just been proven.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.served_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.served_at is not None
            and time.monotonic() - self.served_at < self.check_after_idle
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def connect(self):
        super().connect()
        self.served_at = None
