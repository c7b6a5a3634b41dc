"""Reads are scoped: another organization's rows answer exactly like missing ones."""

import pytest

from accounts.selectors import (
    api_key_get,
    branch_get,
    branch_get_by_code,
    branch_list,
    membership_get,
    organization_list_for_user,
)
from accounts.services import api_key_create, api_key_revoke, branch_create, membership_set, organization_create
from core.exceptions import NotFound
from tests.factories import UserFactory


@pytest.mark.django_db
class TestOrganizationListForUser:
    def test_lists_only_the_users_organizations_by_name(self, organization, other_organization):
        zebra = organization_create(name="Zebra Stores", slug="zebra")
        organization_create(name="Not Mine Ltd", slug="not-mine")
        membership = membership_set(organization=zebra, username="akosua", role="viewer")
        membership_set(organization=other_organization, username="akosua", role="clerk")

        organizations = list(organization_list_for_user(user=membership.user))

        assert organizations == [other_organization, zebra]

    def test_user_without_membership_sees_none(self, organization):
        assert list(organization_list_for_user(user=UserFactory())) == []

    def test_membership_get_is_none_for_another_organization(self, organization, other_organization, clerk):
        assert membership_get(user=clerk, organization=organization).role == "clerk"
        assert membership_get(user=clerk, organization=other_organization) is None


@pytest.mark.django_db
class TestBranchGet:
    def test_returns_the_organizations_branch(self, organization):
        branch = branch_create(organization=organization, code="01", name="Mombasa Road")

        assert branch_get(organization=organization, branch_id=branch.pk) == branch

    def test_another_organizations_branch_is_not_found(self, organization, other_organization):
        theirs = branch_create(organization=other_organization, code="01", name="Kumasi")

        with pytest.raises(NotFound) as excinfo:
            branch_get(organization=organization, branch_id=theirs.pk)

        assert excinfo.value.status_code == 404
        assert excinfo.value.errors == {"branch_id": ["Branch not found"]}

    @pytest.mark.parametrize("branch_id", [999_999, "abc", None])
    def test_missing_or_malformed_id_is_not_found_the_same_way(self, organization, branch_id):
        with pytest.raises(NotFound) as excinfo:
            branch_get(organization=organization, branch_id=branch_id)

        assert excinfo.value.errors == {"branch_id": ["Branch not found"]}

    def test_branch_list_and_code_lookup_are_scoped(self, organization, other_organization):
        branch_create(organization=other_organization, code="ACC", name="Accra")

        assert [b.code for b in branch_list(organization=organization)] == ["00"]
        with pytest.raises(NotFound):
            branch_get_by_code(organization=organization, code="ACC")


@pytest.mark.django_db
class TestApiKeyGet:
    def test_returns_the_organizations_key_revoked_or_not(self, organization):
        key = api_key_create(organization=organization, name="Online shop").api_key
        revoked = api_key_create(organization=organization, name="Old till").api_key
        api_key_revoke(api_key=revoked)

        assert api_key_get(organization=organization, key_id=key.pk) == key
        assert api_key_get(organization=organization, key_id=str(revoked.pk)) == revoked

    def test_another_organizations_key_is_not_found(self, organization, other_organization):
        theirs = api_key_create(organization=other_organization, name="Kumasi till").api_key

        with pytest.raises(NotFound) as excinfo:
            api_key_get(organization=organization, key_id=theirs.pk)

        assert excinfo.value.status_code == 404
        assert excinfo.value.message == "API key not found"

    @pytest.mark.parametrize("key_id", [999_999, 2**70, "abc", "", None])
    def test_missing_or_malformed_id_is_not_found_the_same_way(self, organization, key_id):
        api_key_create(organization=organization, name="Online shop")

        with pytest.raises(NotFound) as excinfo:
            api_key_get(organization=organization, key_id=key_id)

        assert excinfo.value.message == "API key not found"
