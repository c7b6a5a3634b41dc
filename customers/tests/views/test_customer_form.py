import re
from decimal import Decimal

import pytest

from customers.models import Customer
from customers.services import bank_account_create, customer_create, customer_update
from tests.factories import ContactOriginFactory, PaymentTermsFactory

pytestmark = pytest.mark.django_db

CREATE = "/customers/new/"


def form_data(organization, **overrides) -> dict:
    """What a browser sends for a new customer with every section filled in."""
    data = {
        "branch": str(organization.branches.get(code="00").pk),
        "name": "Kamau Hardware Ltd",
        "customer_no": "",
        "legal_name": "Kamau Hardware Limited",
        "alias": "Kamau",
        "type": "company",
        "tax_id": "a000123456b",
        "registration_number": "PVT-9XY7ZZ",
        "vat_number": "",
        "ean_number": "4006381333931",
        "phone": "0712 345 678",
        "email": "Sales@Kamau.co.ke",
        "website": "https://kamau.co.ke",
        "contact_first_name": "Peter",
        "contact_last_name": "Kamau",
        "contact_phone": "0733 111 222",
        "address": "Moi Avenue 12",
        "city": "Nairobi",
        "postal_code": "00100",
        "location": "Next to the post office",
        "country": "ke",
        "language": "sw",
        "currency": "kes",
        "invoice_attention": "Accounts",
        "invoice_email": "invoices@kamau.co.ke",
        "credit_limit": "250000.00",
        "vat_zone": "domestic",
        "discount_percent": "2.5",
        "metadata": "loyalty_no = L-1001\nsegment = hardware",
        "bank-TOTAL_FORMS": "1",
        "bank-INITIAL_FORMS": "0",
        "bank-MIN_NUM_FORMS": "0",
        "bank-MAX_NUM_FORMS": "1000",
        "bank-0-bank_name": "Equity Bank",
        "bank-0-account_number": "0170123456789",
        "bank-0-iban": "",
        "bank-0-bic": "",
    }
    data.update(overrides)
    return data


def test_create_page_groups_every_field_with_a_label(client_as, clerk, organization):
    response = client_as(clerk).get(CREATE)

    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Identity", "Contact", "Address", "Classification", "Invoicing", "Bank accounts", "Metadata"):
        assert f'<h2 class="form-section__title">{title}</h2>' in html
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    visible = [tag for tag in controls if 'type="hidden"' not in tag and "__prefix__" not in tag]
    assert len(visible) > 35
    for tag in visible:
        control_id = re.search(r'\bid="([^"]+)"', tag).group(1)
        assert f'for="{control_id}"' in html, f"{control_id} has no label"
    assert response.context["form"]["country"].value() == "KE"


def test_create_saves_every_field_through_the_service(client_as, clerk, organization, retail):
    origin = ContactOriginFactory(organization=organization, name="Referral")
    terms = PaymentTermsFactory(organization=organization, name="Net 30")

    response = client_as(clerk).post(
        CREATE,
        form_data(organization, category=retail.pk, origin=origin.pk, payment_terms=terms.pk),
    )

    customer = Customer.objects.get(name="Kamau Hardware Ltd")
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.customer_no == "CUST000001"
    assert customer.tax_id == "A000123456B"
    assert customer.phone == "+254712345678" and customer.contact_phone == "+254733111222"
    assert customer.email == "sales@kamau.co.ke"
    assert (customer.country, customer.currency, customer.language) == ("KE", "KES", "sw")
    assert customer.credit_limit == Decimal("250000.00") and customer.discount_percent == Decimal("2.50")
    assert customer.metadata == {"loyalty_no": "L-1001", "segment": "hardware"}
    assert (customer.category, customer.origin, customer.payment_terms) == (retail, origin, terms)
    assert customer.source == "ui" and customer.created_by == clerk
    assert list(customer.bank_accounts.values_list("account_number", flat=True)) == ["0170123456789"]


def test_bad_kra_pin_is_shown_beside_the_field_and_keeps_what_was_typed(client_as, clerk, organization):
    response = client_as(clerk).post(CREATE, form_data(organization, tax_id="P12345", name="Akinyi <b>Boutique</b>"))

    assert response.status_code == 200
    assert not Customer.objects.exists()
    html = response.content.decode()
    feedback = re.search(r'<div class="field-feedback" id="id_tax_id-feedback"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "The tin format is invalid." in feedback
    assert 'value="P12345"' in html
    assert 'value="Akinyi &lt;b&gt;Boutique&lt;/b&gt;"' in html
    assert 'aria-invalid="true"' in html


def test_bad_phone_and_iban_errors_land_beside_their_fields(client_as, clerk, organization):
    response = client_as(clerk).post(
        CREATE,
        form_data(organization, phone="12", **{"bank-0-iban": "DE89370400440532013001", "bank-0-account_number": ""}),
    )

    assert response.status_code == 200
    assert not Customer.objects.exists()
    form = response.context["form"]
    assert form.errors["phone"] == ["Enter a valid phone number, for example +254712345678."]


def test_bad_iban_rolls_back_the_new_customer(client_as, clerk, organization):
    response = client_as(clerk).post(
        CREATE, form_data(organization, **{"bank-0-iban": "DE89370400440532013001", "bank-0-account_number": ""})
    )

    assert response.status_code == 200
    assert not Customer.objects.exists()
    assert "iban" in response.context["formset"].forms[0].errors


def test_duplicate_customer_number_is_refused_beside_the_field(client_as, clerk, organization):
    customer_create(organization=organization, name="First", customer_no="KE-001")

    response = client_as(clerk).post(CREATE, form_data(organization, customer_no="KE-001"))

    assert response.status_code == 200
    assert response.context["form"].errors["customer_no"] == [
        "Customer with this customer_no already exists in this branch"
    ]
    assert Customer.objects.count() == 1


def test_missing_name_keeps_the_other_values(client_as, clerk, organization):
    response = client_as(clerk).post(CREATE, form_data(organization, name=""))

    assert response.context["form"].errors["name"] == ["This field is required."]
    assert 'value="invoices@kamau.co.ke"' in response.content.decode()


def edit_data(customer, **overrides) -> dict:
    from customers.forms import CustomerForm

    data = {key: ("" if value is None else value) for key, value in CustomerForm.initial_from(customer).items()}
    data["metadata"] = "\n".join(f"{key} = {value}" for key, value in customer.metadata.items())
    data.update(
        {
            "bank-TOTAL_FORMS": "1",
            "bank-INITIAL_FORMS": "0",
            "bank-MIN_NUM_FORMS": "0",
            "bank-MAX_NUM_FORMS": "1000",
        }
    )
    data.update(overrides)
    return data


def test_edit_changes_only_what_the_user_changed(client_as, clerk, wanjiku):
    response = client_as(clerk).post(f"/customers/{wanjiku.pk}/edit/", edit_data(wanjiku, city="Eldoret"))

    assert response.status_code == 302
    wanjiku.refresh_from_db()
    assert wanjiku.city == "Eldoret" and wanjiku.tax_id == "A051234567X"
    latest = wanjiku.history.latest()
    changed = latest.diff_against(latest.prev_record).changed_fields
    assert set(changed) == {"city", "updated_by"}


def test_stale_edit_is_refused_without_overwriting(client_as, clerk, manager, wanjiku):
    session = client_as(clerk)
    opened = session.get(f"/customers/{wanjiku.pk}/edit/")
    data = edit_data(wanjiku, city="Kisumu")
    assert opened.context["form"]["updated_at"].value() == data["updated_at"]
    customer_update(customer=wanjiku, actor=manager, city="Mombasa")

    response = session.post(f"/customers/{wanjiku.pk}/edit/", data)

    assert response.status_code == 200
    assert "Someone changed this customer after you opened the form" in response.content.decode()
    assert 'value="Kisumu"' in response.content.decode()
    wanjiku.refresh_from_db()
    assert wanjiku.city == "Mombasa"


def test_edit_adds_updates_and_removes_bank_accounts(client_as, clerk, wanjiku):
    kept = bank_account_create(customer=wanjiku, account_number="0100111", bank_name="KCB")
    dropped = bank_account_create(customer=wanjiku, account_number="0100222", bank_name="NCBA")
    data = edit_data(
        wanjiku,
        **{
            "bank-TOTAL_FORMS": "3",
            "bank-INITIAL_FORMS": "2",
            "bank-0-id": str(kept.pk),
            "bank-0-bank_name": "KCB Bank",
            "bank-0-account_number": "0100111",
            "bank-1-id": str(dropped.pk),
            "bank-1-bank_name": "NCBA",
            "bank-1-account_number": "0100222",
            "bank-1-DELETE": "on",
            "bank-2-bank_name": "Danske Bank",
            "bank-2-iban": "DK50 0040 0440 1162 43",
            "bank-2-bic": "DABADKKK",
        },
    )

    response = client_as(clerk).post(f"/customers/{wanjiku.pk}/edit/", data)

    assert response.status_code == 302
    accounts = {account.bank_name: account for account in wanjiku.bank_accounts.all()}
    assert set(accounts) == {"KCB Bank", "Danske Bank"}
    assert accounts["Danske Bank"].iban == "DK5000400440116243"


def test_viewer_cannot_open_or_post_the_forms(client_as, viewer, organization, wanjiku):
    session = client_as(viewer)

    assert session.get(CREATE).status_code == 403
    assert session.post(CREATE, form_data(organization)).status_code == 403
    assert session.get(f"/customers/{wanjiku.pk}/edit/").status_code == 403
    assert session.post(f"/customers/{wanjiku.pk}/edit/", edit_data(wanjiku, city="Thika")).status_code == 403
    wanjiku.refresh_from_db()
    assert wanjiku.city == ""
    assert Customer.objects.count() == 1


def test_archived_category_is_offered_only_to_the_customer_that_has_it(client_as, clerk, organization, wanjiku):
    from customers.models import Category
    from customers.services import lookup_archive, lookup_create

    old = lookup_create(model=Category, organization=organization, name="Legacy")
    customer_update(customer=wanjiku, category=old)
    lookup_archive(item=old)

    edit_choices = client_as(clerk).get(f"/customers/{wanjiku.pk}/edit/").context["form"]["category"].field.queryset
    create_choices = client_as(clerk).get(CREATE).context["form"]["category"].field.queryset

    assert old in edit_choices and old not in create_choices
