"""The importer's search rows are exactly the rows customers.search builds for the same customer."""

import random
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.services import billing_entity_create
from customers.importing.search_bulk import IndexedCustomer, document_and_keys, index_refresh, normalize_text
from customers.models import CustomerSearchDocument, CustomerSearchKey
from customers.search import _document_and_keys, search_index_check, search_index_refresh
from customers.search import normalize_text as search_normalize_text
from customers.services import contact_email_create, contact_phone_create, customer_create, customer_soft_delete
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


def _both(*, emails=(), phones=(), entities=(), references=(), **fields):
    """The rows of both builders for one customer, keys as sets (their order carries no meaning)."""
    values = {
        "id": 7,
        "organization_id": 3,
        "branch_id": 5,
        "customer_no": "CUST000007",
        "name": "Jane Wanjiku",
        "legal_name": "",
        "alias": "",
        "tax_id": "",
        "vat_number": "",
        "phone": "",
        "contact_phone": "",
        "email": "",
        "invoice_email": "",
        **fields,
    }
    document, keys = _document_and_keys(
        SimpleNamespace(pk=values["id"], **values), emails, phones, entities, references
    )
    expected = (
        (document.customer_id, document.organization_id, document.branch_id, document.name_key, document.text),
        {(key.organization_id, key.customer_id, int(key.kind), key.value) for key in keys},
    )
    built_document, built_keys = document_and_keys(
        IndexedCustomer(
            **values,
            contact_emails=list(emails),
            contact_phones=list(phones),
            entity_names=[entity.legal_name for entity in entities],
            entity_tax_ids=[entity.tax_id for entity in entities],
            entity_emails=[entity.billing_email for entity in entities],
            references=list(references),
        )
    )
    return expected, (built_document, set(built_keys)), len(built_keys)


def test_a_varied_sample_of_customers_gets_identical_documents_and_keys():
    rng = random.Random(20251121)
    for _ in range(600):
        entities = [
            SimpleNamespace(legal_name=rng.choice(NAMES), tax_id=rng.choice(TAX_IDS), billing_email=rng.choice(EMAILS))
            for _ in range(rng.choice((0, 0, 1, 2)))
        ]
        expected, built, key_rows = _both(
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
            emails=rng.sample(EMAILS, rng.randrange(3)),
            phones=rng.sample(PHONES, rng.randrange(3)),
            entities=entities,
            references=rng.sample(["INV-0001", "", "RCT/22", "R" * 300], rng.randrange(3)),
        )
        assert built == expected
        assert key_rows == len(expected[1])  # no key row twice


@given(st.text())
def test_text_is_folded_exactly_as_the_search_folds_it(text):
    assert normalize_text(text) == search_normalize_text(text)


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "M", "Z", "Cf", "N", "P"])))
def test_letters_marks_and_spaces_are_folded_exactly_as_the_search_folds_them(text):
    assert normalize_text(text) == search_normalize_text(text)


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
def test_a_bulk_refresh_rebuilds_the_rows_the_search_refresh_builds(organization):
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
    soren = customer_create(organization=organization, name="Søren Bøgh ApS", country="DK", phone="+4533123456")
    gone = customer_create(organization=organization, name="Deleted Customer")
    customer_soft_delete(customer=gone)
    ids = [kamau.pk, soren.pk, gone.pk]
    search_index_refresh(customer_ids=ids)
    expected = _index_rows(ids)

    index_refresh(customer_ids=ids)

    assert _index_rows(ids) == expected
    assert {document[0] for document in expected[0]} == {kamau.pk, soren.pk}  # the deleted one has none
    assert ("inv-77" in {value for *_, value in expected[1]}) and len(expected[1]) > 8
    assert search_index_check(organization_id=organization.pk) == []
