from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import HEAD_OFFICE_CODE, ApiKey, Branch, Organization
from accounts.selectors import api_key_find
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_the_secret_alone_on_the_last_line_and_it_authenticates_for_the_organization():
    organization = OrganizationFactory(name="Nairobi Fresh Produce Ltd", slug="nairobi-fresh")

    lines = run("--org", "nairobi-fresh", "--name", "POS till 3", "--scope", "write")

    secret = lines[-1]
    assert secret.strip() == secret and " " not in secret
    api_key = api_key_find(raw_key=secret)
    assert api_key is not None
    assert api_key.organization == organization
    assert api_key.scope == "write"
    assert api_key.name == "POS till 3"
    # The secret itself is never stored, only its hash.
    assert not ApiKey.objects.filter(secret_hash=secret).exists()


def test_scope_defaults_to_read():
    OrganizationFactory(slug="kisumu-hardware")

    secret = run("--org", "kisumu-hardware", "--name", "Reporting")[-1]

    assert api_key_find(raw_key=secret).scope == "read"


def test_each_run_issues_a_different_key():
    OrganizationFactory(slug="kisumu-hardware")

    first = run("--org", "kisumu-hardware", "--name", "Till")[-1]
    second = run("--org", "kisumu-hardware", "--name", "Till")[-1]

    assert first != second
    assert ApiKey.objects.filter(organization__slug="kisumu-hardware").count() == 2


def test_create_org_creates_the_organization_with_its_head_office_branch():
    lines = run("--org", "mombasa-spice", "--name", "Importer", "--create-org", "Mombasa Spice Traders")

    organization = Organization.objects.get(slug="mombasa-spice")
    assert organization.name == "Mombasa Spice Traders"
    assert organization.country == "KE" and organization.base_currency == "KES"
    assert Branch.objects.filter(organization=organization, code=HEAD_OFFICE_CODE, name="Head Office").exists()
    assert api_key_find(raw_key=lines[-1]).organization == organization
    assert any("Created organization" in line for line in lines[:-1])


def test_create_org_reuses_an_existing_organization():
    organization = OrganizationFactory(name="Savannah Logistics Ltd", slug="savannah")

    lines = run("--org", "savannah", "--name", "Tracker", "--create-org", "Another Name")

    organization.refresh_from_db()
    assert organization.name == "Savannah Logistics Ltd"
    assert Organization.objects.filter(slug="savannah").count() == 1
    assert api_key_find(raw_key=lines[-1]).organization == organization
    assert not any("Created organization" in line for line in lines)


def test_unknown_organization_without_create_org_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match=r"No organization with the slug 'nowhere'.*--create-org"):
        run("--org", "nowhere", "--name", "POS")

    assert not Organization.objects.filter(slug="nowhere").exists()
    assert ApiKey.objects.count() == 0


def test_an_invalid_slug_for_a_new_organization_is_refused():
    with pytest.raises(CommandError, match="slug"):
        run("--org", "not a slug!", "--name", "POS", "--create-org", "Bad Slug Ltd")

    assert Organization.objects.count() == 0


def test_an_unknown_scope_is_rejected_by_the_argument_parser():
    OrganizationFactory(slug="kisumu-hardware")

    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        run("--org", "kisumu-hardware", "--name", "POS", "--scope", "admin")

    assert ApiKey.objects.count() == 0
