import csv
import io

import pytest
from django.urls import reverse
from import_export.formats import base_formats
from openpyxl import load_workbook

from customers.models import ContactPhone, Customer
from customers.resources import CustomerResource
from customers.services import contact_phone_set_locked, customer_create
from customers.tests.admin.browser import form_values, submit_form

pytestmark = pytest.mark.django_db

FORM = "customer_form"
CHANGELIST = reverse("admin:customers_customer_changelist")
ADD = reverse("admin:customers_customer_add")


def change_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


def listed_names(response) -> list[str]:
    return [customer.name for customer in response.context["cl"].result_list]


def test_a_superuser_opens_the_customer_list_and_a_full_customer_page(admin_client, customer):
    listing = admin_client.get(CHANGELIST)
    page = admin_client.get(change_url(customer))

    assert listing.status_code == 200
    assert listed_names(listing) == ["Jane Wanjiku"]
    assert page.status_code == 200
    html = page.content.decode()
    for shown in ("accounts@wanjiku.co.ke", "+254722000111", "0100123456789", "Wanjiku Traders Ltd", "1160.00"):
        assert shown in html


def test_a_member_sees_only_the_customers_of_their_organization(manager_client, customer, other_customer):
    listing = manager_client.get(CHANGELIST)
    foreign = manager_client.get(change_url(other_customer))

    assert listed_names(listing) == ["Jane Wanjiku"]
    # Another organization's customer is "not found", exactly like a missing one.
    assert foreign.status_code == 302
    assert foreign.url == reverse("admin:index")
    assert "Kamau Hardware" not in manager_client.get(foreign.url).content.decode()


def test_a_member_gets_the_same_answer_for_a_foreign_customer_history(manager_client, other_customer):
    response = manager_client.get(reverse("admin:customers_customer_history", args=[other_customer.pk]))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_a_viewer_reads_customers_but_cannot_add_or_change_them(viewer_client, customer):
    listing = viewer_client.get(CHANGELIST)
    page = viewer_client.get(change_url(customer))

    assert listing.status_code == 200
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert viewer_client.get(ADD).status_code == 403
    assert viewer_client.post(ADD, {"name": "Sneaky Ltd"}).status_code == 403
    assert viewer_client.post(change_url(customer), {"name": "Renamed"}).status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Jane Wanjiku"


def test_the_add_form_stores_an_e164_phone_and_numbers_the_customer(clerk_client, clerk, organization):
    response = submit_form(
        clerk_client,
        ADD,
        form_id=FORM,
        changes={"name": "Achieng Stores", "phone": "0733 345 678", "tax_id": "p000789012y"},
    )

    assert response.status_code == 302
    created = Customer.objects.get(name="Achieng Stores")
    assert created.organization == organization
    assert created.phone == "+254733345678"
    assert created.tax_id == "P000789012Y"
    assert created.customer_no == "CUST000001"
    assert (created.source, created.created_by, created.branch.code) == ("ui", clerk, "00")


def test_a_bad_kra_pin_is_shown_beside_the_field_and_nothing_is_saved(clerk_client, organization):
    response = submit_form(
        clerk_client, ADD, form_id=FORM, changes={"name": "Achieng Stores", "tax_id": "X123", "phone": "0733345678"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tax_id"] == ["The tin format is invalid."]
    assert "The tin format is invalid." in response.content.decode()
    assert not Customer.objects.exists()
    organization.refresh_from_db()
    assert organization.customer_number_seq == 0


def test_a_taken_customer_number_is_reported_on_the_number(clerk_client, customer):
    response = submit_form(
        clerk_client, ADD, form_id=FORM, changes={"name": "Copycat Ltd", "customer_no": customer.customer_no}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["customer_no"] == [
        "Customer with this customer_no already exists in this branch"
    ]
    assert not Customer.objects.filter(name="Copycat Ltd").exists()


def test_an_unparseable_phone_in_an_inline_row_keeps_the_whole_save_back(clerk_client, customer):
    response = submit_form(
        clerk_client,
        change_url(customer),
        form_id=FORM,
        changes={
            "name": "Jane W. Wanjiku",
            "phones-TOTAL_FORMS": "2",
            "phones-1-number": "12",
            "phones-1-contact_name": "Nobody",
        },
    )

    assert response.status_code == 200
    phone_forms = response.context["inline_admin_formsets"][1].formset.forms
    assert phone_forms[1].errors["number"] == ["Enter a valid phone number, for example +254712345678."]
    customer.refresh_from_db()
    assert customer.name == "Jane Wanjiku"
    assert customer.phones.count() == 1


def test_an_inline_phone_is_stored_in_e164(clerk_client, customer):
    response = submit_form(
        clerk_client,
        change_url(customer),
        form_id=FORM,
        changes={"phones-TOTAL_FORMS": "2", "phones-1-number": "0711 222 333", "phones-1-is_whatsapp": "on"},
    )

    assert response.status_code == 302
    assert list(customer.phones.order_by("id").values_list("number", "is_whatsapp")) == [
        ("+254722000111", False),
        ("+254711222333", True),
    ]


def test_a_locked_phone_is_read_only_in_the_inline(clerk_client, manager, customer):
    phone = customer.phones.get()
    contact_phone_set_locked(contact=phone, locked=True, actor=manager)
    url = change_url(customer)

    page = clerk_client.get(url)
    locked_form = page.context["inline_admin_formsets"][1].formset.forms[0]
    editable = ("number", "extension", "is_whatsapp", "contact_name", "role", "notes", "is_locked", "DELETE")
    assert all(locked_form.fields[name].disabled for name in editable)
    # A hand-made POST that edits and deletes the row changes nothing either.
    data = form_values(page.content.decode(), form_id=FORM)
    data.update({"phones-0-number": "0799 999 999", "phones-0-DELETE": "on"})
    response = clerk_client.post(url, data)

    assert response.status_code == 302
    assert ContactPhone.objects.get(pk=phone.pk).number == "+254722000111"


def test_a_manager_unlocks_and_edits_a_phone_in_one_save(manager_client, manager, customer):
    phone = customer.phones.get()
    contact_phone_set_locked(contact=phone, locked=True, actor=manager)
    url = change_url(customer)

    # First save unlocks; the row is editable on the next page.
    unlocked = submit_form(manager_client, url, form_id=FORM, drop=["phones-0-is_locked"])
    assert unlocked.status_code == 302
    edited = submit_form(manager_client, url, form_id=FORM, changes={"phones-0-number": "+254 799 999 999"})

    assert edited.status_code == 302
    phone.refresh_from_db()
    assert (phone.number, phone.is_locked) == ("+254799999999", False)


def test_changing_a_customer_records_who_changed_what_in_history(clerk_client, clerk, customer):
    response = submit_form(
        clerk_client, change_url(customer), form_id=FORM, changes={"name": "Jane W. Wanjiku", "phone": "0799 111 222"}
    )
    history = clerk_client.get(reverse("admin:customers_customer_history", args=[customer.pk]))

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.updated_by) == ("Jane W. Wanjiku", "+254799111222", clerk)
    assert customer.history.first().history_user == clerk
    html = history.content.decode()
    assert history.status_code == 200
    assert clerk.username in html
    assert "Jane W. Wanjiku" in html


def test_deleting_a_customer_in_admin_is_a_soft_delete(manager_client, admin_client, customer):
    delete_url = reverse("admin:customers_customer_delete", args=[customer.pk])

    confirm = manager_client.get(delete_url)
    response = manager_client.post(delete_url, {"post": "yes"})

    assert confirm.status_code == 200
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    assert customer.transactions.count() == 1
    assert listed_names(manager_client.get(CHANGELIST)) == []
    # Superusers find it again through the "deleted" filter.
    assert listed_names(admin_client.get(CHANGELIST)) == []
    assert listed_names(admin_client.get(CHANGELIST, {"deleted": "yes"})) == ["Jane Wanjiku"]


def test_delete_selected_soft_deletes_every_chosen_customer(manager_client, organization, customer):
    second = customer_create(organization=organization, name="Otieno Motors")

    response = manager_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [customer.pk, second.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert Customer.objects.filter(pk__in=[customer.pk, second.pk], deleted_at__isnull=False).count() == 2


def test_a_clerk_cannot_delete_a_customer(clerk_client, customer):
    response = clerk_client.post(reverse("admin:customers_customer_delete", args=[customer.pk]), {"post": "yes"})

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_status_actions_call_the_services(manager_client, manager, customer):
    def act(action: str) -> str:
        manager_client.post(CHANGELIST, {"action": action, "_selected_action": [customer.pk]})
        customer.refresh_from_db()
        return customer.status

    assert act("block_selected") == "blocked"
    assert act("unblock_selected") == "active"
    assert act("archive_selected") == "archived"
    # The service refuses to block an archived customer; the admin says why.
    response = manager_client.post(
        CHANGELIST, {"action": "block_selected", "_selected_action": [customer.pk]}, follow=True
    )
    assert "unarchive it first" in response.content.decode()
    assert act("unarchive_selected") == "active"
    assert customer.updated_by == manager


def test_a_clerk_is_not_offered_the_archive_action(clerk_client, customer):
    listing = clerk_client.get(CHANGELIST)
    response = clerk_client.post(CHANGELIST, {"action": "archive_selected", "_selected_action": [customer.pk]})

    assert "archive_selected" not in listing.content.decode()
    assert response.status_code == 200  # "No action selected" on the list
    customer.refresh_from_db()
    assert customer.status == "active"


def test_drop_downs_offer_only_the_members_organizations(clerk_client, customer, other_organization):
    from customers.models import Category
    from customers.services import lookup_create

    lookup_create(model=Category, organization=other_organization, name="Foreign Category")
    form = clerk_client.get(ADD).context["adminform"].form

    branches = form.fields["branch"].queryset
    assert {branch.organization_id for branch in branches} == {customer.organization_id}
    assert [category.name for category in form.fields["category"].queryset] == ["Wholesale"]


def test_a_foreign_branch_posted_by_hand_is_refused(clerk_client, other_organization):
    foreign_branch = other_organization.branches.get(code="00")
    page = clerk_client.get(ADD)
    data = form_values(page.content.decode(), form_id=FORM)
    data.update({"name": "Smuggled Ltd", "branch": str(foreign_branch.pk)})

    response = clerk_client.post(ADD, data)

    assert response.status_code == 200
    assert "branch" in response.context["adminform"].form.errors
    assert not Customer.objects.filter(name="Smuggled Ltd").exists()


def test_the_admin_search_uses_the_customer_search(manager_client, customer, organization):
    customer_create(organization=organization, name="Otieno Motors", phone="+254733000444")

    by_name = manager_client.get(CHANGELIST, {"q": "wanjiku"})
    by_phone = manager_client.get(CHANGELIST, {"q": "0733 000 444"})

    assert listed_names(by_name) == ["Jane Wanjiku"]
    assert listed_names(by_phone) == ["Otieno Motors"]


def test_the_admin_index_lists_what_the_members_role_allows(viewer_client, manager_client):
    viewer_index = viewer_client.get(reverse("admin:index"))
    manager_index = manager_client.get(reverse("admin:index"))

    assert viewer_index.status_code == 200
    viewer_models = {model["object_name"] for app in viewer_index.context["app_list"] for model in app["models"]}
    manager_models = {model["object_name"] for app in manager_index.context["app_list"] for model in app["models"]}
    assert {"Customer", "Category", "Transaction", "BillingEntity", "Organization"} <= viewer_models
    assert not {"ApiKey", "Membership", "User"} & viewer_models
    assert {"ApiKey", "Membership"} <= manager_models


def test_the_add_page_opens_for_a_superuser(admin_client, customer):
    response = admin_client.get(ADD)

    assert response.status_code == 200
    # Every organization has a branch 00, so the drop-down says whose it is.
    labels = [label for _, label in response.context["adminform"].form.fields["branch"].choices]
    assert f"{customer.organization} · 00 Head Office" in labels


def test_inline_bank_accounts_and_billing_entities_go_through_their_services(clerk_client, customer):
    response = submit_form(
        clerk_client,
        change_url(customer),
        form_id=FORM,
        changes={
            "bank_accounts-TOTAL_FORMS": "2",
            "bank_accounts-1-iban": "de89 3704 0044 0532 0130 00",
            "bank_accounts-1-bic": "deut de ff",
            "billing_entities-TOTAL_FORMS": "2",
            "billing_entities-1-legal_name": "Wanjiku Holdings Ltd",
            "billing_entities-1-tax_id": "a012345679c",
            "billing_entities-1-is_active": "on",
            "billing_entities-1-is_default": "on",
        },
    )

    assert response.status_code == 302
    account = customer.bank_accounts.get(iban__startswith="DE")
    assert (account.iban, account.bic) == ("DE89370400440532013000", "DEUTDEFF")
    defaults = customer.billing_entities.filter(is_default=True)
    assert [(entity.legal_name, entity.tax_id) for entity in defaults] == [("Wanjiku Holdings Ltd", "A012345679C")]


def test_a_bad_iban_in_the_inline_is_shown_on_its_row(clerk_client, customer):
    response = submit_form(
        clerk_client,
        change_url(customer),
        form_id=FORM,
        changes={"bank_accounts-TOTAL_FORMS": "2", "bank_accounts-1-iban": "DE89370400440532013001"},
    )

    assert response.status_code == 200
    account_forms = response.context["inline_admin_formsets"][2].formset.forms
    assert account_forms[1].errors["iban"] == ["The IBAN check digits are wrong."]
    assert customer.bank_accounts.count() == 1


def test_an_unlocked_email_is_deleted_from_the_inline(clerk_client, clerk, customer):
    email = customer.emails.get()

    response = submit_form(clerk_client, change_url(customer), form_id=FORM, changes={"emails-0-DELETE": "on"})

    assert response.status_code == 302
    assert not customer.emails.exists()
    assert email.history.latest().history_type == "-"
    assert email.history.latest().history_user == clerk


def test_the_models_own_rules_are_reported_on_their_fields(clerk_client, customer):
    response = submit_form(
        clerk_client,
        change_url(customer),
        form_id=FORM,
        changes={"ean_number": "4006381333932", "customer_no": "NO SPACES ALLOWED"},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["ean_number"] == ["The EAN check digit is wrong."]
    assert errors["customer_no"] == ["Use up to 50 letters, digits or the characters - _ / . (no spaces)."]
    customer.refresh_from_db()
    assert (customer.ean_number, customer.customer_no) == ("", "CUST000001")


def test_the_customer_list_costs_the_same_queries_for_few_or_many_rows(manager_client, organization, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(CHANGELIST).status_code == 200
        return len(captured)

    few = queries_for_list()
    for number in range(6):
        customer_create(organization=organization, name=f"Duka {number}", phone=f"+25471100000{number}")
    many = queries_for_list()

    assert len(listed_names(manager_client.get(CHANGELIST))) == 7
    assert many == few


def test_admins_export_writes_formula_like_text_behind_an_apostrophe_and_keeps_numbers(organization, manager):
    customer_create(
        organization=organization,
        actor=manager,
        name='=HYPERLINK("http://x","click")',
        address="+254 Road",
        credit_limit="2500.50",
    )

    def exported():
        return CustomerResource().export(queryset=Customer.objects.filter(organization=organization))

    rows = list(csv.DictReader(io.StringIO(base_formats.CSV().export_data(exported()))))
    assert (rows[0]["Name"], rows[0]["Address"]) == ('\'=HYPERLINK("http://x","click")', "'+254 Road")
    sheet = load_workbook(io.BytesIO(base_formats.XLSX().export_data(exported()))).active
    headers = [cell.value for cell in sheet[1]]
    values = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
    assert values["Name"] == '\'=HYPERLINK("http://x","click")'
    assert values["Credit Limit"] == 2500.5
