import hashlib
import re

import pytest
from django.urls import reverse

from accounts.models import ApiKey
from accounts.selectors import api_key_find
from accounts.services import api_key_create
from customers.tests.admin.browser import submit_form

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_apikey_changelist")
ADD = reverse("admin:accounts_apikey_add")
SECRET_RE = re.compile(r"chk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


def test_creating_a_key_shows_the_secret_once_and_keeps_only_its_hash(manager_client, manager, organization):
    response = submit_form(manager_client, ADD, form_id="apikey_form", changes={"name": "POS till 1", "scope": "write"})
    shown = manager_client.get(response.url)
    again = manager_client.get(CHANGELIST)

    assert response.status_code == 302
    secrets_shown = SECRET_RE.findall(shown.content.decode())
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    assert SECRET_RE.search(again.content.decode()) is None
    key = ApiKey.objects.get()
    assert (key.organization, key.name, key.scope, key.created_by) == (organization, "POS till 1", "write", manager)
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {key.name, key.prefix, key.secret_hash}
    assert api_key_find(raw_key=secret) == key


def test_the_key_page_never_shows_the_hash(manager_client, organization):
    issued = api_key_create(organization=organization, name="Invoicing")

    page = manager_client.get(reverse("admin:accounts_apikey_change", args=[issued.api_key.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert issued.api_key.prefix in html
    assert issued.api_key.secret_hash not in html
    assert 'name="_save"' not in html


def test_revoke_selected_revokes_the_keys(manager_client, organization):
    issued = api_key_create(organization=organization, name="Old integration")

    response = manager_client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [issued.api_key.pk]})

    assert response.status_code == 302
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is not None
    assert api_key_find(raw_key=issued.secret) is None


def test_a_superuser_opens_the_key_list_and_page(admin_client, organization):
    issued = api_key_create(organization=organization, name="Invoicing")

    assert admin_client.get(CHANGELIST).status_code == 200
    assert admin_client.get(reverse("admin:accounts_apikey_change", args=[issued.api_key.pk])).status_code == 200


def test_keys_of_another_organization_stay_hidden(manager_client, organization, other_organization):
    api_key_create(organization=organization, name="Ours")
    theirs = api_key_create(organization=other_organization, name="Theirs").api_key

    listing = manager_client.get(CHANGELIST)

    assert [key.name for key in listing.context["cl"].result_list] == ["Ours"]
    assert manager_client.get(reverse("admin:accounts_apikey_change", args=[theirs.pk])).status_code == 302


def test_a_key_cannot_be_issued_for_another_organization(manager_client, other_organization):
    response = submit_form(
        manager_client,
        ADD,
        form_id="apikey_form",
        changes={"organization": str(other_organization.pk), "name": "Smuggled"},
    )

    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_clerks_do_not_manage_api_keys(clerk_client):
    assert clerk_client.get(CHANGELIST).status_code == 403
    assert clerk_client.get(ADD).status_code == 403


def test_a_clerk_elsewhere_is_offered_only_the_organizations_they_manage(manager, organization, other_organization):
    from django.test import Client

    from tests.factories import MembershipFactory

    MembershipFactory(user=manager, organization=other_organization, role="clerk")
    client = Client()
    client.force_login(manager)

    form = client.get(ADD).context["adminform"].form

    assert list(form.fields["organization"].queryset) == [organization]
