"""Read replica routing: the reads of GET and HEAD requests go to the replica, everything else to the primary.

A request that writes (the router is asked for a write database) stays on the primary for the rest
of the request, so it reads what it has just written; so does any read inside ``transaction.atomic``
and any read outside a request (Celery tasks, management commands). Sessions, users, organizations
and API keys are always read from the primary: a replica a moment behind must never sign someone
out or refuse a key created a second ago.
"""

from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRIMARY_ONLY_APPS = frozenset({"accounts", "admin", "auth", "contenttypes", "sessions"})

_replica_reads_allowed: ContextVar[bool] = ContextVar("replica_reads_allowed", default=False)


class ReplicaReadMiddleware:
    """Allow replica reads for the length of a safe-method request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _replica_reads_allowed.set(request.method in SAFE_METHODS)
        try:
            return self.get_response(request)
        finally:
            _replica_reads_allowed.reset(token)


def replica_reads_allowed() -> bool:
    return _replica_reads_allowed.get()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if not _replica_reads_allowed.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        # Reads inside a transaction belong to it: the replica cannot see its uncommitted rows.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        # From the first write on, this request reads from the primary: the replica may lag behind it.
        _replica_reads_allowed.set(False)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # A replica follows the primary's schema through replication; migrations run on the primary only.
        return db == DEFAULT_DB_ALIAS
