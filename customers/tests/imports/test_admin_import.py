"""Admin's import/export of customers: CustomerResource, scoped to the organization chosen on the form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from tablib import Dataset

from customers.importing.admin import CheckedXLSX
from customers.models import Customer
from customers.resources import CustomerResource
from customers.services import customer_create
from tests.factories import CategoryFactory, MembershipFactory

from .conftest import SHORT_HEADER, xlsx_bytes

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:customers_customer_import"
PROCESS_URL = "admin:customers_customer_process_import"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_resource_imports_through_the_bulk_service_dry_run_first(organization, wholesale):
    dataset = Dataset(headers=["Customer No", "Name", "Category", "Phone"])
    dataset.append(["A-1", "Jane Wanjiku", "Wholesale", "0712345678"])
    dataset.append(["A-2", "", "Wholesale", ""])
    dataset.append(["A-3", "Kamau Hardware", "", ""])
    resource = CustomerResource(organization=organization)

    preview = resource.import_data(dataset, dry_run=True)
    assert not Customer.objects.exists()
    del dataset[1]
    result = resource.import_data(dataset, dry_run=False)

    # All or nothing: with an invalid row, none would be written.
    assert (preview.totals["new"], preview.totals["invalid"]) == (0, 1)
    assert preview.invalid_rows[0].number == 3
    assert preview.invalid_rows[0].error_dict == {"Name": ["This field is required for a new customer."]}
    assert (result.totals["new"], result.has_errors(), result.has_validation_errors()) == (2, False, False)
    assert Customer.objects.get(customer_no="A-1").category == wholesale


def test_the_resource_resolves_lookups_only_in_its_organization(organization, other_organization):
    CategoryFactory(organization=other_organization, name="Government")
    dataset = Dataset(headers=["Name", "Category"])
    dataset.append(["Jane Wanjiku", "Government"])

    result = CustomerResource(organization=organization).import_data(dataset, dry_run=False)

    assert result.invalid_rows[0].error_dict == {"Category": ["Unknown category 'Government'."]}
    assert not Customer.objects.exists()


def test_the_export_writes_the_template_columns_with_lookups_by_name(organization, other_organization, wholesale):
    customer_create(organization=organization, customer_no="A-1", name="Jane Wanjiku", category=wholesale)
    customer_create(organization=other_organization, customer_no="B-1", name="Foreign Customer")

    dataset = CustomerResource(organization=organization).export()

    labels = [label for label in CustomerResource.column_labels().values() if label != "Opening Balance"]
    assert dataset.headers == labels
    assert [(row["Customer No"], row["Category"], row["Branch"]) for row in dataset.dict] == [
        ("A-1", "Wholesale", "00")
    ]


def test_a_clerk_imports_a_workbook_in_admin_after_the_preview(clerk, organization, other_organization):
    MembershipFactory(user=clerk, organization=other_organization, role="viewer")
    client = signed_in(clerk)
    page = client.get(reverse(IMPORT_URL))
    choices = list(page.context["form"].fields["organization"].queryset)
    content = xlsx_bytes([SHORT_HEADER, ["Jane Wanjiku", "0712 345 678", "", "Moi Avenue", 120]])

    preview = client.post(
        reverse(IMPORT_URL),
        {
            "resource": "0",
            "format": "0",
            "organization": organization.pk,
            "import_file": SimpleUploadedFile("customers.xlsx", content),
        },
    )
    confirm = preview.context["confirm_form"]
    assert not Customer.objects.exists()
    done = client.post(reverse(PROCESS_URL), {**confirm.initial, "organization": organization.pk})

    assert choices == [organization]
    assert done.status_code == 302
    customer = Customer.objects.get()
    assert (customer.organization, customer.phone, customer.created_by) == (organization, "+254712345678", clerk)
    assert customer.history.first().history_user == clerk


def test_admin_refuses_a_disguised_file_with_the_importers_message(clerk, organization):
    response = signed_in(clerk).post(
        reverse(IMPORT_URL),
        {
            "resource": "0",
            "format": "0",
            "organization": organization.pk,
            "import_file": SimpleUploadedFile("customers.xlsx", b"Name\nJane\n"),
        },
    )

    assert response.context["form"].errors["import_file"] == [
        "The file is not a real .xlsx workbook, whatever its name says."
    ]
    assert CheckedXLSX().get_title() == "xlsx"


def test_a_viewer_opens_the_export_but_not_the_import(viewer):
    client = signed_in(viewer)

    assert client.get(reverse("admin:customers_customer_export")).status_code == 200
    assert client.get(reverse(IMPORT_URL)).status_code == 403
