import statistics
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Branch, Membership, Organization
from accounts.selectors import api_key_find
from billing.models import BillingEntity, PaymentTerms
from customers.management.commands.seed_demo import Planner
from customers.models import BankAccount, Category, ContactEmail, ContactOrigin, ContactPhone, Customer
from customers.validators import is_valid_cvr, nit_check_digit, normalize_iban, normalize_tax_id
from transactions.models import Transaction
from transactions.services import balances_recompute

pytestmark = pytest.mark.django_db
User = get_user_model()
COUNTED_MODELS = (
    Organization,
    Branch,
    Membership,
    Category,
    ContactOrigin,
    PaymentTerms,
    Customer,
    ContactEmail,
    ContactPhone,
    BillingEntity,
    BankAccount,
    Transaction,
)


def seed(*args: str) -> list[str]:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture(scope="module")
def seeded_output(django_db_setup, django_db_blocker):
    """Seed once for the whole module (it takes seconds) and roll it all back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed("--force")
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded_output):
    return Organization.objects.get(slug="demo")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def test_creates_the_demo_organization_with_branches_and_lookups(demo):
    assert (demo.name, demo.country, demo.base_currency, demo.timezone) == (
        "Demo Traders",
        "KE",
        "KES",
        "Africa/Nairobi",
    )
    branches = dict(Branch.objects.filter(organization=demo).values_list("code", "name"))
    assert branches == {"00": "Head Office", "01": "Mombasa Road", "02": "Kisumu"}
    assert set(Category.objects.filter(organization=demo).values_list("name", flat=True)) == {
        "Retail",
        "Wholesale",
        "Corporate",
        "Government",
        "Hospitality",
    }
    assert set(ContactOrigin.objects.filter(organization=demo).values_list("name", flat=True)) == {
        "Web form",
        "Referral",
        "Walk-in",
        "Trade fair",
    }
    terms = {t.name: (t.days, t.type) for t in PaymentTerms.objects.filter(organization=demo)}
    assert terms == {
        "Due on receipt": (0, "net"),
        "Net 30": (30, "net"),
        "Net 60": (60, "net"),
        "End of month + 30": (30, "end_of_month"),
    }


def test_creates_about_200_customers_in_four_countries_with_their_currencies(demo):
    customers = Customer.objects.alive().filter(organization=demo)
    assert 190 <= customers.count() <= 210
    per_country = {
        country: set(customers.filter(country=country).values_list("currency", flat=True))
        for country in ("KE", "CO", "GH", "DK")
    }
    assert per_country == {"KE": {"KES"}, "CO": {"COP"}, "GH": {"GHS"}, "DK": {"DKK"}}
    assert customers.filter(country="KE").count() > customers.exclude(country="KE").count()
    assert customers.filter(name__contains="ñ").exists()  # accented names survive intact
    assert customers.filter(name__contains="ø").exists()
    assert set(customers.values_list("type", flat=True)) == {"individual", "company", "government"}
    assert {"active", "archived", "blocked"} <= set(customers.values_list("status", flat=True))
    # Customers are spread over the branches, not all filed under the head office.
    assert set(customers.values_list("branch__code", flat=True)) == {"00", "01", "02"}


def test_every_tax_id_and_iban_is_valid(demo):
    customers = Customer.objects.filter(organization=demo).exclude(tax_id="")
    assert customers.count() > 150
    for customer in customers:
        assert normalize_tax_id(customer.tax_id, customer.country) == customer.tax_id, customer.name
    for customer in customers.filter(country="CO"):
        number, check = customer.tax_id.split("-")
        assert int(check) == nit_check_digit(number)
    assert all(is_valid_cvr(cvr) for cvr in customers.filter(country="DK").values_list("tax_id", flat=True))
    for entity in (
        BillingEntity.objects.filter(customer__organization=demo).exclude(tax_id="").select_related("customer")
    ):
        assert normalize_tax_id(entity.tax_id, entity.customer.country) == entity.tax_id
    ibans = list(BankAccount.objects.filter(customer__country="DK").exclude(iban="").values_list("iban", flat=True))
    assert ibans
    assert all(iban.startswith("DK") and normalize_iban(iban) == iban for iban in ibans)
    assert Customer.objects.filter(organization=demo, country="KE", tax_id__regex=r"^[PA]\d{9}[A-Z]$").count() > 100
    assert (
        customers.filter(country="GH", tax_id__regex=r"^[PC]00\d{8}$").count() == customers.filter(country="GH").count()
    )


def test_phones_are_stored_in_e164_with_their_country_code(demo):
    expected_prefix = {"KE": "+254", "CO": "+573", "GH": "+233", "DK": "+45"}
    phones = ContactPhone.objects.filter(customer__organization=demo).select_related("customer")
    assert phones.count() > 150
    for phone in phones:
        assert phone.number.startswith(expected_prefix[phone.customer.country]), phone.number
    assert phones.filter(is_whatsapp=True).exists()
    assert phones.filter(is_locked=True).exists()


def test_there_is_a_walk_in_customer_that_owes_nothing(demo):
    walk_in = Customer.objects.get(organization=demo, customer_no="WALKIN")
    assert walk_in.name == "Walk-in Customer"
    assert walk_in.balance == Decimal("0.00")
    assert walk_in.total_transactions > 0


def test_contacts_and_billing_entities_stay_within_their_limits(demo):
    customers = Customer.objects.filter(organization=demo)
    for customer in customers.prefetch_related("emails", "phones", "billing_entities"):
        assert len(customer.emails.all()) <= 3
        assert len(customer.phones.all()) <= 3
        entities = list(customer.billing_entities.all())
        assert len(entities) <= 2
        if entities:
            assert sum(entity.is_default for entity in entities) == 1
    assert ContactEmail.objects.filter(customer__organization=demo, is_locked=True).exists()
    assert ContactEmail.objects.filter(customer__organization=demo, use_for_invoicing=True).exists()
    assert BillingEntity.objects.filter(customer__organization=demo).count() > 50


def test_balances_equal_the_ledger_and_look_like_a_real_business(demo):
    assert balances_recompute(organization=demo, fix=False) == []
    customers = Customer.objects.filter(organization=demo)
    owing = customers.filter(balance__gt=0).count()
    assert owing > customers.count() // 3
    assert customers.filter(balance__lt=0).exists()  # some are in credit
    assert customers.filter(deposit_amount__gt=0).exists()
    kenyan_balances = list(customers.filter(currency="KES").values_list("balance", flat=True))
    assert statistics.median(kenyan_balances) < Decimal("100000")

    ledger = Transaction.objects.filter(organization=demo)
    assert set(ledger.values_list("type", flat=True)) >= {
        "opening_balance",
        "sale",
        "payment",
        "credit_note",
        "deposit",
    }
    for sale in ledger.filter(type="sale", customer__country="KE")[:200]:
        assert sale.tax_amount == (sale.total_amount * 16 / 116).quantize(Decimal("0.01"))
    oldest = ledger.order_by("occurred_at").first().occurred_at
    newest = ledger.order_by("-occurred_at").first().occurred_at
    assert (newest - oldest).days > 365  # about two years of history
    assert newest < timezone.now()  # nothing is dated in the future


def test_prints_the_logins_the_admin_url_and_a_fresh_write_key(seeded_output):
    text = "\n".join(seeded_output)
    assert "demo / demo12345" in text
    assert "admin / demo12345" in text
    assert "http://127.0.0.1:8000/admin/" in text
    api_key = api_key_find(raw_key=seeded_output[-1])
    assert api_key is not None
    assert api_key.organization.slug == "demo"
    assert api_key.scope == "write"


def test_demo_and_admin_users_log_in_with_the_demo_password(demo):
    demo_user = authenticate(username="demo", password="demo12345")
    admin_user = authenticate(username="admin", password="demo12345")
    assert demo_user is not None and admin_user is not None
    assert demo_user.is_staff and not demo_user.is_superuser
    assert admin_user.is_superuser
    roles = dict(Membership.objects.filter(organization=demo).values_list("user__username", "role"))
    assert roles == {"demo": "manager", "admin": "manager"}


def test_running_again_duplicates_nothing_and_issues_a_new_key(demo, seeded_output):
    before = counts()
    keys_before = ApiKey.objects.count()

    lines = seed("--force")

    assert counts() == before
    assert ApiKey.objects.count() == keys_before + 1
    assert lines[-1] != seeded_output[-1]
    assert api_key_find(raw_key=lines[-1]).organization == demo


def test_running_again_resets_the_demo_password(demo, settings):
    user = User.objects.get(username="demo")
    user.set_password("changed-by-someone")
    user.save()
    settings.DEMO_PASSWORD = "Kilimanjaro-2025"

    lines = seed("--force")

    assert authenticate(username="demo", password="Kilimanjaro-2025") is not None
    assert authenticate(username="admin", password="Kilimanjaro-2025") is not None
    assert "demo / Kilimanjaro-2025" in "\n".join(lines)


def test_runs_without_force_when_debug_is_on(demo, settings):
    settings.DEBUG = True

    lines = seed()

    assert api_key_find(raw_key=lines[-1]).organization == demo


def test_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False
    before = counts()

    with pytest.raises(CommandError, match="--force"):
        seed()

    assert counts() == before


def test_the_plan_is_the_same_on_every_run():
    first = Planner(seed=7, today=date(2025, 3, 1)).plan_all()
    second = Planner(seed=7, today=date(2025, 3, 1)).plan_all()

    assert [(p.customer_no, p.data["name"], p.data.get("tax_id")) for p in first] == [
        (p.customer_no, p.data["name"], p.data.get("tax_id")) for p in second
    ]
    assert len({p.customer_no for p in first}) == len(first)
