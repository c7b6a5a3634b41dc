"""The one index builder: the rows it gives, and the same rows for imported and ordinarily written customers."""

import contextlib
import random
import unicodedata

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.services import billing_entity_create
from customers.models import Customer, CustomerSearchDocument, CustomerSearchKey, SearchKeyKind
from customers.search import (
    FOLDED_LETTERS,
    IndexedCustomer,
    document_and_keys,
    normalize_text,
    search_index_check,
    search_index_rebuild,
    search_index_refresh,
)
from customers.services import (
    ImportRow,
    contact_email_create,
    contact_phone_create,
    customer_bulk_upsert,
    customer_create,
    customer_soft_delete,
    customer_update,
)
from customers.validators import compact
from transactions.services import transaction_record

NAMES = [
    "Jane Wanjiku",
    "José  MUÑOZ Peña",
    "Søren Bøgh & Sønner ApS",
    "Æble Œuvre Straße",
    "Kızılay Dağıtım",
    "Łódź Đorđe Þór",
    "Ｆｕｌｌｗｉｄｔｈ Ｔｒａｄｅｒｓ",
    "Zero\u200bWidth\u200eMarks",
    "No\u00a0Break\u2003Spaces",
    "e\u0301tude combine\u0301e",
    "ﬁne ﬂowers Ⅻ",
    "Σίσυφος ΟΔΥΣΣΕΥΣ",
    "Москва Торг",
    "商店 東京",
    "Café ☕ & Bäckerei 🥐",
    "",
    "   ",
    "x" * 300,
]
PHONES = [
    "",
    "+254712345678",
    "+254202345678",
    "+573001234567",
    "+4533123456",
    "+233241234567",
    "+12125551234",
    "+447911123456",
    "+390612345678",  # Italian numbers keep their leading zero
    "+79161234567",
    "+88213000000",  # a non-geographic calling code
    "+2540712345678",
]
TAX_IDS = ["", "P051234567X", "p051 234.567/x", "900373115-3", "DK25313763", "GHA-123456789-0", "A\u00a0123"]
EMAILS = ["", "jane@wanjiku.co.ke", "Ordre@Nordisk.DK", "josé@café.co", "x" * 250 + "@example.com"]


# ---------------------------------------------------------------------------------------------
# The rules the index follows, written out plainly: whole-text Unicode folding and phonenumbers.


def plain_normalize_text(value: str) -> str:
    folded = unicodedata.normalize("NFKD", (value or "").casefold().translate(FOLDED_LETTERS))
    stripped = "".join(
        char for char in folded if not unicodedata.combining(char) and unicodedata.category(char) != "Cf"
    )
    return " ".join(stripped.split())


def plain_phone_keys(e164: str) -> set[str]:
    if not e164:
        return set()
    keys = {e164.lstrip("+")}
    with contextlib.suppress(phonenumbers.NumberParseException):
        keys.add(str(phonenumbers.parse(e164, None).national_number))
    return keys


def plain_rows(customer: IndexedCustomer) -> tuple[tuple, set[tuple]]:
    names = [customer.name, customer.legal_name, customer.alias, *customer.entity_names]
    emails = {customer.email, customer.invoice_email, *customer.contact_emails, *customer.entity_emails} - {""}
    text = " | ".join(plain_normalize_text(part) for part in [*names, *sorted(emails)] if part)
    name_key = plain_normalize_text(customer.name)[:255]
    keys = {(SearchKeyKind.CUSTOMER_NO, customer.customer_no.lower())}
    keys |= {
        (SearchKeyKind.TAX_ID, compact(tax_id).lower())
        for tax_id in {customer.tax_id, customer.vat_number, *customer.entity_tax_ids}
        if tax_id
    }
    for number in {customer.phone, customer.contact_phone, *customer.contact_phones}:
        keys |= {(SearchKeyKind.PHONE, key) for key in plain_phone_keys(number)}
    keys |= {(SearchKeyKind.EMAIL, email.lower()) for email in emails}
    keys |= {(SearchKeyKind.REFERENCE, reference.lower()[:255]) for reference in customer.references if reference}
    document = (customer.id, customer.organization_id, customer.branch_id, name_key, text)
    return document, {(customer.organization_id, customer.id, int(kind), value[:255]) for kind, value in keys if value}


def test_a_varied_sample_of_customers_gets_the_documents_and_keys_the_rules_give():
    rng = random.Random(20251121)
    for _ in range(600):
        entities = rng.choice((0, 0, 1, 2))
        customer = IndexedCustomer(
            id=7,
            organization_id=3,
            branch_id=5,
            customer_no=rng.choice(["CUST000007", "DK-1001", "Ab/12.x", "Z" * 60]),
            name=rng.choice(NAMES),
            legal_name=rng.choice(NAMES),
            alias=rng.choice(NAMES),
            tax_id=rng.choice(TAX_IDS),
            vat_number=rng.choice(TAX_IDS),
            phone=rng.choice(PHONES),
            contact_phone=rng.choice(PHONES),
            email=rng.choice(EMAILS),
            invoice_email=rng.choice(EMAILS),
            contact_emails=rng.sample(EMAILS, rng.randrange(3)),
            contact_phones=rng.sample(PHONES, rng.randrange(3)),
            entity_names=[rng.choice(NAMES) for _ in range(entities)],
            entity_tax_ids=[rng.choice(TAX_IDS) for _ in range(entities)],
            entity_emails=[rng.choice(EMAILS) for _ in range(entities)],
            references=rng.sample(["INV-0001", "", "RCT/22", "R" * 300], rng.randrange(3)),
        )
        document, keys = document_and_keys(customer)

        assert (document, set(keys)) == plain_rows(customer)
        assert len(keys) == len(set(keys))  # no key row twice


@given(st.text())
def test_text_is_folded_as_whole_text_unicode_folding_folds_it(text):
    assert normalize_text(text) == plain_normalize_text(text)


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "M", "Z", "Cf", "N", "P"])))
def test_letters_marks_and_spaces_are_folded_as_whole_text_unicode_folding_folds_them(text):
    assert normalize_text(text) == plain_normalize_text(text)


# ---------------------------------------------------------------------------------------------
# Imported customers and ordinary writes


def _index_rows(customer_ids):
    documents = set(
        CustomerSearchDocument.objects.filter(customer_id__in=customer_ids).values_list(
            "customer_id", "organization_id", "branch_id", "name_key", "text"
        )
    )
    keys = sorted(
        CustomerSearchKey.objects.filter(customer_id__in=customer_ids).values_list(
            "organization_id", "customer_id", "kind", "value"
        )
    )
    return documents, keys


@pytest.mark.django_db
def test_imported_customers_have_the_index_rows_an_ordinary_write_gives_them(organization):
    rows = [
        {"name": "José  MUÑOZ Peña", "legal_name": "Muñoz Peña SAS", "email": "Jose@Cafe.CO", "country": "CO"},
        {"name": "Søren Bøgh & Sønner ApS", "phone": "+45 33 12 34 56", "country": "DK", "tax_id": "DK25313763"},
        {"name": "Kamau Hardware", "tax_id": "P051234567X", "phone": "0712 345 678", "contact_phone": "0733111222"},
        {"name": "Zero\u200bWidth Traders", "alias": "ＺＷ Ｔｒａｄｅｒｓ", "invoice_email": "Billing@ZW.co.ke"},
        {"name": "Wanjiku Stores", "customer_no": "KE-77", "email": "info@wanjiku.co.ke", "opening_balance": 1500},
    ]
    result = customer_bulk_upsert(
        organization=organization,
        actor=None,
        rows=[ImportRow(number, values) for number, values in enumerate(rows, start=2)],
    )
    assert (result.created, result.errors) == (len(rows), [])
    ids = list(Customer.objects.filter(organization=organization).values_list("pk", flat=True))
    imported = _index_rows(ids)

    search_index_rebuild(organization_id=organization.pk)
    assert _index_rows(ids) == imported
    for customer in Customer.objects.filter(pk__in=ids):
        customer_update(customer=customer, address="Moi Avenue 12")  # any ordinary save refreshes the index
    assert _index_rows(ids) == imported

    assert len(imported[0]) == len(rows)
    assert ("jose munoz pena", "jose munoz pena | munoz pena sas | jose@cafe.co") in {
        (name_key, text) for *_, name_key, text in imported[0]
    }
    assert {value for *_, value in imported[1]} >= {"4533123456", "33123456", "254712345678", "712345678", "ke-77"}
    assert search_index_check(organization_id=organization.pk) == []


@pytest.mark.django_db
def test_a_refresh_indexes_contacts_entities_and_references_and_drops_deleted_customers(organization):
    kamau = customer_create(
        organization=organization,
        name="Kamau Hardware Ltd",
        legal_name="Kamau Hardware Limited",
        tax_id="P051234567X",
        phone="+254712345678",
        email="info@kamau.co.ke",
    )
    contact_email_create(customer=kamau, email="Accounts@Kamau.co.ke")
    contact_phone_create(customer=kamau, number="+254733111222")
    billing_entity_create(
        customer=kamau, legal_name="Kamau Holdings Ltd", tax_id="A012345678Z", billing_email="billing@kamau.co.ke"
    )
    transaction_record(organization=organization, customer=kamau, type="sale", total_amount="1160", reference="INV-77")
    gone = customer_create(organization=organization, name="Deleted Customer")
    customer_soft_delete(customer=gone)

    search_index_refresh(customer_ids=[kamau.pk, gone.pk])

    documents, keys = _index_rows([kamau.pk, gone.pk])
    assert documents == {
        (
            kamau.pk,
            organization.pk,
            kamau.branch_id,
            "kamau hardware ltd",
            "kamau hardware ltd | kamau hardware limited | kamau holdings ltd | accounts@kamau.co.ke"
            " | billing@kamau.co.ke | info@kamau.co.ke",
        )
    }
    assert {(kind, value) for _, _, kind, value in keys} == {
        (SearchKeyKind.CUSTOMER_NO, kamau.customer_no.lower()),
        (SearchKeyKind.TAX_ID, "p051234567x"),
        (SearchKeyKind.TAX_ID, "a012345678z"),
        (SearchKeyKind.PHONE, "254712345678"),
        (SearchKeyKind.PHONE, "712345678"),
        (SearchKeyKind.PHONE, "254733111222"),
        (SearchKeyKind.PHONE, "733111222"),
        (SearchKeyKind.EMAIL, "info@kamau.co.ke"),
        (SearchKeyKind.EMAIL, "accounts@kamau.co.ke"),
        (SearchKeyKind.EMAIL, "billing@kamau.co.ke"),
        (SearchKeyKind.REFERENCE, "inv-77"),
    }
    assert search_index_check(organization_id=organization.pk) == []
