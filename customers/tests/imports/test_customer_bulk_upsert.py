"""customer_bulk_upsert: the rules of customer_create/update, applied to many rows at once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.services import branch_create
from billing.models import PaymentTerms
from customers.models import Category, ContactOrigin, Customer, CustomerGroup, FinanceCode
from customers.search import search_index_check
from customers.selectors import customer_quick_search
from customers.services import ImportRow, customer_bulk_upsert, customer_create, lookup_create
from customers.services.imports import CellError
from transactions.models import Transaction
from transactions.services import balances_recompute, transaction_record

pytestmark = pytest.mark.django_db


def rows(*values: dict, first: int = 2) -> list[ImportRow]:
    return [ImportRow(number, row) for number, row in enumerate(values, start=first)]


def upsert(organization, *values: dict, **options):
    return customer_bulk_upsert(organization=organization, actor=None, rows=rows(*values), **options)


def errors_by_row(result) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for error in result.errors:
        found.setdefault(error.row, {})[error.field] = error.message
    return found


def test_short_layout_rows_become_customers_with_stored_contacts_and_an_opening_balance(organization):
    result = upsert(
        organization,
        {
            "name": "Jane Wanjiku",
            "phone": "0712 345 678",
            "email": "Jane@Wanjiku.CO.KE",
            "address": "Moi Avenue 12",
            "opening_balance": "1,250.50",
        },
        {"name": "Otieno Hardware", "phone": 733111222, "email": None, "address": "", "opening_balance": None},
    )

    assert (result.total_rows, result.created, result.updated, result.errors) == (2, 2, 0, [])
    jane = Customer.objects.get(name="Jane Wanjiku")
    assert (jane.phone, jane.email, jane.source) == ("+254712345678", "jane@wanjiku.co.ke", "import")
    assert jane.branch.code == "00" and jane.country == "KE" and jane.currency == "KES"
    assert jane.customer_no.startswith("CUST")
    assert Customer.objects.get(name="Otieno Hardware").phone == "+254733111222"
    entry = Transaction.objects.get(customer=jane)
    assert (entry.type, entry.total_amount, entry.status, entry.currency) == (
        "opening_balance",
        Decimal("1250.50"),
        "success",
        "KES",
    )
    assert (jane.balance, jane.total_debit, jane.total_transactions, jane.used_in_booked) == (
        Decimal("1250.50"),
        Decimal("1250.50"),
        1,
        True,
    )
    assert balances_recompute(organization=organization, fix=False) == []
    assert [c.name for c in customer_quick_search(organization=organization, query="0712345678")] == ["Jane Wanjiku"]
    assert search_index_check(organization_id=organization.pk) == []


def test_a_full_template_row_sets_every_field(organization):
    westlands = branch_create(organization=organization, code="01", name="Westlands")
    category = lookup_create(model=Category, organization=organization, name="Wholesale")
    group = lookup_create(model=CustomerGroup, organization=organization, name="Key Accounts")
    origin = lookup_create(model=ContactOrigin, organization=organization, name="Referral")
    finance_code = lookup_create(model=FinanceCode, organization=organization, name="1100 Trade Debtors")
    terms = lookup_create(model=PaymentTerms, organization=organization, name="Net 30", days=30)

    result = upsert(
        organization,
        {
            "customer_no": "DK-1001",
            "name": "Nordisk Handel ApS",
            "legal_name": "Nordisk Handel ApS",
            "alias": "Nordisk",
            "type": "Company",
            "tax_id": "DK 2531 3763",
            "registration_number": "25313763",
            "vat_number": "DK25313763",
            "ean_number": 4006381333931,
            "country": "dk",
            "language": "DA",
            "currency": "dkk",
            "address": "Vesterbrogade 1",
            "city": "København",
            "postal_code": "1620",
            "location": "3. sal",
            "phone": "33 12 34 56",
            "email": "Ordre@Nordisk.dk",
            "website": "nordisk.dk",
            "contact_first_name": "Mette",
            "contact_last_name": "Hansen",
            "contact_phone": "+45 20 12 34 56",
            "category": "wholesale",
            "group": "KEY ACCOUNTS",
            "origin": "Referral",
            "finance_code": "1100 Trade Debtors",
            "payment_terms": "net 30",
            "invoice_attention": "Bogholderi",
            "invoice_email": "faktura@nordisk.dk",
            "credit_limit": "50.000,00",
            "vat_zone": "European",
            "discount_percent": 2.5,
            "branch": "01",
            "opening_balance": 980,
            "metadata": '{"erp_id": "1001"}',
        },
    )

    assert result.errors == [] and result.created == 1
    customer = Customer.objects.get(customer_no="DK-1001")
    assert (customer.tax_id, customer.vat_number, customer.ean_number) == ("25313763", "DK25313763", "4006381333931")
    assert (customer.country, customer.language, customer.currency) == ("DK", "da", "DKK")
    assert (customer.phone, customer.contact_phone) == ("+4533123456", "+4520123456")
    assert (customer.email, customer.website, customer.type, customer.vat_zone) == (
        "ordre@nordisk.dk",
        "https://nordisk.dk",
        "company",
        "european",
    )
    assert (customer.category, customer.group, customer.origin) == (category, group, origin)
    assert (customer.finance_code, customer.payment_terms, customer.branch) == (finance_code, terms, westlands)
    assert (customer.credit_limit, customer.discount_percent) == (Decimal("50000.00"), Decimal("2.50"))
    assert customer.metadata == {"erp_id": "1001"}
    assert Transaction.objects.get(customer=customer).currency == "DKK"


def test_importing_the_same_rows_again_creates_nothing_and_records_no_second_opening_balance(organization):
    sheet = [
        {"name": "Jane Wanjiku", "phone": "0712345678", "email": "jane@wanjiku.co.ke", "opening_balance": 500},
        {"name": "Kamau Hardware", "tax_id": "P051234567X", "opening_balance": 1200},
        {"customer_no": "WALKIN", "name": "Walk-in Customer"},
        {"name": "Achieng Stores"},
    ]
    upsert(organization, *sheet)
    before = (Customer.objects.count(), Transaction.objects.count())

    again = upsert(organization, *sheet)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert (Customer.objects.count(), Transaction.objects.count()) == before == (4, 2)
    assert balances_recompute(organization=organization, fix=False) == []


def test_a_row_with_a_known_number_updates_only_the_cells_it_fills(organization):
    customer = customer_create(
        organization=organization, customer_no="CUST-9", name="Jane Wanjiku", email="jane@wanjiku.co.ke"
    )

    result = upsert(organization, {"customer_no": "CUST-9", "name": "", "phone": "0722 000 111", "email": ""})

    customer.refresh_from_db()
    assert (result.created, result.updated) == (0, 1)
    assert (customer.name, customer.phone, customer.email) == ("Jane Wanjiku", "+254722000111", "jane@wanjiku.co.ke")
    latest = customer.history.first()
    assert (latest.history_type, latest.history_change_reason, latest.phone) == ("~", "Import", "+254722000111")
    assert search_index_check(organization_id=organization.pk) == []


def test_a_row_without_a_number_updates_the_customer_with_its_tax_id(organization):
    customer = customer_create(organization=organization, name="Kamau Hardware", tax_id="P051234567X")

    result = upsert(organization, {"name": "Kamau Hardware Ltd", "tax_id": "p051 234 567x"})

    customer.refresh_from_db()
    assert (result.created, result.updated, customer.name) == (0, 1, "Kamau Hardware Ltd")


def test_an_opening_balance_is_added_once_and_kept_in_step_with_the_ledger(organization):
    with_balance = customer_create(organization=organization, customer_no="A1", name="Has Opening")
    transaction_record(organization=organization, customer=with_balance, type="opening_balance", total_amount="300")
    with_sale = customer_create(organization=organization, customer_no="A2", name="Has A Sale")
    transaction_record(
        organization=organization, customer=with_sale, type="sale", total_amount="1160", reference="INV-1"
    )

    result = upsert(
        organization,
        {"customer_no": "A1", "opening_balance": 999},
        {"customer_no": "A2", "opening_balance": "2,000"},
    )

    with_balance.refresh_from_db()
    with_sale.refresh_from_db()
    assert (result.updated, result.unchanged, result.opening_balances) == (1, 1, 1)
    assert with_balance.balance == Decimal("300.00")
    assert (with_sale.balance, with_sale.total_transactions) == (Decimal("3160.00"), 2)
    assert balances_recompute(organization=organization, fix=False) == []


def test_a_dry_run_counts_what_would_happen_and_writes_nothing(organization):
    customer_create(organization=organization, customer_no="A1", name="Existing")

    result = upsert(
        organization,
        {"customer_no": "A1", "name": "Renamed"},
        {"name": "New One", "opening_balance": 50},
        dry_run=True,
    )

    assert (result.created, result.updated, result.opening_balances, result.dry_run) == (1, 1, 1, True)
    assert list(Customer.objects.values_list("name", flat=True)) == ["Existing"]
    assert not Transaction.objects.exists()


def test_all_or_nothing_writes_nothing_when_any_row_is_invalid(organization):
    result = upsert(
        organization,
        {"name": "Jane Wanjiku", "phone": "0712345678"},
        {"name": "Bad Phone", "phone": "12"},
        {"name": "Bad Pin", "tax_id": "12345", "email": "not-an-email"},
        batch_size=1,
    )

    assert not Customer.objects.exists()
    assert (result.created, result.skipped) == (0, 3)
    assert errors_by_row(result) == {
        3: {"phone": "Enter a valid phone number, for example +254712345678."},
        4: {"tax_id": "The tin format is invalid.", "email": "Enter a valid email address."},
    }


def test_skip_invalid_writes_the_valid_rows_and_reports_the_others(organization):
    progress: list[int] = []

    result = upsert(
        organization,
        {"name": "Jane Wanjiku"},
        {"name": "", "phone": "0712345678"},
        {"name": "Kamau Hardware"},
        {"name": "Achieng Stores"},
        mode="skip_invalid",
        batch_size=2,
        progress=progress.append,
    )

    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        "Achieng Stores",
        "Jane Wanjiku",
        "Kamau Hardware",
    ]
    assert (result.created, result.skipped) == (3, 1)
    assert errors_by_row(result) == {3: {"name": "This field is required for a new customer."}}
    assert progress == [2, 3]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tax_id", "P05123"),
        ("phone", "+254 1"),
        ("email", "jane@"),
        ("customer_no", "CUST 001"),
        ("ean_number", "4006381333932"),
        ("discount_percent", "150"),
        ("credit_limit", "-5"),
        ("country", "Kenya"),
        ("name", "x" * 256),
        ("website", "not a site"),
    ],
)
def test_a_value_is_refused_with_the_message_customer_create_gives(organization, field, value):
    with pytest.raises(ValidationError) as refused:
        customer_create(organization=organization, **{"name": "Jane Wanjiku", field: value})

    result = upsert(organization, {"name": "Jane Wanjiku", field: value})

    expected = refused.value.message_dict[field]
    assert [error.message for error in result.errors if error.field == field] == expected


def test_metadata_follows_the_same_rules_as_the_api(organization):
    too_many = "{" + ", ".join(f'"k{i}": "v"' for i in range(51)) + "}"

    result = upsert(organization, {"name": "A", "metadata": too_many}, {"name": "B", "metadata": "erp=1"})

    assert errors_by_row(result) == {
        2: {"metadata": "Metadata can hold at most 50 keys."},
        3: {"metadata": 'Write metadata as a JSON object, for example {"erp_id": "1001"}.'},
    }


def test_the_branch_and_category_defaults_apply_to_rows_without_their_own(organization):
    westlands = branch_create(organization=organization, code="01", name="Westlands")
    wholesale = lookup_create(model=Category, organization=organization, name="Wholesale")
    retail = lookup_create(model=Category, organization=organization, name="Retail")

    upsert(
        organization,
        {"name": "Default Category"},
        {"name": "Own Category", "category": "Retail", "branch": "Head Office"},
        defaults={"branch": westlands, "category": wholesale},
    )

    defaulted = Customer.objects.get(name="Default Category")
    own = Customer.objects.get(name="Own Category")
    assert (defaulted.branch, defaulted.category) == (westlands, wholesale)
    assert (own.branch.code, own.category) == ("00", retail)


def test_lookups_and_branches_are_found_only_in_the_importing_organization(organization, other_organization):
    lookup_create(model=Category, organization=other_organization, name="Government")
    branch_create(organization=other_organization, code="07", name="Mombasa")
    foreign_category = lookup_create(model=Category, organization=other_organization, name="Foreign")

    result = upsert(
        organization,
        {"name": "A", "category": "Government"},
        {"name": "B", "branch": "07"},
        {"name": "C", "branch": "00"},
        mode="skip_invalid",
    )
    with_foreign_default = upsert(organization, {"name": "D"}, defaults={"category": foreign_category})

    assert errors_by_row(result) == {
        2: {"category": "Unknown category 'Government'."},
        3: {"branch": "Unknown branch '07'."},
    }
    assert errors_by_row(with_foreign_default) == {2: {"category": "Unknown category."}}
    assert list(Customer.objects.values_list("name", flat=True)) == ["C"]


def test_a_number_used_twice_in_the_file_is_reported_on_the_second_row(organization):
    result = upsert(organization, {"customer_no": "A1", "name": "First"}, {"customer_no": "A1", "name": "Second"})

    assert errors_by_row(result) == {3: {"customer_no": "Row 2 already imports this customer."}}
    assert not Customer.objects.exists()


def test_numbers_and_dates_written_oddly_are_read_or_reported_per_cell(organization):
    result = upsert(
        organization,
        {"customer_no": 1001.0, "name": "Float Number", "phone": 254712345678.0, "opening_balance": "KES 1 250,50"},
        {"name": "Parenthesised", "opening_balance": "(250.00)"},
        {"name": "A Date", "opening_balance": dt.datetime(2025, 1, 31)},
        {"name": "Spreadsheet Error", "phone": CellError("#N/A")},
        {"name": "Postal Date", "postal_code": dt.datetime(2025, 1, 31)},
        mode="skip_invalid",
    )

    first = Customer.objects.get(customer_no="1001")
    assert (first.phone, first.balance) == ("+254712345678", Decimal("1250.50"))
    assert Customer.objects.get(name="Postal Date").postal_code == "2025-01-31"
    assert errors_by_row(result) == {
        3: {"opening_balance": "An opening balance cannot be negative."},
        4: {"opening_balance": "Enter a number, for example 1500.50."},
        5: {"phone": "The cell shows the spreadsheet error #N/A; enter a value instead."},
    }


def test_generated_numbers_skip_numbers_taken_or_named_in_the_file(organization):
    customer_create(organization=organization, customer_no="CUST000001", name="Taken")

    upsert(organization, {"name": "Generated"}, {"customer_no": "CUST000002", "name": "Named In File"})

    assert Customer.objects.get(name="Generated").customer_no == "CUST000003"


def test_an_update_keeps_the_customers_country_for_its_tax_id(organization):
    customer_create(organization=organization, customer_no="CO-1", name="Andina SAS", country="CO")

    result = upsert(organization, {"customer_no": "CO-1", "tax_id": "900373115-3"})

    assert result.errors == []
    assert Customer.objects.get(customer_no="CO-1").tax_id == "900373115-3"


def test_rows_without_number_or_tax_id_match_by_name_phone_and_email(organization):
    existing = customer_create(organization=organization, name="Jane Wanjiku", phone="+254712345678")

    result = upsert(
        organization,
        {"name": "jane  wanjiku", "phone": "0712 345 678", "address": "Moi Avenue"},
        {"name": "Jane Wanjiku", "phone": "0722000111"},
    )

    existing.refresh_from_db()
    assert (result.created, result.updated, existing.address) == (1, 1, "Moi Avenue")


def test_a_customer_created_meanwhile_makes_the_import_a_conflict_not_a_duplicate(organization, monkeypatch):
    from core.exceptions import Conflict
    from customers.services import imports as import_service

    class AsBeforeItWasCreated(import_service.ExistingCustomers):
        def __init__(self, organization):
            super().__init__(organization)
            self.by_branch_no.clear()
            self.by_no.clear()

    customer_create(organization=organization, customer_no="A1", name="Created Meanwhile")
    monkeypatch.setattr(import_service, "ExistingCustomers", AsBeforeItWasCreated)

    with pytest.raises(Conflict):
        upsert(organization, {"customer_no": "A1", "name": "From The File"})

    assert list(Customer.objects.values_list("name", flat=True)) == ["Created Meanwhile"]


def test_an_opening_balance_added_by_an_update_is_booked_in_the_branch_and_currency_the_row_gives(organization):
    westlands = branch_create(organization=organization, code="01", name="Westlands")
    customer = customer_create(organization=organization, name="Moves Branch", tax_id="P051234567X")

    result = upsert(organization, {"tax_id": "P051234567X", "branch": "01", "currency": "usd", "opening_balance": 75})

    customer.refresh_from_db()
    entry = Transaction.objects.get(customer=customer)
    assert (result.updated, result.opening_balances) == (1, 1)
    assert (customer.branch, customer.currency, customer.balance) == (westlands, "USD", Decimal("75.00"))
    assert (entry.branch, entry.currency, entry.total_amount) == (westlands, "USD", Decimal("75.00"))
    assert balances_recompute(organization=organization, fix=False) == []


def test_batches_larger_than_one_statement_are_written_whole(organization):
    sheet = [
        {
            "name": f"Wanjiku Stores {number}",
            "tax_id": f"P{number:09d}X",
            "phone": f"07{number:08d}",
            "email": f"shop{number}@wanjiku.co.ke",
            "opening_balance": number if number % 3 == 0 else None,
        }
        for number in range(1, 1002)
    ]

    # 600 rows a batch: more than one INSERT statement holds on SQLite.
    result = upsert(organization, *sheet, batch_size=600)

    assert (result.created, result.opening_balances, result.errors) == (1001, 333, [])
    customers = Customer.objects.filter(organization=organization)
    assert customers.count() == 1001
    history = Customer.history.filter(organization=organization)
    assert history.count() == 1001
    assert set(history.values_list("history_type", "history_change_reason")) == {("+", "Import")}
    assert Transaction.objects.filter(customer__organization=organization).count() == 333
    assert balances_recompute(organization=organization, fix=False) == []
    assert search_index_check(organization_id=organization.pk) == []
    found = customer_quick_search(organization=organization, query="0700001001")
    assert [customer.name for customer in found] == ["Wanjiku Stores 1001"]
    assert upsert(organization, *sheet, batch_size=600).unchanged == 1001
