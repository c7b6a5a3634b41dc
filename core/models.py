from django.db import models
from django.utils import timezone


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RequestContextHistory(models.Model):
    """Columns every history row carries besides simple-history's own: the API key and request behind a change.

    A change made with an API key has no user to record, so the key is kept instead; the request
    id ties the row to the request's logs and to the ``request_id`` the caller saw in the answer.
    The key is referenced without a database constraint: a history row outlives the key it names.
    """

    history_api_key = models.ForeignKey(
        "accounts.ApiKey",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name="API key",
    )
    # db_default as well: bulk writers that insert history rows column by column leave it out.
    history_request_id = models.CharField("request ID", max_length=100, blank=True, default="", db_default="")

    class Meta:
        abstract = True


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class IdempotencyRecord(models.Model):
    """A POST made with an ``Idempotency-Key``: the first answer, replayed to every retry for 24 hours.

    The row is written (in progress) and committed before the request's work starts, so a
    concurrent duplicate finds it; it is completed with the answer afterwards. Answers of 2xx and
    4xx are kept; a 5xx deletes the row so the caller may try again with the same key.
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # "key:<id>" or "user:<id>": who sent the first request; nobody else gets its answer.
    actor_fingerprint = models.CharField(max_length=64)
    # SHA-256 of the method, the path and the parsed body.
    request_fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=IdempotencyStatus.choices, default=IdempotencyStatus.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_key_unique_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_status_display()})"


class DeferredIndex(models.Model):
    """An index a bulk load dropped, with the statement that builds it again (see ``core.db``).

    A row lives only while the load runs: a load that was killed leaves its rows behind, and the
    next bulk load builds those indexes first.
    """

    name = models.CharField(max_length=200, unique=True)
    table = models.CharField(max_length=200)
    definition = models.TextField()
    dropped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.table}.{self.name}"
