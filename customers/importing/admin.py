"""Admin's import and export of customers: django-import-export's screens with the importer's rules.

The uploaded file is read and checked by customers.importing.files (size, zip bombs, formulas as
text), the organization is chosen on the form among those where the user may import, and the
rows are written by customer_bulk_upsert through CustomerResource.import_data.
"""

from django import forms
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm
from tablib import Dataset

from accounts.models import Organization, Role
from core.admin import has_role, is_superuser, organization_ids_with_role

from ..resources import CustomerResource
from .files import ImportFileRefused, Table, read_table


def _dataset(table: Table) -> Dataset:
    """The table as tablib rows, blank rows kept, so row i of the dataset is sheet row header + i."""
    dataset = Dataset(headers=[str(header) if header is not None else "" for header in table.headers])
    width = len(dataset.headers)
    expected = table.header_row + 1
    for number, cells in table.rows():
        for _ in range(expected, number):
            dataset.append([""] * width)
        dataset.append((list(cells) + [""] * width)[:width])
        expected = number + 1
    return dataset


class CheckedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        return _dataset(read_table(name="upload.xlsx", content=in_stream))


class CheckedCSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        content = in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream
        return _dataset(read_table(name="upload.csv", content=content))


class CustomerImportForm(ImportForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), help_text="Import into.")


class CustomerConfirmImportForm(ConfirmImportForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), widget=forms.HiddenInput)


class CustomerImportExportMixin(ImportExportMixin):
    resource_classes = [CustomerResource]
    import_form_class = CustomerImportForm
    confirm_form_class = CustomerConfirmImportForm
    # Each imported customer gets a history row naming the user; admin's log would repeat it.
    skip_admin_log = True

    @property
    def import_formats(self):
        return [CheckedXLSX, CheckedCSV]

    @property
    def export_formats(self):
        return [base_formats.XLSX, base_formats.CSV]

    def _importable_organizations(self, request):
        if is_superuser(request):
            return Organization.objects.all()
        return Organization.objects.filter(pk__in=organization_ids_with_role(request, role=Role.CLERK))

    def create_import_form(self, request):
        form = super().create_import_form(request)
        form.fields["organization"].queryset = self._importable_organizations(request)
        return form

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        form.fields["organization"].queryset = self._importable_organizations(request)
        return form

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["organization"] = import_form.cleaned_data["organization"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {"organization": cleaned.get("organization"), "actor": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        # The export writes the admin's own (organization-scoped) queryset.
        return {}

    def has_import_permission(self, request):
        return has_role(request, role=Role.CLERK)

    def has_export_permission(self, request):
        return has_role(request, role=Role.VIEWER)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileRefused):
            form.add_error("import_file", e.message)
        else:
            super().add_data_read_fail_error_to_form(form, e)
