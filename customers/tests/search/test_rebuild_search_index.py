"""python manage.py rebuild_search_index [--org SLUG] [--check]."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from accounts.services import branch_create
from billing.services import billing_entity_create, billing_entity_update
from customers.models import Customer, CustomerSearchDocument, CustomerSearchKey, SearchKeyKind
from customers.selectors import customer_quick_search
from customers.services import (
    contact_email_create,
    contact_email_delete,
    contact_phone_create,
    contact_phone_update,
    customer_archive,
    customer_create,
    customer_soft_delete,
    customer_update,
)
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db

MATCHES = "The search index matches the data."


def run(*args: str) -> str:
    out = StringIO()
    call_command("rebuild_search_index", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list[tuple], list[tuple]]:
    """Every document and key row, duplicates included, in a stable order."""
    documents = sorted(
        CustomerSearchDocument.objects.values_list("customer_id", "organization_id", "branch_id", "name_key", "text")
    )
    keys = sorted(CustomerSearchKey.objects.values_list("organization_id", "customer_id", "kind", "value"))
    return documents, keys


def names(organization, query: str) -> list[str]:
    return [customer.name for customer in customer_quick_search(organization=organization, query=query)]


@pytest.fixture
def jane(organization) -> Customer:
    jane = customer_create(
        organization=organization,
        name="Jane Wanjiku",
        customer_no="KE-002",
        tax_id="P051234567X",
        phone="+254712345678",
        email="jane@wanjiku.co.ke",
    )
    contact_email_create(customer=jane, email="accounts@wanjiku.co.ke")
    contact_phone_create(customer=jane, number="0733 000 111")
    billing_entity_create(customer=jane, legal_name="Wanjiku Holdings Ltd", tax_id="A098765432K")
    transaction_record(
        organization=organization, customer=jane, type="sale", total_amount="5800.00", reference="INV-2025-0107"
    )
    return jane


@pytest.fixture
def otieno(organization) -> Customer:
    return customer_create(organization=organization, name="Otieno Hardware", tax_id="A012345678B")


@pytest.fixture
def kofi(other_organization) -> Customer:
    return customer_create(organization=other_organization, name="Kofi Mensah Enterprises", phone="+233241234567")


@pytest.fixture
def customers(jane, otieno, kofi, organization) -> None:
    customer_soft_delete(customer=customer_create(organization=organization, name="Closed Kiosk"))


def test_rebuilding_twice_writes_the_same_rows_as_the_services_did(customers, organization):
    written_by_services = snapshot()

    first = run()
    after_first = snapshot()
    run()

    assert "Indexed" in first
    assert after_first == written_by_services
    assert snapshot() == written_by_services
    assert len(written_by_services[0]) == 3  # the deleted customer has no document
    assert names(organization, "wanjiku holdings") == ["Jane Wanjiku"]


def test_rebuilding_restores_an_emptied_index(customers, organization, other_organization):
    written_by_services = snapshot()
    CustomerSearchKey.objects.all().delete()
    CustomerSearchDocument.objects.all().delete()
    assert names(organization, "jane") == []

    run()

    assert snapshot() == written_by_services
    assert names(organization, "jane") == ["Jane Wanjiku"]
    assert names(organization, "0733 000 111") == ["Jane Wanjiku"]
    assert names(organization, "INV-2025-0107") == ["Jane Wanjiku"]
    assert names(other_organization, "kofi") == ["Kofi Mensah Enterprises"]


def test_rebuilding_reports_how_many_customers_it_indexed(customers):
    assert run().strip() == "Indexed 3 customer(s)."


def test_check_passes_on_data_written_through_the_services(customers):
    assert run("--check").strip() == MATCHES


def test_check_passes_after_every_kind_of_edit_through_the_services(organization, jane, otieno):
    westlands = branch_create(organization=organization, code="01", name="Westlands")
    customer_update(customer=otieno, name="Otieno Building Supplies", branch=westlands, phone="0722 100 200")
    customer_update(customer=jane, legal_name="Jane Wanjiku Trading", contact_phone="0798 111 222")
    customer_archive(customer=otieno)
    contact_email_delete(contact=jane.emails.get())
    contact_phone_update(contact=jane.phones.get(), number="0720 555 666")
    billing_entity_update(entity=jane.billing_entities.get(), legal_name="Wanjiku Group Ltd")
    transaction_record(
        organization=organization, customer=otieno, type="payment", total_amount="100.00", reference="RCT-1"
    )
    customer_soft_delete(customer=customer_create(organization=organization, name="Closed Kiosk"))

    assert run("--check").strip() == MATCHES


def test_check_fails_when_a_customers_text_is_out_of_date_and_rebuild_repairs_it(customers, organization, jane):
    CustomerSearchDocument.objects.filter(customer_id=jane.pk).update(text="zzz")
    assert names(organization, "wanjiku holdings") == []
    out = StringIO()

    with pytest.raises(CommandError, match=r"differs from the data for 1 customer\(s\)"):
        call_command("rebuild_search_index", "--check", stdout=out)

    assert f"customer {jane.pk}: indexed text is out of date" in out.getvalue()
    run()
    assert run("--check").strip() == MATCHES
    assert names(organization, "wanjiku holdings") == ["Jane Wanjiku"]


def test_check_fails_when_an_identifier_is_missing_and_rebuild_repairs_it(customers, organization, jane):
    CustomerSearchKey.objects.filter(customer_id=jane.pk, kind=SearchKeyKind.PHONE).delete()
    assert names(organization, "0712 345 678") == []
    out = StringIO()

    with pytest.raises(CommandError, match=r"for 1 customer\(s\)"):
        call_command("rebuild_search_index", "--check", stdout=out)

    assert f"customer {jane.pk}: identifiers" in out.getvalue()
    run()
    assert run("--check").strip() == MATCHES
    assert names(organization, "0712 345 678") == ["Jane Wanjiku"]


def test_check_fails_when_a_stray_identifier_points_at_a_customer(customers, organization, otieno):
    CustomerSearchKey.objects.create(
        organization=organization, customer=otieno, kind=SearchKeyKind.PHONE, value="712345678"
    )
    assert names(organization, "0712 345 678") == ["Jane Wanjiku", "Otieno Hardware"]

    with pytest.raises(CommandError):
        run("--check")

    run()
    assert names(organization, "0712 345 678") == ["Jane Wanjiku"]


def test_check_fails_when_a_document_is_missing_and_rebuild_repairs_it(customers, organization, otieno):
    CustomerSearchDocument.objects.filter(customer_id=otieno.pk).delete()
    assert names(organization, "otieno") == []
    out = StringIO()

    with pytest.raises(CommandError, match=r"for 1 customer\(s\)"):
        call_command("rebuild_search_index", "--check", stdout=out)

    assert f"customer {otieno.pk}: missing from the index" in out.getvalue()
    run()
    assert run("--check").strip() == MATCHES
    assert names(organization, "otieno") == ["Otieno Hardware"]


def test_check_finds_a_deleted_customer_still_indexed_and_rebuild_removes_it(customers, organization, otieno):
    # A row changed outside the services, as a hand-written data fix would.
    Customer.objects.filter(pk=otieno.pk).update(deleted_at=timezone.now())
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("rebuild_search_index", "--check", stdout=out)

    assert f"customer {otieno.pk}: indexed although deleted" in out.getvalue()
    run()
    assert run("--check").strip() == MATCHES
    assert not CustomerSearchDocument.objects.filter(customer_id=otieno.pk).exists()
    assert not CustomerSearchKey.objects.filter(customer_id=otieno.pk).exists()


def test_rebuild_picks_up_a_rename_made_outside_the_services(customers, organization, otieno):
    Customer.objects.filter(pk=otieno.pk).update(name="Lakeside Distributors")

    with pytest.raises(CommandError):
        run("--check")

    run()
    assert names(organization, "lakeside") == ["Lakeside Distributors"]
    assert names(organization, "otieno") == []


def test_check_lists_every_drifted_customer(customers, jane, otieno):
    CustomerSearchDocument.objects.filter(customer_id=jane.pk).update(text="zzz")
    CustomerSearchDocument.objects.filter(customer_id=otieno.pk).delete()
    out = StringIO()

    with pytest.raises(CommandError, match=r"for 2 customer\(s\)"):
        call_command("rebuild_search_index", "--check", stdout=out)

    assert out.getvalue().splitlines() == [
        f"customer {jane.pk}: indexed text is out of date",
        f"customer {otieno.pk}: missing from the index",
    ]


def test_check_changes_nothing(customers, jane):
    CustomerSearchDocument.objects.filter(customer_id=jane.pk).update(text="zzz")
    corrupted = snapshot()

    with pytest.raises(CommandError):
        run("--check")

    assert snapshot() == corrupted


def test_org_limits_the_check_and_the_rebuild(customers, organization, other_organization, otieno, kofi):
    CustomerSearchDocument.objects.filter(customer_id__in=[otieno.pk, kofi.pk]).update(text="zzz", name_key="zzz")
    out = StringIO()

    with pytest.raises(CommandError, match=r"for 1 customer\(s\)"):
        call_command("rebuild_search_index", "--check", "--org", organization.slug, stdout=out)
    assert out.getvalue().splitlines() == [f"customer {otieno.pk}: indexed text is out of date"]

    assert run("--org", organization.slug).strip() == "Indexed 2 customer(s)."

    assert run("--check", "--org", organization.slug).strip() == MATCHES
    with pytest.raises(CommandError, match=r"for 1 customer\(s\)"):
        run("--check", "--org", other_organization.slug)
    with pytest.raises(CommandError, match=r"for 1 customer\(s\)"):
        run("--check")
    assert names(organization, "otieno") == ["Otieno Hardware"]
    assert names(other_organization, "kofi") == []


@pytest.mark.parametrize("args", [("--org", "nowhere"), ("--check", "--org", "nowhere")])
def test_an_unknown_organization_slug_is_an_error(organization, args):
    with pytest.raises(CommandError, match="No organization with the slug 'nowhere'"):
        run(*args)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 trigram table exists on SQLite only")
@pytest.mark.parametrize("stale_text", [None, "zzz jane's old name"], ids=["entry-missing", "entry-stale"])
def test_check_finds_a_trigram_table_out_of_step_on_sqlite_and_rebuild_repairs_it(
    customers, organization, jane, stale_text
):
    document = CustomerSearchDocument.objects.get(customer_id=jane.pk)
    with connection.cursor() as cursor:
        # Change the FTS5 table alone, leaving the document row as it is.
        cursor.execute(
            "INSERT INTO customers_search_fts(customers_search_fts, rowid, text) VALUES ('delete', %s, %s)",
            [document.pk, document.text],
        )
        if stale_text:
            cursor.execute("INSERT INTO customers_search_fts(rowid, text) VALUES (%s, %s)", [document.pk, stale_text])
    assert names(organization, "wanjiku holdings") == []
    out = StringIO()

    with pytest.raises(CommandError, match=r"for 1 customer\(s\)"):
        call_command("rebuild_search_index", "--check", stdout=out)

    assert "the SQLite trigram table does not match the documents" in out.getvalue()
    run()
    assert run("--check").strip() == MATCHES
    assert names(organization, "wanjiku holdings") == ["Jane Wanjiku"]
    assert names(organization, "old name") == []
