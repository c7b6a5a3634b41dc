"""factory-boy factories; sub-factories share the organization of the row they belong to."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from accounts.models import HEAD_OFFICE_CODE, Branch, Membership, Organization
from billing.models import BillingEntity, PaymentTerms
from customers.models import BankAccount, Category, ContactEmail, ContactOrigin, ContactPhone, Customer, CustomerGroup


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    country = "KE"
    base_currency = "KES"
    timezone = "Africa/Nairobi"

    @factory.post_generation
    def head_office(obj, create, extracted, **kwargs):
        if create:
            Branch.objects.get_or_create(organization=obj, code=HEAD_OFFICE_CODE, defaults={"name": "Head Office"})


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"{n + 1:02d}")
    name = factory.Sequence(lambda n: f"Branch {n + 1}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("pass12345")
    is_staff = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "clerk"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class CustomerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class ContactOriginFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactOrigin

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Origin {n}")


class PaymentTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentTerms

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Net {n}")
    days = 30


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer row; tests of the write path call customers.services instead."""

    class Meta:
        model = Customer

    organization = factory.SubFactory(OrganizationFactory)
    branch = factory.LazyAttribute(lambda customer: Branch.objects.get(organization=customer.organization, code="00"))
    customer_no = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    country = factory.LazyAttribute(lambda customer: customer.organization.country)
    currency = factory.LazyAttribute(lambda customer: customer.organization.base_currency)
    phone = factory.Sequence(lambda n: f"+25471{n % 10_000_000:07d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.co.ke")


class ContactEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactEmail

    customer = factory.SubFactory(CustomerFactory)
    email = factory.Sequence(lambda n: f"contact{n}@example.co.ke")


class ContactPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPhone

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"+25472{n % 10_000_000:07d}")


class BankAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankAccount

    customer = factory.SubFactory(CustomerFactory)
    account_number = factory.Sequence(lambda n: f"0100{n:08d}")
    bank_name = "Equity Bank"


class BillingEntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingEntity

    customer = factory.SubFactory(CustomerFactory)
    legal_name = factory.Sequence(lambda n: f"Legal Entity {n} Ltd")
    is_default = False
    is_active = True


def money(value: str) -> Decimal:
    return Decimal(value)
