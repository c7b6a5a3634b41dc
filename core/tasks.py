"""Background jobs: queueing a task, and the retry policy every job task shares.

A job is a database row (an import or an export) plus a task that fills it in. ``enqueue`` is the
one way a request queues such a task: it checks the broker while the job's transaction is still
open, so a broker that cannot be reached answers 503 and rolls the job back (nothing is left
half-created), and it sends the task only once that transaction commits (a worker never looks for
a job row it cannot see yet).
"""

import logging
from functools import partial

import redis.exceptions
from celery import Task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from kombu import Connection
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.exceptions import ServiceUnavailable

logger = logging.getLogger("customerhub.tasks")

# Errors that a later attempt may not meet: a dropped database connection (a failover, a restart),
# a broker blip. Anything else is a fault in the job itself, which the job records as failed.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

BROKER_CONNECT_TIMEOUT_SECONDS = 2
QUEUE_UNAVAILABLE_MESSAGE = (
    "Background jobs cannot be queued right now (the job queue is not answering); "
    "nothing was saved. Try again in a few minutes."
)


class JobTask(Task):
    """Base of the job tasks: acknowledged once done, transient errors retried with growing pauses.

    With ``acks_late`` a message whose worker dies mid-job is delivered again (after the broker's
    visibility timeout), so job tasks must be idempotent: a job already finished is left alone, and
    re-running a half-done one completes it without duplicates.
    """

    acks_late = True
    autoretry_for = TRANSIENT_ERRORS
    max_retries = 6
    # Pauses of about 5, 10, 20, 40, 80 and 160 s (full jitter): long enough to ride out a database failover.
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True


def _jobs_run_in_process() -> bool:
    return settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL


def broker_check() -> None:
    """Raise ServiceUnavailable unless the broker accepts a connection."""
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_CONNECT_TIMEOUT_SECONDS,
            transport_options={"socket_connect_timeout": BROKER_CONNECT_TIMEOUT_SECONDS},
        ) as connection:
            connection.ensure_connection(max_retries=0)
    except (BrokerOperationalError, redis.exceptions.RedisError, OSError) as exc:
        logger.error("The job queue is unavailable: %s", exc.__class__.__name__)
        raise ServiceUnavailable(QUEUE_UNAVAILABLE_MESSAGE) from exc


def _send(task: Task, args: tuple) -> None:
    try:
        task.apply_async(args=args)
    except (BrokerOperationalError, redis.exceptions.RedisError, OSError):
        # The broker answered the check a moment ago; if it has gone since, the job stays queued
        # and this line is what an operator needs to queue it again.
        logger.exception("Could not queue %s%r after its job was saved", task.name, args)


def enqueue(task: Task, *args: str) -> None:
    """Queue ``task(*args)`` for when the current transaction commits; ServiceUnavailable when the broker is down.

    Call it inside the transaction that creates the job, so a refusal rolls the job back. Without
    a broker (CELERY_BROKER_URL empty, or eager mode) the task runs in this process after the commit.
    """
    if _jobs_run_in_process():
        transaction.on_commit(partial(task.delay, *args))
        return
    broker_check()
    transaction.on_commit(partial(_send, task, args))
