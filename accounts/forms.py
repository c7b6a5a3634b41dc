"""Forms of the settings pages. They parse what a person typed; the services decide what is valid."""

from django import forms

from .models import ApiKeyScope


class BranchCreateForm(forms.Form):
    code = forms.CharField(max_length=20, help_text='Letters, digits, "-" or "_", e.g. 01.')
    name = forms.CharField(max_length=255)


class BranchEditForm(forms.Form):
    name = forms.CharField(max_length=255)
    is_active = forms.BooleanField(required=False, label="Active (offered for new customers)")


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who or what uses it, e.g. “Online shop” or “Accounting export”.")
    scope = forms.ChoiceField(
        label="Access",
        choices=ApiKeyScope.choices,
        initial=ApiKeyScope.READ,
        help_text="A read key can only read; a read and write key can also create and change data.",
    )
