"""Two organizations with one of everything, and what one of them must never see of the other.

Organization A ("Zircon") is seeded with names, numbers, tax IDs and amounts that occur nowhere
else, so any answer given to organization B ("Baobab") can be searched for them. Both
organizations get the same kinds of rows, so a route can be exercised against either one's
objects. Everything is written through the services, as every front door writes it.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import F
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from accounts.models import Membership, Organization
from accounts.services import api_key_create, branch_create, membership_set, organization_create
from billing.models import PaymentTerms
from billing.services import billing_entity_create
from core.admin import organization_path_for
from customers.exporting.services import customer_list_export_job_create, customer_list_export_job_run
from customers.importing.runner import ImportOptions, import_start
from customers.models import Category, ContactOrigin, CustomerGroup, FinanceCode
from customers.services import (
    bank_account_create,
    contact_email_create,
    contact_phone_create,
    customer_archive,
    customer_create,
    lookup_create,
)
from transactions.services import transaction_record

ROLES = ("manager", "clerk", "viewer")
# Written on every authenticated call by design (last use of a key); not a change of the organization's data.
VOLATILE_FIELDS = frozenset({"last_used_at"})


@dataclass(frozen=True)
class TenantNames:
    """The distinctive strings one organization is seeded with."""

    organization: str
    slug: str
    branch_code: str
    branch: str
    category: str
    group: str
    finance_code: str
    origin: str
    payment_terms: str
    customer: str
    customer_no: str
    tax_id: str
    phone: str
    email: str
    second_customer: str
    second_customer_no: str
    second_tax_id: str
    contact_email: str
    contact_person: str
    contact_phone: str
    bank: str
    billing_entity: str
    billing_tax_id: str
    invoice: str
    receipt: str
    deposit_reference: str
    sale_amount: Decimal
    payment_amount: Decimal
    deposit_amount: Decimal
    api_key: str
    import_file: str
    import_customer: str
    username: str

    @property
    def balance(self) -> Decimal:
        return self.sale_amount - self.payment_amount - self.deposit_amount


ZIRCON = TenantNames(
    organization="Zircon Traders",
    slug="zircon",
    branch_code="77",
    branch="Basalt Branch",
    category="Obsidian Wholesale",
    group="Malachite Group",
    finance_code="Tourmaline Ledger",
    origin="Feldspar Referral",
    payment_terms="Jasper Net 45",
    customer="Zebulon Quartz Holdings",
    customer_no="ZQH-4471",
    tax_id="A099887766Q",
    phone="+254711987654",
    email="ledger@zebulon.example",
    second_customer="Xanthippe Ironworks",
    second_customer_no="XIW-8802",
    second_tax_id="P055443322K",
    contact_email="billing@zebulonquartz.example",
    contact_person="Yolanda Quillfeather",
    contact_phone="+254722987123",
    bank="Quartzbank",
    billing_entity="Gneiss Trading Ltd",
    billing_tax_id="A011122233G",
    invoice="ZQ-INV-7731",
    receipt="ZQ-RCPT-7732",
    deposit_reference="ZQ-DEP-7733",
    sale_amount=Decimal("987654.32"),
    payment_amount=Decimal("1000.00"),
    deposit_amount=Decimal("4321.09"),
    api_key="Peridot Integration",
    import_file="zebulon-import.csv",
    import_customer="Zenobia Carnelian",
    username="zircon",
)

BAOBAB = TenantNames(
    organization="Baobab Supplies",
    slug="baobab",
    branch_code="55",
    branch="Acacia Branch",
    category="Retail",
    group="Walk-in Group",
    finance_code="Debtors",
    origin="Web Form",
    payment_terms="Net 30",
    customer="Baobab Hardware Ltd",
    customer_no="BBH-0001",
    tax_id="A051234567X",
    phone="+254733111222",
    email="accounts@baobab.example",
    second_customer="Mwangi General Store",
    second_customer_no="MGS-0002",
    second_tax_id="P051234568Y",
    contact_email="billing@baobab.example",
    contact_person="Grace Wanjiru",
    contact_phone="+254733444555",
    bank="Equity Bank",
    billing_entity="Baobab Hardware Limited",
    billing_tax_id="A051234569Z",
    invoice="BB-INV-0001",
    receipt="BB-RCPT-0002",
    deposit_reference="BB-DEP-0003",
    sale_amount=Decimal("1500.00"),
    payment_amount=Decimal("200.00"),
    deposit_amount=Decimal("50.00"),
    api_key="Till Integration",
    import_file="baobab-import.csv",
    import_customer="Otieno Kiosk",
    username="baobab",
)


@dataclass
class Tenant:
    names: TenantNames
    organization: Organization
    # One row of every kind, by the key routes.py maps URL kwargs to.
    objects: dict[str, models.Model]
    users: dict[str, AbstractBaseUser]  # by role
    keys: dict[str, str]  # API key secrets by scope
    sessions: dict[str, str] = field(default_factory=dict)  # session keys by role


def leak_markers(*, own: TenantNames, other: TenantNames) -> tuple[str, ...]:
    """Strings of ``own`` that an answer given to ``other`` must never contain (lower case).

    Besides ``own``'s names, numbers and amounts, the sums of both organizations' figures: a
    count or total that adds the two is a leak too.
    """
    strings = {
        own.organization,
        own.branch,
        own.category,
        own.group,
        own.finance_code,
        own.origin,
        own.payment_terms,
        own.customer,
        own.customer_no,
        own.tax_id,
        own.phone.removeprefix("+254"),
        own.email,
        own.second_customer,
        own.second_customer_no,
        own.second_tax_id,
        own.contact_email,
        own.contact_person,
        own.contact_phone.removeprefix("+254"),
        own.bank,
        own.billing_entity,
        own.billing_tax_id,
        own.invoice,
        own.receipt,
        own.deposit_reference,
        own.api_key,
        own.import_file,
        own.import_customer,
        *(f"{own.username}-{role}" for role in ROLES),
    }
    amounts = {own.sale_amount, own.balance, own.deposit_amount}
    amounts |= {own.sale_amount + other.sale_amount, own.balance + other.balance}
    amounts |= {own.deposit_amount + other.deposit_amount}
    for amount in amounts:
        strings |= {f"{amount:.2f}", f"{amount:,.2f}"}
    return tuple(sorted(string.lower() for string in strings))


def tenant_create(names: TenantNames) -> Tenant:
    organization = organization_create(name=names.organization, slug=names.slug)
    users = {
        role: membership_set(organization=organization, username=f"{names.username}-{role}", role=role).user
        for role in ROLES
    }
    manager = users["manager"]
    branch = branch_create(organization=organization, code=names.branch_code, name=names.branch)
    lookups = {
        "category": lookup_create(model=Category, organization=organization, name=names.category),
        "group": lookup_create(model=CustomerGroup, organization=organization, name=names.group),
        "finance_code": lookup_create(model=FinanceCode, organization=organization, name=names.finance_code),
        "origin": lookup_create(model=ContactOrigin, organization=organization, name=names.origin),
        "payment_terms": lookup_create(
            model=PaymentTerms, organization=organization, name=names.payment_terms, days=45
        ),
    }
    customer = customer_create(
        organization=organization,
        actor=manager,
        name=names.customer,
        customer_no=names.customer_no,
        type="company",
        tax_id=names.tax_id,
        phone=names.phone,
        email=names.email,
        branch=branch,
        **lookups,
    )
    second = customer_create(
        organization=organization,
        actor=manager,
        name=names.second_customer,
        customer_no=names.second_customer_no,
        tax_id=names.second_tax_id,
        category=lookups["category"],
    )
    customer_archive(customer=second, actor=manager)
    email = contact_email_create(
        customer=customer, actor=manager, email=names.contact_email, contact_name=names.contact_person
    )
    phone = contact_phone_create(
        customer=customer, actor=manager, number=names.contact_phone, contact_name=names.contact_person
    )
    bank_account = bank_account_create(
        customer=customer, actor=manager, account_number="0100123456789", bank_name=names.bank
    )
    entity = billing_entity_create(
        customer=customer, actor=manager, legal_name=names.billing_entity, tax_id=names.billing_tax_id
    )
    sale = transaction_record(
        organization=organization,
        customer=customer,
        type="sale",
        total_amount=names.sale_amount,
        reference=names.invoice,
        billing_entity=entity,
        actor=manager,
    )
    for type_, amount, reference in (
        ("payment", names.payment_amount, names.receipt),
        ("deposit", names.deposit_amount, names.deposit_reference),
    ):
        transaction_record(
            organization=organization,
            customer=customer,
            type=type_,
            total_amount=amount,
            reference=reference,
            actor=manager,
        )
    write = api_key_create(organization=organization, name=names.api_key, scope="write", created_by=manager)
    read = api_key_create(organization=organization, name=f"{names.api_key} (read)", scope="read")
    objects = {
        "organization": organization,
        "branch": branch,
        **lookups,
        "customer": customer,
        "email": email,
        "phone": phone,
        "bank_account": bank_account,
        "billing_entity": entity,
        "transaction": sale,
        "import_job": _finished_import_job(organization=organization, names=names, actor=manager),
        "export_job": _finished_export_job(organization=organization, actor=manager),
        "api_key": write.api_key,
        "membership": Membership.objects.get(organization=organization, user=manager),
        "user": manager,
    }
    keys = {"write": write.secret, "read": read.secret}
    tenant = Tenant(names=names, organization=organization, objects=objects, users=users, keys=keys)
    for role, user in users.items():
        session = Client()
        session.force_login(user)
        tenant.sessions[role] = session.session.session_key
    return tenant


def _finished_import_job(*, organization: Organization, names: TenantNames, actor) -> models.Model:
    """A dry run with one invalid row: a finished job carrying a report and an error-report file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Phone Number", "Email-Address"])
    writer.writerow([names.import_customer, "0722 000 111", "orders@carnelian.example"])
    writer.writerow(["", "not a phone", "not an email"])
    job = import_start(
        organization=organization,
        actor=actor,
        name=names.import_file,
        content=buffer.getvalue().encode(),
        options=ImportOptions(dry_run=True),
    )
    assert job.result_file, "the import of an invalid row should leave an error report file"
    return job


def _finished_export_job(*, organization: Organization, actor) -> models.Model:
    """A list export run to the end: its CSV holds the organization's customers."""
    job = customer_list_export_job_create(organization=organization, format="csv", filters={}, actor=actor)
    customer_list_export_job_run(job=job)
    job.refresh_from_db()
    assert job.result_file, f"the export job should have finished with a file: {job.error_message}"
    return job


def tenant_grow(tenant: Tenant) -> None:
    """More of everything in ``tenant``: another customer, sale, deposit, contact, lookup, branch and key.

    Whatever another organization is shown (a list, a count, a total, a search, an export) must
    not move when this happens.
    """
    names = tenant.names
    manager = tenant.users["manager"]
    organization = tenant.organization
    customer = customer_create(
        organization=organization,
        actor=manager,
        name=f"{names.customer} Annex",
        customer_no=f"{names.customer_no}-X",
        category=tenant.objects["category"],
        branch=tenant.objects["branch"],
    )
    for type_, amount in (("sale", "70000.07"), ("deposit", "3000.03")):
        transaction_record(organization=organization, customer=customer, type=type_, total_amount=amount)
    transaction_record(
        organization=organization, customer=tenant.objects["customer"], type="sale", total_amount="123.45"
    )
    contact_email_create(customer=customer, actor=manager, email=f"annex.{names.contact_email}")
    lookup_create(model=Category, organization=organization, name=f"{names.category} Annex")
    lookup_create(model=PaymentTerms, organization=organization, name=f"{names.payment_terms} Annex", days=60)
    branch_create(organization=organization, code=f"{names.branch_code}9", name=f"{names.branch} Annex")
    api_key_create(organization=organization, name=f"{names.api_key} Annex", scope="read")
    customer_archive(customer=customer, actor=manager)


# Reading answers ---------------------------------------------------------------------------------


def response_text(response) -> str:
    """Everything a caller can read in ``response``: headers that carry data, and the body as text.

    Spreadsheets are unzipped and PDFs read for their text, so a leak inside a file is found too.
    """
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            body = "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith((".xml", ".rels"))
            )
    elif content.startswith(b"%PDF"):
        body = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    else:
        body = content.decode("utf-8", "replace")
    headers = "\n".join(response.get(name, "") for name in ("Location", "Content-Disposition"))
    return f"{headers}\n{body}"


def leaks_in(text: str, markers: Iterable[str]) -> list[str]:
    lowered = text.lower()
    return [marker for marker in markers if marker in lowered]


# The state of an organization --------------------------------------------------------------------


def organization_models() -> list[tuple[type[models.Model], str]]:
    """Every model whose rows belong to an organization, with the lookup to that organization."""
    found = []
    for model in apps.get_models():
        path = organization_path_for(model)
        if path is not None:
            found.append((model, path))
    return found


def organization_state(organization: Organization) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model that belongs to ``organization``, all columns but the volatile ones."""
    state = {}
    for model, path in organization_models():
        columns = [column.attname for column in model._meta.concrete_fields if column.attname not in VOLATILE_FIELDS]
        state[model._meta.label] = list(
            model._base_manager.filter(**{path: organization.pk}).order_by("pk").values_list(*columns)
        )
    return state


WRITE_STATEMENT = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
SET_CLAUSE = re.compile(r"\sSET\s(.*?)\sWHERE\s", re.IGNORECASE | re.DOTALL)
SET_COLUMN = re.compile(r'"?(\w+)"?\s*=')


@contextmanager
def organization_writes() -> Iterator[list[str]]:
    """Collects the statements run inside the block that write to a table of organization data.

    Updates of volatile columns alone (a key's last use) are left out. Reading the statements is
    cheap; comparing every row (organization_state) is only worth it once something was written.
    """
    tables = {model._meta.db_table for model, _ in organization_models()}
    found: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    for query in captured.captured_queries:
        sql = query["sql"]
        statement = WRITE_STATEMENT.match(sql)
        if statement is None or statement.group(1) not in tables:
            continue
        assignments = SET_CLAUSE.search(sql)
        if assignments and set(SET_COLUMN.findall(assignments.group(1))) <= VOLATILE_FIELDS:
            continue
        found.append(sql)


def state_changes(before: dict[str, list], after: dict[str, list]) -> list[str]:
    changes = []
    for label, rows in before.items():
        now = after[label]
        if rows != now:
            difference = _first_difference(rows, now)
            changes.append(f"{label}: {len(rows)} rows before, {len(now)} after; first difference: {difference}")
    return changes


def assert_a_unchanged(tenants: "Tenants", writes: list[str], what: str) -> None:
    """A's rows are as seeded; they are only read back when the request wrote anything at all."""
    if not writes:
        return
    changes = state_changes(tenants.a_state, organization_state(tenants.a.organization))
    assert not changes, f"{what} changed organization A's data: {changes}"


def _first_difference(before: list, after: list) -> str:
    for old, new in zip(before, after, strict=False):
        if old != new:
            return f"{old!r} became {new!r}"
    longer, word = (before, "removed") if len(before) > len(after) else (after, "added")
    return f"{longer[min(len(before), len(after))]!r} {word}"


def cross_organization_links() -> list[str]:
    """Rows that point at a row of another organization (a customer in another's category, say)."""
    found = []
    for model, path in organization_models():
        if path == "pk":
            continue
        own_hop = path.split("__")[0]
        for column in model._meta.concrete_fields:
            if not column.is_relation or column.name == own_hop:
                continue
            related_path = organization_path_for(column.related_model)
            if related_path is None:
                continue
            target = column.name if related_path == "pk" else f"{column.name}__{related_path}"
            linked = (
                model._base_manager.filter(**{f"{column.name}__isnull": False})
                .exclude(**{target: F(path)})
                .values_list("pk", flat=True)
            )
            found.extend(f"{model._meta.label} {pk} → {column.name} of another organization" for pk in linked)
    return found


@dataclass
class Tenants:
    a: Tenant  # the organization whose data must stay its own
    b: Tenant  # the other organization, asking for it
    markers: tuple[str, ...]  # A's strings, never to be shown to B
    a_state: dict[str, list]  # A's rows as seeded; each test rolls back to them

    @staticmethod
    def session_client(tenant: Tenant, role: str) -> Client:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = tenant.sessions[role]
        return client


@pytest.fixture(scope="module", name="tenants")
def tenants_fixture(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both organizations, seeded once per module; each test's own transaction rolls its changes back."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock(), transaction.atomic():
        zircon, baobab = tenant_create(ZIRCON), tenant_create(BAOBAB)
        yield Tenants(
            a=zircon,
            b=baobab,
            markers=leak_markers(own=ZIRCON, other=BAOBAB),
            a_state=organization_state(zircon.organization),
        )
        transaction.set_rollback(True)
