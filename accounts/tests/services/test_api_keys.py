import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import ApiKey, ApiKeyScope
from accounts.selectors import api_key_find, api_key_list
from accounts.services import api_key_create, api_key_revoke, api_key_touch


@pytest.mark.django_db
class TestApiKeyCreate:
    def test_returns_the_full_secret_once_and_stores_only_its_hash(self, organization, manager):
        issued = api_key_create(organization=organization, name="POS till 1", scope="write", created_by=manager)

        row = ApiKey.objects.get(pk=issued.api_key.pk)
        assert issued.secret.startswith(f"chk_{row.prefix}_")
        assert len(issued.secret) > 40
        assert row.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
        assert (row.organization, row.name, row.scope, row.created_by) == (
            organization,
            "POS till 1",
            ApiKeyScope.WRITE,
            manager,
        )
        assert row.revoked_at is None
        assert row.last_used_at is None

    def test_secret_is_nowhere_in_the_row(self, organization):
        issued = api_key_create(organization=organization, name="E-tax bridge")

        secret_body = issued.secret.split("_", 2)[2]
        stored = ApiKey.objects.filter(pk=issued.api_key.pk).values().get()
        for value in stored.values():
            assert secret_body not in str(value)
            assert issued.secret not in str(value)

    def test_each_key_is_different(self, organization):
        first = api_key_create(organization=organization, name="Till 1")
        second = api_key_create(organization=organization, name="Till 2")

        assert first.secret != second.secret
        assert first.api_key.prefix != second.api_key.prefix

    def test_scope_defaults_to_read(self, organization):
        issued = api_key_create(organization=organization, name="Reporting")

        assert ApiKey.objects.get(pk=issued.api_key.pk).scope == ApiKeyScope.READ

    def test_unknown_scope_creates_nothing(self, organization):
        with pytest.raises(ValidationError) as error:
            api_key_create(organization=organization, name="Bad", scope="admin")

        assert "scope" in error.value.message_dict

        assert not ApiKey.objects.exists()


@pytest.mark.django_db
class TestApiKeyFind:
    def test_finds_the_key_by_its_full_secret(self, organization):
        issued = api_key_create(organization=organization, name="POS till 1", scope="write")

        found = api_key_find(raw_key=issued.secret)

        assert found == issued.api_key
        assert found.organization == organization
        assert found.scope == ApiKeyScope.WRITE

    def test_one_statement_finds_the_key_with_its_organizations_settings(self, organization, django_assert_num_queries):
        organization.base_currency, organization.timezone, organization.country = "COP", "America/Bogota", "CO"
        organization.save()
        issued = api_key_create(organization=organization, name="POS till 1", scope="write")
        api_key_touch(api_key=issued.api_key)

        with django_assert_num_queries(1):
            found = api_key_find(raw_key=issued.secret)
            settings_read = (found.organization.name, found.organization.slug, found.organization.base_currency)
            timezone_read = (found.organization.timezone, found.organization.country)

        assert settings_read == (organization.name, organization.slug, "COP")
        assert timezone_read == ("America/Bogota", "CO")
        # The key's own timestamps are converted as the ORM converts them (aware datetimes).
        assert found.last_used_at == ApiKey.objects.get(pk=found.pk).last_used_at
        assert timezone.is_aware(found.created_at)
        # The organization's timestamps, left out of that statement, load when asked for.
        assert found.organization.created_at == organization.created_at

    def test_wrong_secret_with_the_right_prefix_is_refused(self, organization):
        issued = api_key_create(organization=organization, name="POS till 1")
        tag, prefix, body = issued.secret.split("_", 2)
        altered = body[:-1] + ("A" if body[-1] != "A" else "B")

        assert api_key_find(raw_key=f"{tag}_{prefix}_{altered}") is None
        assert api_key_find(raw_key=f"{tag}_{prefix}_") is None
        assert api_key_find(raw_key=issued.secret + "x") is None

    @pytest.mark.parametrize("raw_key", ["", "garbage", "chk", "chk_only-two-parts", "Bearer", "_"])
    def test_malformed_key_is_refused(self, organization, raw_key):
        api_key_create(organization=organization, name="POS till 1")

        assert api_key_find(raw_key=raw_key) is None

    def test_revoked_key_is_refused(self, organization):
        issued = api_key_create(organization=organization, name="Old till")

        api_key_revoke(api_key=issued.api_key)

        assert api_key_find(raw_key=issued.secret) is None
        assert ApiKey.objects.get(pk=issued.api_key.pk).revoked_at is not None

    def test_revoking_twice_keeps_the_first_revocation_time(self, organization):
        issued = api_key_create(organization=organization, name="Old till")
        api_key_revoke(api_key=issued.api_key)
        first_revoked_at = ApiKey.objects.get(pk=issued.api_key.pk).revoked_at

        api_key_revoke(api_key=ApiKey.objects.get(pk=issued.api_key.pk))

        assert ApiKey.objects.get(pk=issued.api_key.pk).revoked_at == first_revoked_at

    def test_other_keys_still_work_after_one_is_revoked(self, organization):
        revoked = api_key_create(organization=organization, name="Old till")
        kept = api_key_create(organization=organization, name="New till")

        api_key_revoke(api_key=revoked.api_key)

        assert api_key_find(raw_key=kept.secret) == kept.api_key


@pytest.mark.django_db
class TestApiKeyTouch:
    def stored_last_used_at(self, api_key: ApiKey):
        return ApiKey.objects.values_list("last_used_at", flat=True).get(pk=api_key.pk)

    def move_last_use_back(self, api_key: ApiKey, *, by: timedelta) -> None:
        earlier = timezone.now() - by
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=earlier)
        api_key.last_used_at = earlier

    def test_first_use_is_recorded(self, organization):
        api_key = api_key_create(organization=organization, name="POS till 1").api_key
        before = timezone.now()

        api_key_touch(api_key=api_key)

        assert before <= self.stored_last_used_at(api_key) <= timezone.now()

    def test_uses_within_a_minute_do_not_write(self, organization, django_assert_num_queries):
        api_key = api_key_create(organization=organization, name="POS till 1").api_key
        api_key_touch(api_key=api_key)
        self.move_last_use_back(api_key, by=timedelta(seconds=50))
        recorded = self.stored_last_used_at(api_key)

        with django_assert_num_queries(0):
            api_key_touch(api_key=api_key)

        assert self.stored_last_used_at(api_key) == recorded

    def test_use_after_a_minute_is_recorded(self, organization):
        api_key = api_key_create(organization=organization, name="POS till 1").api_key
        api_key_touch(api_key=api_key)
        self.move_last_use_back(api_key, by=timedelta(minutes=5))
        stale = self.stored_last_used_at(api_key)

        api_key_touch(api_key=api_key)

        assert self.stored_last_used_at(api_key) > stale
        assert timezone.now() - self.stored_last_used_at(api_key) < timedelta(minutes=1)

    def test_touch_writes_nothing_else(self, organization):
        api_key = api_key_create(organization=organization, name="POS till 1").api_key
        api_key.name = "Renamed in memory only"

        api_key_touch(api_key=api_key)

        assert ApiKey.objects.get(pk=api_key.pk).name == "POS till 1"


@pytest.mark.django_db
def test_key_list_shows_only_the_organizations_keys_newest_first(organization, other_organization):
    older = api_key_create(organization=organization, name="Till 1").api_key
    newer = api_key_create(organization=organization, name="Till 2").api_key
    api_key_create(organization=other_organization, name="Their till")
    ApiKey.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))

    assert list(api_key_list(organization=organization)) == [newer, older]
