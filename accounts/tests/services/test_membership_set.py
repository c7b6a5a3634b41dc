import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts.models import Membership, Role
from accounts.selectors import membership_get
from accounts.services import membership_set

User = get_user_model()


@pytest.mark.django_db
def test_creates_a_missing_user_with_password_and_role(organization):
    membership = membership_set(
        organization=organization, username="wanjiku", role="clerk", password="s3cret-pass", email="wanjiku@acme.co.ke"
    )

    user = User.objects.get(username="wanjiku")
    assert membership.user == user
    assert membership.role == Role.CLERK
    assert user.check_password("s3cret-pass")
    assert user.email == "wanjiku@acme.co.ke"
    assert user.is_staff
    assert not user.is_superuser
    assert membership_get(user=user, organization=organization) == membership


@pytest.mark.django_db
def test_second_call_updates_the_role_without_a_second_membership(organization):
    membership_set(organization=organization, username="otieno", role="viewer", password="first-pass")

    membership = membership_set(organization=organization, username="otieno", role="manager")

    user = User.objects.get(username="otieno")
    assert User.objects.filter(username="otieno").count() == 1
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == ["manager"]
    assert membership.has_role("clerk")
    # No password given: the existing one keeps working.
    assert user.check_password("first-pass")


@pytest.mark.django_db
def test_existing_user_gets_a_new_password_when_given(organization):
    membership_set(organization=organization, username="otieno", role="clerk", password="first-pass")

    membership_set(organization=organization, username="otieno", role="clerk", password="second-pass")

    user = User.objects.get(username="otieno")
    assert user.check_password("second-pass")
    assert not user.check_password("first-pass")


@pytest.mark.django_db
def test_user_can_belong_to_several_organizations_with_different_roles(organization, other_organization):
    membership_set(organization=organization, username="akosua", role="manager")
    membership_set(organization=other_organization, username="akosua", role="viewer")

    user = User.objects.get(username="akosua")
    assert membership_get(user=user, organization=organization).role == "manager"
    assert membership_get(user=user, organization=other_organization).role == "viewer"


@pytest.mark.django_db
def test_superuser_flag(organization):
    membership_set(organization=organization, username="admin", role="manager", is_superuser=True)

    assert User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_unknown_role_creates_nothing(organization):
    with pytest.raises(ValidationError):
        membership_set(organization=organization, username="mallory", role="owner")

    assert not User.objects.filter(username="mallory").exists()
    assert not Membership.objects.filter(organization=organization, user__username="mallory").exists()
