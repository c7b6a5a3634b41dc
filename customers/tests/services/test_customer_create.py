import uuid

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import DuplicateCustomerNumber
from customers.models import Customer, FinanceCode
from customers.services import customer_create, customer_soft_delete
from customers.validators import PHONE_INVALID, TAX_ID_INVALID
from tests.factories import (
    BranchFactory,
    CategoryFactory,
    ContactOriginFactory,
    CustomerGroupFactory,
    OrganizationFactory,
    PaymentTermsFactory,
)

pytestmark = pytest.mark.django_db


def _refused(organization, **data) -> dict[str, list[str]]:
    """The field errors of a create that must fail, after checking nothing was written."""
    with pytest.raises(ValidationError) as excinfo:
        customer_create(organization=organization, **data)
    assert not Customer.objects.filter(organization=organization).exists()
    return excinfo.value.message_dict


# Defaults


def test_a_customer_gets_the_head_office_and_the_organizations_country_and_currency(organization, clerk):
    customer = customer_create(organization=organization, actor=clerk, name="Jane Wanjiku")

    customer.refresh_from_db()
    assert customer.branch.code == "00"
    assert (customer.country, customer.currency) == ("KE", "KES")
    assert (customer.type, customer.status, customer.is_active) == ("individual", "active", True)
    assert customer.source == "ui"
    assert customer.created_by == clerk
    assert customer.updated_by == clerk


def test_a_colombian_organizations_customer_defaults_to_co_and_cop():
    organization = OrganizationFactory(slug="andes", country="CO", base_currency="COP")

    customer = customer_create(organization=organization, name="Tiendas Andinas S.A.S.")

    assert (customer.country, customer.currency) == ("CO", "COP")


def test_a_given_country_and_currency_override_the_organizations_and_are_upper_cased(organization):
    customer = customer_create(organization=organization, name="Nordisk Handel ApS", country="dk", currency="dkk")

    customer.refresh_from_db()
    assert (customer.country, customer.currency) == ("DK", "DKK")


def test_the_creating_front_door_is_recorded_as_source(organization):
    customer = customer_create(organization=organization, source="api", name="XYZ Enterprises")

    customer.refresh_from_db()
    assert customer.source == "api"


# Generated customer numbers


def test_generated_numbers_count_up_separately_per_organization(organization, other_organization):
    first = customer_create(organization=organization, name="Jane Wanjiku")
    second = customer_create(organization=organization, name="Otieno Hardware")
    foreign = customer_create(organization=other_organization, name="Kofi Mensah")

    assert (first.customer_no, second.customer_no) == ("CUST000001", "CUST000002")
    assert foreign.customer_no == "CUST000001"


def test_a_generated_number_skips_one_already_taken_by_an_explicit_customer_no(organization):
    customer_create(organization=organization, name="Imported Customer", customer_no="CUST000002")

    first = customer_create(organization=organization, name="Jane Wanjiku")
    second = customer_create(organization=organization, name="Otieno Hardware")

    assert (first.customer_no, second.customer_no) == ("CUST000001", "CUST000003")


def test_a_generated_number_skips_one_taken_in_another_branch(organization, westlands):
    customer_create(organization=organization, branch=westlands, name="Westlands Pharmacy", customer_no="CUST000001")

    generated = customer_create(organization=organization, name="Jane Wanjiku")

    assert generated.customer_no == "CUST000002"


def test_an_explicit_customer_no_is_kept_without_surrounding_spaces(organization):
    customer = customer_create(organization=organization, name="XYZ Enterprises", customer_no="  CUST003 ")

    customer.refresh_from_db()
    assert customer.customer_no == "CUST003"


@pytest.mark.parametrize("customer_no", ["CUST 003", "CUST#003", "C" * 51])
def test_a_customer_no_with_spaces_symbols_or_over_50_chars_is_refused(organization, customer_no):
    errors = _refused(organization, name="XYZ Enterprises", customer_no=customer_no)

    assert list(errors) == ["customer_no"]


# Duplicate customer numbers


def test_a_duplicate_customer_no_in_the_same_branch_is_a_409_on_customer_no(organization):
    customer_create(organization=organization, name="XYZ Enterprises", customer_no="CUST003")

    with pytest.raises(DuplicateCustomerNumber) as excinfo:
        customer_create(organization=organization, name="XYZ Enterprises Copy", customer_no=" CUST003")

    assert excinfo.value.status_code == 409
    assert excinfo.value.errors == {"customer_no": ["Customer with this customer_no already exists in this branch"]}
    assert list(Customer.objects.values_list("name", flat=True)) == ["XYZ Enterprises"]


def test_the_same_customer_no_is_allowed_in_another_branch(organization, westlands):
    customer_create(organization=organization, name="XYZ Enterprises", customer_no="CUST003")

    other = customer_create(organization=organization, branch=westlands, name="XYZ Westlands", customer_no="CUST003")

    assert other.branch == westlands
    assert Customer.objects.filter(organization=organization, customer_no="CUST003").count() == 2


def test_the_same_customer_no_is_allowed_in_another_organization(organization, other_organization):
    customer_create(organization=organization, name="XYZ Enterprises", customer_no="CUST003")

    other = customer_create(organization=other_organization, name="XYZ Ghana", customer_no="CUST003")

    assert other.customer_no == "CUST003"


def test_a_customer_no_is_free_again_once_its_customer_is_soft_deleted(organization):
    first = customer_create(organization=organization, name="XYZ Enterprises", customer_no="CUST003")
    customer_soft_delete(customer=first)

    second = customer_create(organization=organization, name="XYZ Enterprises (new)", customer_no="CUST003")

    assert second.pk != first.pk
    assert Customer.objects.alive().get(organization=organization, customer_no="CUST003") == second


# Normalization of identifiers and contact data


@pytest.mark.parametrize(
    ("country", "raw", "stored"),
    [
        ("KE", "p051 234 567x", "P051234567X"),
        ("KE", "A012345678B", "A012345678B"),
        ("CO", "890.903.938-8", "890903938-8"),
        ("CO", "900123456", "900123456"),
        ("DK", "DK 24 25 67 90", "24256790"),
        ("GH", "p0012345678", "P0012345678"),
        ("GH", "GHA-123456789-0", "GHA-123456789-0"),
    ],
)
def test_a_tax_id_is_stored_upper_case_without_spaces(organization, country, raw, stored):
    customer = customer_create(organization=organization, name="Tax Payer", country=country, tax_id=raw)

    customer.refresh_from_db()
    assert customer.tax_id == stored


@pytest.mark.parametrize(
    ("country", "tax_id"),
    [
        ("KE", "X051234567X"),  # a KRA PIN starts with P or A
        ("KE", "P05123456X"),  # and has nine digits
        ("CO", "890903938-7"),  # the DIAN check digit of 890903938 is 8
        ("CO", "12345"),
        ("DK", "24256791"),  # fails the CVR mod-11 check
        ("DK", "P051234567X"),  # a Kenyan PIN is not a Danish CVR
        ("GH", "P001234567"),
    ],
)
def test_a_tax_id_failing_its_countrys_rule_is_refused_on_tax_id(organization, country, tax_id):
    errors = _refused(organization, name="Tax Payer", country=country, tax_id=tax_id)

    assert errors == {"tax_id": [TAX_ID_INVALID]}


@pytest.mark.parametrize(
    ("country", "raw", "stored"),
    [
        ("KE", "0712 345 678", "+254712345678"),
        ("KE", "+254 733-345-678", "+254733345678"),
        ("CO", "300 123 4567", "+573001234567"),
        ("DK", "32 12 34 56", "+4532123456"),
    ],
)
def test_phones_are_stored_in_e164_read_in_the_customers_country(organization, country, raw, stored):
    customer = customer_create(organization=organization, name="Caller", country=country, phone=raw, contact_phone=raw)

    customer.refresh_from_db()
    assert (customer.phone, customer.contact_phone) == (stored, stored)


@pytest.mark.parametrize("phone", ["12345", "0712", "call me", "+254 12"])
def test_an_unparseable_phone_is_refused_on_phone(organization, phone):
    errors = _refused(organization, name="Caller", phone=phone)

    assert errors == {"phone": [PHONE_INVALID]}


def test_emails_are_stored_lower_case(organization):
    customer = customer_create(
        organization=organization,
        name="XYZ Enterprises",
        email=" Contact@XYZ.co.KE ",
        invoice_email="Invoices@XYZ.co.ke",
    )

    customer.refresh_from_db()
    assert (customer.email, customer.invoice_email) == ("contact@xyz.co.ke", "invoices@xyz.co.ke")


@pytest.mark.parametrize("field", ["email", "invoice_email"])
@pytest.mark.parametrize("email", ["contact@@xyz.co.ke", "contact.xyz.co.ke", "contact@"])
def test_an_invalid_email_is_refused_on_its_field(organization, field, email):
    errors = _refused(organization, name="XYZ Enterprises", **{field: email})

    assert list(errors) == [field]


def test_every_bad_contact_field_is_reported_at_once(organization):
    errors = _refused(organization, name="XYZ Enterprises", tax_id="123", phone="12345", email="contact@@xyz")

    assert set(errors) == {"tax_id", "phone", "email"}


def test_an_ean_with_a_valid_gs1_check_digit_is_kept(organization):
    customer = customer_create(organization=organization, name="Naivas Supermarket", ean_number="4006381333931")

    customer.refresh_from_db()
    assert customer.ean_number == "4006381333931"


@pytest.mark.parametrize("ean", ["4006381333932", "400638133393", "40063813339A1"])
def test_an_ean_with_a_wrong_check_digit_or_length_is_refused_on_ean_number(organization, ean):
    errors = _refused(organization, name="Naivas Supermarket", ean_number=ean)

    assert list(errors) == ["ean_number"]


def test_required_and_enumerated_fields_are_checked(organization):
    errors = _refused(organization, name="   ", type="alien", vat_zone="mars", discount_percent="101")

    assert set(errors) == {"name", "type", "vat_zone", "discount_percent"}


def test_a_negative_credit_limit_is_refused(organization):
    errors = _refused(organization, name="XYZ Enterprises", credit_limit="-1.00")

    assert list(errors) == ["credit_limit"]


# Metadata limits


def test_metadata_at_its_limits_is_accepted(organization):
    metadata = {f"key_{index:02d}": "v" for index in range(49)}
    metadata["k" * 40] = "x" * 500

    customer = customer_create(organization=organization, name="XYZ Enterprises", metadata=metadata)

    customer.refresh_from_db()
    assert customer.metadata == metadata


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param({f"key_{index:02d}": "v" for index in range(51)}, id="51-keys"),
        pytest.param({"k" * 41: "v"}, id="key-over-40"),
        pytest.param({"note": "x" * 501}, id="value-over-500"),
        pytest.param({"visits": 5}, id="value-not-a-string"),
        pytest.param({"": "v"}, id="empty-key"),
        pytest.param(["erp", "pos"], id="not-an-object"),
    ],
)
def test_metadata_over_its_limits_is_refused_on_metadata(organization, metadata):
    errors = _refused(organization, name="XYZ Enterprises", metadata=metadata)

    assert list(errors) == ["metadata"]


# Fields a caller cannot set


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("balance", "1000000.00"),
        ("total_transactions", 40),
        ("used_in_booked", True),
        ("deleted_at", "2024-01-01T00:00:00Z"),
        ("uid", uuid.UUID("2f1c9a1e-8a5e-4a59-9a62-3b4a4e0d7f10")),
        ("organization_id", 1),
        ("custNm", "XYZ Enterprises"),
    ],
)
def test_unknown_or_read_only_fields_are_refused_by_name(organization, field, value):
    errors = _refused(organization, name="XYZ Enterprises", **{field: value})

    assert errors == {field: ["This field cannot be set."]}


# Lookups of the customer's own organization only


def test_lookups_of_the_same_organization_are_linked(organization, westlands):
    category = CategoryFactory(organization=organization, name="Wholesale")
    group = CustomerGroupFactory(organization=organization, name="Nairobi Retail")
    origin = ContactOriginFactory(organization=organization, name="Referral")
    terms = PaymentTermsFactory(organization=organization, name="Net 30", days=30)
    finance_code = FinanceCode.objects.create(organization=organization, name="1200 Trade debtors")

    customer = customer_create(
        organization=organization,
        name="Otieno Hardware",
        branch=westlands,
        category=category,
        group=group,
        origin=origin,
        payment_terms=terms,
        finance_code=finance_code,
    )

    customer.refresh_from_db()
    assert (customer.branch, customer.category, customer.group) == (westlands, category, group)
    assert (customer.origin, customer.payment_terms, customer.finance_code) == (origin, terms, finance_code)


@pytest.mark.parametrize(
    ("field", "make", "message"),
    [
        ("branch", lambda org: BranchFactory(organization=org, code="01"), "Unknown branch."),
        ("category", lambda org: CategoryFactory(organization=org), "Unknown category."),
        ("group", lambda org: CustomerGroupFactory(organization=org), "Unknown group."),
        ("origin", lambda org: ContactOriginFactory(organization=org), "Unknown origin."),
        ("payment_terms", lambda org: PaymentTermsFactory(organization=org), "Unknown payment terms."),
        (
            "finance_code",
            lambda org: FinanceCode.objects.create(organization=org, name="4000"),
            "Unknown finance code.",
        ),
    ],
)
def test_a_lookup_of_another_organization_is_refused_as_unknown(organization, other_organization, field, make, message):
    foreign = make(other_organization)

    errors = _refused(organization, name="Otieno Hardware", **{field: foreign})

    # The same words as for a lookup that does not exist: nothing about the other organization leaks.
    assert errors == {field: [message]}
    assert foreign.name not in str(errors)


# History


def test_creation_is_recorded_in_the_history_with_the_actor(organization, clerk):
    customer = customer_create(organization=organization, actor=clerk, name="Jane Wanjiku", tax_id="P051234567X")

    record = customer.history.get()
    assert record.history_type == "+"
    assert record.history_user == clerk
    assert (record.name, record.tax_id, record.customer_no) == ("Jane Wanjiku", "P051234567X", "CUST000001")
