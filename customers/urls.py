"""Staff pages of customers, under /customers/."""

from django.urls import path

from .views import billing_entities, contacts, customer_actions, customer_detail, customer_form, customer_list

app_name = "customers"

CUSTOMER = "<int:customer_id>"
CONTACT = f"{CUSTOMER}/<slug:kind>/<int:contact_id>"
ENTITY = f"{CUSTOMER}/billing-entities/<int:entity_id>"

urlpatterns = [
    path("", customer_list.customer_list_page, name="list"),
    path("new/", customer_form.customer_create, name="create"),
    path("bulk-archive/", customer_list.customer_bulk_archive, name="bulk_archive"),
    path("validate/", customer_form.field_validate, name="validate"),
    path(f"{CUSTOMER}/", customer_detail.customer_detail, name="detail"),
    path(f"{CUSTOMER}/edit/", customer_form.customer_edit, name="edit"),
    path(f"{CUSTOMER}/delete/", customer_actions.customer_delete, name="delete"),
    path(f"{CUSTOMER}/status/<slug:action>/", customer_actions.customer_status, name="status"),
    path(f"{CUSTOMER}/billing-entities/", billing_entities.billing_panel, name="billing_panel"),
    path(f"{CUSTOMER}/billing-entities/add/", billing_entities.billing_entity_add, name="billing_add"),
    path(f"{ENTITY}/make-default/", billing_entities.billing_entity_make_default, name="billing_make_default"),
    path(f"{ENTITY}/deactivate/", billing_entities.billing_entity_deactivate, name="billing_deactivate"),
    path(f"{ENTITY}/activate/", billing_entities.billing_entity_activate, name="billing_activate"),
    path(f"{CUSTOMER}/<slug:kind>/", contacts.contact_panel, name="contact_panel"),
    path(f"{CUSTOMER}/<slug:kind>/add/", contacts.contact_add, name="contact_add"),
    path(f"{CONTACT}/edit/", contacts.contact_edit, name="contact_edit"),
    path(f"{CONTACT}/delete/", contacts.contact_delete, name="contact_delete"),
    path(f"{CONTACT}/lock/", contacts.contact_lock, name="contact_lock"),
    path(f"{CONTACT}/unlock/", contacts.contact_unlock, name="contact_unlock"),
]
