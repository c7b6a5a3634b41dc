import re
from decimal import Decimal
from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db import connection

from accounts.models import Branch, Organization
from billing.models import BillingEntity
from billing.services import billing_entity_create
from core.models import DeferredIndex
from customers.generation import _may_skip_foreign_key_triggers
from customers.models import (
    Category,
    ContactEmail,
    ContactPhone,
    Customer,
    CustomerSearchDocument,
    CustomerSearchKey,
)
from customers.search import search_index_check
from customers.selectors import customer_quick_search
from customers.services import customer_create, lookup_create
from customers.validators import normalize_phone, normalize_tax_id
from tests.factories import OrganizationFactory
from transactions.models import Transaction
from transactions.services import balances_recompute, transaction_record

pytestmark = pytest.mark.django_db

COUNT = 200
PER_CUSTOMER = 3
ACCENTED = re.compile(r"[áéíóúñÁÉÍÓÚÑøØæÆåÅ]")


def generate(*args: str, org: str = "bench", count: int = COUNT, per_customer: int = PER_CUSTOMER) -> str:
    out = StringIO()
    call_command(
        "generate_customers",
        "--count",
        str(count),
        "--transactions-per-customer",
        str(per_customer),
        "--org",
        org,
        "--workers",
        "0",
        *args,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def generated() -> Organization:
    generate("--seed", "7")
    return Organization.objects.get(slug="bench")


def snapshot(organization: Organization) -> list[tuple]:
    return list(
        Customer.objects.filter(organization=organization)
        .order_by("customer_no")
        .values_list("customer_no", "name", "tax_id", "phone", "email", "country")
    )


def wipe(organization: Organization) -> None:
    Transaction.objects.filter(organization=organization).delete()
    Customer.objects.filter(organization=organization).delete()


def test_creates_the_organization_with_branches_and_lookups(generated):
    assert generated.name == "Bench"
    assert set(Branch.objects.filter(organization=generated).values_list("code", flat=True)) >= {"00", "01", "02"}
    assert Category.objects.filter(organization=generated, name="Retail").exists()
    customers = Customer.objects.filter(organization=generated)
    assert customers.count() == COUNT
    assert customers.values("branch").distinct().count() > 1
    assert customers.exclude(category=None).count() == COUNT


def test_reports_progress_and_rows_per_second():
    output = generate(count=30)
    last_line = output.strip().splitlines()[-1]
    assert "Generated 30 customers (GEN0000001..GEN0000030) in 'bench'" in last_line
    assert re.search(r"[\d,]+ rows/s\.$", last_line)


def test_every_tax_id_is_valid_for_its_country(generated):
    customers = list(Customer.objects.filter(organization=generated))
    with_tax_id = [customer for customer in customers if customer.tax_id]
    assert len(with_tax_id) > COUNT * 0.8
    for customer in with_tax_id:
        assert normalize_tax_id(customer.tax_id, customer.country) == customer.tax_id, customer.tax_id
    entities = BillingEntity.objects.filter(customer__organization=generated).select_related("customer")
    assert entities.exists()
    for entity in entities:
        if entity.tax_id:
            assert normalize_tax_id(entity.tax_id, entity.customer.country) == entity.tax_id


def test_every_phone_is_valid_e164_for_its_country(generated):
    customers = {customer.pk: customer for customer in Customer.objects.filter(organization=generated)}
    numbers = [(customer.phone, customer.country) for customer in customers.values() if customer.phone]
    numbers += [(customer.contact_phone, customer.country) for customer in customers.values() if customer.contact_phone]
    numbers += [
        (phone.number, customers[phone.customer_id].country)
        for phone in ContactPhone.objects.filter(customer__organization=generated)
    ]
    assert len(numbers) > COUNT
    for number, country in numbers:
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.region_code_for_number(parsed) == country, number
        assert normalize_phone(number, country) == number


def test_emails_are_lower_case_and_valid(generated):
    emails = list(Customer.objects.filter(organization=generated).exclude(email="").values_list("email", flat=True))
    emails += list(ContactEmail.objects.filter(customer__organization=generated).values_list("email", flat=True))
    assert len(emails) > COUNT / 2
    for email in emails:
        validate_email(email)
        assert email == email.lower()


def test_generated_rows_pass_model_validation(generated):
    for customer in Customer.objects.filter(organization=generated)[:60]:
        customer.full_clean(validate_unique=False, validate_constraints=False)
    for model in (BillingEntity, ContactEmail, ContactPhone):
        for row in model.objects.filter(customer__organization=generated)[:30]:
            row.full_clean(validate_unique=False, validate_constraints=False)


def test_four_countries_and_accented_names(generated):
    customers = Customer.objects.filter(organization=generated)
    countries = set(customers.values_list("country", flat=True))
    assert countries == {"KE", "CO", "GH", "DK"}
    currencies = dict(customers.values_list("country", "currency").distinct())
    assert currencies == {"KE": "KES", "CO": "COP", "GH": "GHS", "DK": "DKK"}
    names = list(customers.values_list("name", "country"))
    assert any(ACCENTED.search(name) for name, country in names if country == "CO")
    assert any(ACCENTED.search(name) for name, country in names if country == "DK")
    types = set(customers.values_list("type", flat=True))
    assert types >= {"individual", "company"}
    statuses = list(customers.values_list("status", flat=True))
    assert statuses.count("active") > COUNT * 0.75


def test_balances_equal_the_ledger(generated):
    transactions = Transaction.objects.filter(organization=generated)
    assert transactions.count() == COUNT * PER_CUSTOMER
    assert balances_recompute(organization=generated, fix=False) == []
    assert Customer.objects.filter(organization=generated, used_in_booked=False).count() == 0
    assert set(transactions.values_list("type", flat=True)) >= {"sale", "payment"}
    assert transactions.values("reference").distinct().count() == COUNT * PER_CUSTOMER


def test_sales_carry_sixteen_percent_tax_and_the_default_billing_entity(generated):
    sales = Transaction.objects.filter(organization=generated, type="sale").select_related("billing_entity")
    assert sales.count() > COUNT * PER_CUSTOMER * 0.3
    for sale in sales:
        assert sale.reference.startswith("INV-")
        assert sale.tax_amount == (sale.total_amount * 16 / 116).quantize(Decimal("0.01"))
        if sale.billing_entity is not None:
            assert sale.billing_entity.customer_id == sale.customer_id
            assert sale.billing_entity.is_default


def test_billing_entities_have_one_default_each(generated):
    entities = BillingEntity.objects.filter(customer__organization=generated)
    customers_with_entities = set(entities.values_list("customer_id", flat=True))
    assert customers_with_entities
    defaults = list(entities.filter(is_default=True).values_list("customer_id", flat=True))
    assert sorted(defaults) == sorted(customers_with_entities)
    assert entities.values("customer_id").distinct().count() < entities.count()  # some have two


@pytest.mark.parametrize(
    "model",
    [Customer, BillingEntity, ContactEmail, ContactPhone, Transaction, CustomerSearchDocument, CustomerSearchKey],
)
def test_every_foreign_key_of_generated_rows_resolves(generated, model):
    rows = model.objects.all()
    assert rows.exists()
    for field in model._meta.concrete_fields:
        if not field.is_relation:
            continue
        orphans = rows.exclude(**{field.attname: None}).exclude(
            **{f"{field.attname}__in": field.related_model._base_manager.values("pk")}
        )
        assert not orphans.exists(), f"{model.__name__}.{field.name} points at missing rows"


def test_search_index_is_complete(generated):
    assert CustomerSearchDocument.objects.filter(organization=generated).count() == COUNT
    assert search_index_check(organization_id=generated.pk) == []


def test_quick_search_finds_generated_customers_by_name_fragment_phone_and_reference(generated):
    danish = Customer.objects.filter(organization=generated, country="DK", type="individual", name__contains="ø")
    customer = danish.first() or Customer.objects.filter(organization=generated, name__contains="ø").first()
    assert customer is not None
    # "Møller" is found by "molle": accent-insensitive, any part of a word.
    word = next(word for word in customer.name.split() if "ø" in word)
    fragment = word.lower().replace("ø", "o")[:5]
    found = customer_quick_search(organization=generated, query=fragment, limit=50)
    assert customer in found

    with_phone = Customer.objects.filter(organization=generated, country="KE").exclude(phone="").first()
    national = str(phonenumbers.parse(with_phone.phone, None).national_number)
    assert with_phone in customer_quick_search(organization=generated, query=f"0{national}")
    assert with_phone in customer_quick_search(organization=generated, query=with_phone.phone)

    sale = Transaction.objects.filter(organization=generated, type="sale").first()
    assert [hit.pk for hit in customer_quick_search(organization=generated, query=sale.reference)] == [sale.customer_id]


def test_creation_dates_follow_the_customer_numbers_over_the_customers_age(generated):
    """As in a live system, customers taken on later have later dates and higher numbers and ids."""
    from datetime import timedelta

    from django.utils import timezone

    from customers.generation import CUSTOMER_AGE_DAYS

    rows = list(Customer.objects.filter(organization=generated).order_by("customer_no").values_list("id", "created_at"))
    ids, dates = [row[0] for row in rows], [row[1] for row in rows]

    assert ids == sorted(ids)
    assert dates == sorted(dates)
    now = timezone.now()
    assert now - dates[0] > timedelta(days=CUSTOMER_AGE_DAYS * 0.98)
    assert timedelta(days=7) <= now - dates[-1] < timedelta(days=7 + CUSTOMER_AGE_DAYS / COUNT + 1)


def test_same_seed_and_organization_give_the_same_customers_whatever_the_batching(generated):
    first = snapshot(generated)
    wipe(generated)
    generate("--seed", "7", "--batch-size", "17")
    assert snapshot(generated) == first


def test_generation_in_worker_processes_gives_the_same_rows(generated, monkeypatch):
    monkeypatch.setattr("customers.generation.CHUNK", 15)  # several chunks per transaction
    first = snapshot(generated)
    first_ledger = list(
        Transaction.objects.filter(organization=generated)
        .order_by("reference")
        .values_list("reference", "type", "total_amount", "tax_amount", "customer__customer_no")
    )
    wipe(generated)
    call_command(
        "generate_customers",
        *("--count", str(COUNT), "--transactions-per-customer", str(PER_CUSTOMER), "--org", "bench"),
        *("--seed", "7", "--workers", "2", "--batch-size", "40"),
        stdout=StringIO(),
    )
    assert snapshot(generated) == first
    assert (
        list(
            Transaction.objects.filter(organization=generated)
            .order_by("reference")
            .values_list("reference", "type", "total_amount", "tax_amount", "customer__customer_no")
        )
        == first_ledger
    )
    assert balances_recompute(organization=generated, fix=False) == []


def test_another_seed_gives_other_customers(generated):
    first = snapshot(generated)
    wipe(generated)
    generate("--seed", "8")
    second = snapshot(generated)
    assert [row[0] for row in second] == [row[0] for row in first]
    assert sum(a[1:] != b[1:] for a, b in zip(first, second, strict=True)) > COUNT * 0.9


def test_running_again_appends_with_continued_numbers(generated):
    output = generate("--seed", "7", count=50)
    assert "(GEN0000201..GEN0000250)" in output
    numbers = list(Customer.objects.filter(organization=generated).values_list("customer_no", flat=True))
    assert len(numbers) == len(set(numbers)) == COUNT + 50
    assert max(numbers) == "GEN0000250"
    references = list(Transaction.objects.filter(organization=generated).values_list("reference", flat=True))
    assert len(references) == len(set(references)) == (COUNT + 50) * PER_CUSTOMER
    assert balances_recompute(organization=generated, fix=False) == []
    assert search_index_check(organization_id=generated.pk) == []


def test_numbering_ignores_other_codes_that_look_alike(generated):
    customer_create(organization=generated, name="Kofi Annan", customer_no="GEN0000999X", country="GH")
    customer_create(organization=generated, name="Ama Ata", customer_no="GEN5", country="GH")
    output = generate("--seed", "7", count=10)
    assert "(GEN0000201..GEN0000210)" in output


def test_services_keep_working_after_a_bulk_load(generated):
    highest = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
    customer = customer_create(organization=generated, name="Akosua Boateng", tax_id="P0012345678", country="GH")
    assert customer.pk > highest
    generated_customer = Customer.objects.filter(organization=generated, customer_no="GEN0000001").get()
    entity = billing_entity_create(customer=generated_customer, legal_name="Sister Company Ltd")
    assert entity.pk > BillingEntity.objects.exclude(pk=entity.pk).order_by("-pk").values_list("pk", flat=True)[0]
    before = generated_customer.total_transactions
    transaction_record(organization=generated, customer=generated_customer, type="sale", total_amount="116.00")
    generated_customer.refresh_from_db()
    assert generated_customer.total_transactions == before + 1
    assert balances_recompute(organization=generated, fix=False) == []
    assert search_index_check(organization_id=generated.pk) == []


def test_generates_into_an_existing_organization_reusing_its_lookups():
    organization = OrganizationFactory(slug="acme", name="Acme Traders")
    retail = lookup_create(model=Category, organization=organization, name="retail")
    generate(org="acme", count=20)
    organization.refresh_from_db()
    assert organization.name == "Acme Traders"
    assert Customer.objects.filter(organization=organization).count() == 20
    assert Organization.objects.filter(slug="acme").count() == 1
    assert Category.objects.filter(organization=organization, name__iexact="retail").count() == 1
    assert Customer.objects.filter(organization=organization, category=retail).exists()


def test_zero_transactions_leaves_customers_unbooked():
    generate(count=10, per_customer=0)
    customers = Customer.objects.filter(organization__slug="bench")
    assert customers.count() == 10
    assert not Transaction.objects.exists()
    assert all(customer.balance == 0 and not customer.used_in_booked for customer in customers)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--count", "0"), "--count must be at least 1"),
        (("--count", "5", "--batch-size", "0"), "--batch-size must be at least 1"),
        (("--count", "5", "--transactions-per-customer", "-1"), "cannot be negative"),
    ],
)
def test_refuses_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_customers", "--org", "bench", *args, stdout=StringIO())
    assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_committed_run_with_worker_processes_is_consistent(monkeypatch):
    # Outside a test transaction, PostgreSQL workers write through their own connections.
    monkeypatch.setattr("customers.generation.CHUNK", 10)
    call_command(
        "generate_customers",
        *("--count", "120", "--transactions-per-customer", "4", "--org", "parallel"),
        *("--seed", "3", "--workers", "2", "--batch-size", "25"),
        stdout=StringIO(),
    )
    organization = Organization.objects.get(slug="parallel")
    numbers = list(Customer.objects.filter(organization=organization).values_list("customer_no", flat=True))
    assert sorted(numbers) == [f"GEN{number:07d}" for number in range(1, 121)]
    assert Transaction.objects.filter(organization=organization).count() == 480
    assert balances_recompute(organization=organization, fix=False) == []
    assert search_index_check(organization_id=organization.pk) == []
    customer = customer_create(organization=organization, name="Kwame Mensah", country="GH", phone="0241234567")
    assert customer.pk > max(Customer.objects.exclude(pk=customer.pk).values_list("pk", flat=True))
    # Found by name, through the trigram index, both the generated customers and a new one.
    generated_customer = Customer.objects.filter(organization=organization, customer_no="GEN0000042").get()
    surname = generated_customer.name.split()[-1]
    assert generated_customer in customer_quick_search(organization=organization, query=surname, limit=50)
    assert customer in customer_quick_search(organization=organization, query="mensah", limit=50)


def fts_insert_trigger_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_search_fts_insert'")
        return cursor.fetchone() is not None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite trigram table")
@pytest.mark.django_db(transaction=True)
def test_large_sqlite_load_rebuilds_the_trigram_table_and_keeps_its_trigger():
    generate("--seed", "5", org="fts", count=60)
    assert fts_insert_trigger_exists()
    assert search_index_check() == []
    organization = Organization.objects.get(slug="fts")
    customer = customer_create(organization=organization, name="Søren Kjærgaard", country="DK")
    assert customer in customer_quick_search(organization=organization, query="kjaergaard")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite trigram table")
@pytest.mark.django_db(transaction=True)
def test_a_run_puts_back_the_trigger_a_killed_run_left_out():
    generate("--seed", "5", org="fts", count=30)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER customers_search_fts_insert")  # as a run killed mid-way leaves it
    organization = Organization.objects.get(slug="fts")
    customer_create(organization=organization, name="Lost Customer Ltd", country="KE")
    generate("--seed", "5", org="fts", count=5)  # too small to defer the trigram table itself
    assert fts_insert_trigger_exists()
    assert search_index_check() == []
    assert customer_quick_search(organization=organization, query="lost customer")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL roles")
def test_a_role_without_the_privilege_keeps_foreign_key_triggers():
    assert _may_skip_foreign_key_triggers()  # the test database's owner is a superuser
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE generate_customers_plain NOSUPERUSER")
        cursor.execute("SET ROLE generate_customers_plain")
        try:
            assert not _may_skip_foreign_key_triggers()
        finally:
            cursor.execute("RESET ROLE")


@pytest.mark.django_db(transaction=True)
def test_a_committed_run_leaves_planner_statistics_for_the_search_tables():
    generate("--seed", "3", org="stats", count=20)

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'customers_customersearchdocument'")
        else:
            # Vacuumed too: the new rows are marked visible to all, so counts can use an index alone.
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'customers_customersearchdocument' "
                "AND last_analyze IS NOT NULL AND last_vacuum IS NOT NULL"
            )
        assert cursor.fetchone()[0] > 0


def secondary_indexes() -> dict[str, list[str]]:
    """Table -> the columns of each non-unique index, over the tables a run writes."""
    from customers.generation import TABLES

    found = {}
    with connection.cursor() as cursor:
        for model, _, _ in TABLES:
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            found[table] = sorted(
                ",".join(details["columns"])
                for details in constraints.values()
                if details["index"] and not details["unique"]
            )
    return found


@pytest.mark.django_db(transaction=True)
def test_a_large_load_builds_every_index_again_and_leaves_the_data_findable(monkeypatch):
    monkeypatch.setattr("customers.generation.INDEX_DEFERRAL_MIN_CUSTOMERS", 10)
    before = secondary_indexes()

    generate("--seed", "7", org="deferred", count=40)

    assert secondary_indexes() == before
    assert not DeferredIndex.objects.exists()
    organization = Organization.objects.get(slug="deferred")
    assert balances_recompute(organization=organization, fix=False) == []
    assert search_index_check(organization_id=organization.pk) == []
    generated_customer = Customer.objects.filter(organization=organization, customer_no="GEN0000007").get()
    assert generated_customer in customer_quick_search(organization=organization, query=generated_customer.customer_no)
