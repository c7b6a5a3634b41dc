import pytest
from django.core.exceptions import ValidationError

from customers.models import BankAccount, Customer
from customers.services import bank_account_create, bank_account_delete, bank_account_update, customer_create

pytestmark = pytest.mark.django_db

DEUTSCHE_BANK_IBAN = "DE89370400440532013000"
NATWEST_IBAN = "GB82WEST12345698765432"


@pytest.fixture
def customer(organization) -> Customer:
    return customer_create(organization=organization, name="Nordisk Handel ApS", country="DK", customer_no="DK-001")


def test_an_iban_is_stored_compact_and_upper_case(customer, clerk):
    account = bank_account_create(
        customer=customer, actor=clerk, iban="de89 3704 0044 0532 0130 00", bic="deut de ff", bank_name="Deutsche Bank"
    )

    account.refresh_from_db()
    assert (account.iban, account.bic, account.bank_name) == (DEUTSCHE_BANK_IBAN, "DEUTDEFF", "Deutsche Bank")
    assert account.history.get().history_user == clerk


def test_an_account_number_alone_is_enough(customer):
    account = bank_account_create(customer=customer, account_number=" 0100123456789 ", bank_name="Equity Bank")

    account.refresh_from_db()
    assert (account.account_number, account.iban) == ("0100123456789", "")


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE89370400440532013001", "The IBAN check digits are wrong."),
        ("GB82WEST12345698765433", "The IBAN check digits are wrong."),
        ("DE8937040044", "The IBAN format is invalid."),
        ("89DE370400440532013000", "The IBAN format is invalid."),
    ],
)
def test_an_iban_failing_its_mod_97_check_or_format_is_refused_on_iban(customer, iban, message):
    with pytest.raises(ValidationError) as excinfo:
        bank_account_create(customer=customer, iban=iban)

    assert excinfo.value.message_dict == {"iban": [message]}
    assert not customer.bank_accounts.exists()


@pytest.mark.parametrize("data", [{}, {"account_number": "  ", "iban": ""}, {"bank_name": "Equity Bank"}])
def test_an_account_without_a_number_or_iban_is_refused_on_account_number(customer, data):
    with pytest.raises(ValidationError) as excinfo:
        bank_account_create(customer=customer, **data)

    assert excinfo.value.message_dict == {"account_number": ["Give an account number or an IBAN."]}
    assert not customer.bank_accounts.exists()


@pytest.mark.parametrize("bic", ["DEUT", "DEUTDEFF50", "1234DEFF"])
def test_a_malformed_bic_is_refused_on_bic(customer, bic):
    with pytest.raises(ValidationError) as excinfo:
        bank_account_create(customer=customer, iban=DEUTSCHE_BANK_IBAN, bic=bic)

    assert list(excinfo.value.message_dict) == ["bic"]


def test_an_account_refuses_fields_it_does_not_have(customer):
    with pytest.raises(ValidationError) as excinfo:
        bank_account_create(customer=customer, iban=DEUTSCHE_BANK_IBAN, currency="EUR")

    assert excinfo.value.message_dict == {"currency": ["This field cannot be set."]}


def test_an_account_can_be_changed_and_the_new_iban_is_checked(customer):
    account = bank_account_create(customer=customer, iban=DEUTSCHE_BANK_IBAN)

    bank_account_update(account=account, iban="gb82 west 1234 5698 7654 32", bic="NWBKGB2L")
    account.refresh_from_db()
    assert (account.iban, account.bic) == (NATWEST_IBAN, "NWBKGB2L")

    with pytest.raises(ValidationError):
        bank_account_update(account=account, iban="GB82WEST12345698765433")
    assert BankAccount.objects.get(pk=account.pk).iban == NATWEST_IBAN


def test_clearing_both_number_and_iban_is_refused(customer):
    account = bank_account_create(customer=customer, iban=DEUTSCHE_BANK_IBAN)

    with pytest.raises(ValidationError) as excinfo:
        bank_account_update(account=account, iban="")

    assert list(excinfo.value.message_dict) == ["account_number"]
    assert BankAccount.objects.get(pk=account.pk).iban == DEUTSCHE_BANK_IBAN


def test_an_account_can_be_deleted(customer):
    keep = bank_account_create(customer=customer, iban=NATWEST_IBAN)
    account = bank_account_create(customer=customer, iban=DEUTSCHE_BANK_IBAN)

    bank_account_delete(account=account)

    assert list(customer.bank_accounts.all()) == [keep]


def test_a_customer_can_be_created_with_its_bank_accounts(organization):
    customer = customer_create(
        organization=organization,
        name="Nordisk Handel ApS",
        bank_accounts=[{"iban": "de89 3704 0044 0532 0130 00"}, {"account_number": "0100123456789"}],
    )

    assert list(customer.bank_accounts.values_list("iban", "account_number")) == [
        (DEUTSCHE_BANK_IBAN, ""),
        ("", "0100123456789"),
    ]


def test_a_bad_bank_account_leaves_no_half_created_customer(organization):
    with pytest.raises(ValidationError) as excinfo:
        customer_create(
            organization=organization,
            name="Nordisk Handel ApS",
            bank_accounts=[{"iban": DEUTSCHE_BANK_IBAN}, {"iban": "DE89370400440532013001"}],
        )

    assert list(excinfo.value.message_dict) == ["iban"]
    assert not Customer.objects.filter(organization=organization).exists()
    assert not BankAccount.objects.exists()
