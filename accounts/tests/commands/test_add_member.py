from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def traders():
    return OrganizationFactory(name="Nairobi Fresh Produce Ltd", slug="nairobi-fresh")


def run(*args: str) -> str:
    out = StringIO()
    call_command("add_member", *args, stdout=out)
    return out.getvalue()


def test_creates_the_user_and_the_membership(traders):
    output = run("--org", "nairobi-fresh", "--username", "wanjiku", "--password", "Kamau-2024!", "--role", "clerk")

    user = User.objects.get(username="wanjiku")
    assert Membership.objects.get(user=user, organization=traders).role == "clerk"
    assert user.is_staff and not user.is_superuser
    assert authenticate(username="wanjiku", password="Kamau-2024!") == user
    assert "Created user 'wanjiku'" in output
    assert "as clerk" in output


def test_a_second_call_changes_the_role_and_resets_the_password(traders):
    run("--org", "nairobi-fresh", "--username", "otieno", "--password", "first-pass-1", "--role", "viewer")

    output = run("--org", "nairobi-fresh", "--username", "otieno", "--password", "second-pass-2", "--role", "manager")

    user = User.objects.get(username="otieno")
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == ["manager"]
    assert authenticate(username="otieno", password="second-pass-2") == user
    assert authenticate(username="otieno", password="first-pass-1") is None
    assert "from viewer to manager" in output
    assert User.objects.filter(username="otieno").count() == 1


def test_adds_an_existing_user_to_another_organization(traders):
    other = OrganizationFactory(name="Kisumu Hardware Ltd", slug="kisumu-hardware")
    user = MembershipFactory(organization=other, role="manager", user=UserFactory(username="achieng")).user

    output = run("--org", "nairobi-fresh", "--username", "achieng", "--password", "Achieng-2024", "--role", "viewer")

    roles = dict(Membership.objects.filter(user=user).values_list("organization__slug", "role"))
    assert roles == {"kisumu-hardware": "manager", "nairobi-fresh": "viewer"}
    assert "Created user" not in output
    assert "Added 'achieng'" in output


def test_superuser_flag_makes_a_superuser(traders):
    output = run(
        "--org", "nairobi-fresh", "--username", "root", "--password", "Root-pass-1", "--role", "manager", "--superuser"
    )

    user = User.objects.get(username="root")
    assert user.is_superuser and user.is_staff
    assert "superuser" in output


def test_unknown_organization_is_refused_and_creates_no_user():
    with pytest.raises(CommandError, match="No organization with the slug 'nowhere'"):
        run("--org", "nowhere", "--username", "mwangi", "--password", "pw-123456", "--role", "clerk")

    assert not User.objects.filter(username="mwangi").exists()


def test_unknown_role_is_rejected_by_the_argument_parser(traders):
    with pytest.raises(CommandError, match="invalid choice: 'owner'"):
        run("--org", "nairobi-fresh", "--username", "mwangi", "--password", "pw-123456", "--role", "owner")

    assert not User.objects.filter(username="mwangi").exists()


def test_an_invalid_username_is_refused(traders):
    with pytest.raises(CommandError, match="Invalid username"):
        run("--org", "nairobi-fresh", "--username", "jane doe!", "--password", "pw-123456", "--role", "clerk")

    assert not User.objects.filter(username="jane doe!").exists()
