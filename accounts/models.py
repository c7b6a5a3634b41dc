import hashlib
import hmac

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from core.iso_codes import iso_country, iso_currency
from core.models import TimestampedModel
from core.timezones import validate_timezone

HEAD_OFFICE_CODE = "00"
HEAD_OFFICE_NAME = "Head Office"


class Organization(TimestampedModel):
    """A business using Customer Hub: the tenant every other row belongs to."""

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=60, unique=True)
    country = models.CharField(max_length=2, default="KE", validators=[iso_country])
    base_currency = models.CharField(max_length=3, default="KES", validators=[iso_currency])
    timezone = models.CharField(max_length=64, default="Africa/Nairobi", validators=[validate_timezone])
    # Next number for generated customer codes (CUST000001, ...); moved with F() under a row lock.
    customer_number_seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(TimestampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="branches")
    code = models.CharField(
        max_length=20, validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", "Use letters, digits, '-' or '_'.")]
    )
    name = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organization", "code"]
        verbose_name_plural = "branches"
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="branch_code_unique_per_org")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    CLERK = "clerk", "Clerk"
    MANAGER = "manager", "Manager"


ROLE_RANK = {Role.VIEWER: 0, Role.CLERK: 1, Role.MANAGER: 2}


class Membership(TimestampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        ordering = ["organization", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class ApiKey(models.Model):
    """An integrator's key. Only a SHA-256 hash of the secret is kept; the key is shown once."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        indexes = [models.Index(fields=["organization"], condition=Q(revoked_at=None), name="apikey_active_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_secret(secret: str) -> str:
        # Keys carry 256 bits of randomness, so a fast hash is enough; a slow KDF would only
        # slow down every API request.
        return hashlib.sha256(secret.encode()).hexdigest()

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, self.hash_secret(secret))
