import pytest

from customers.models import Customer, CustomerStatus
from customers.services import customer_archive

pytestmark = pytest.mark.django_db


def status_url(customer, action) -> str:
    return f"/customers/{customer.pk}/status/{action}/"


@pytest.mark.parametrize(
    ("start", "action", "end", "message"),
    [
        ("active", "archive", "archived", "Wanjiku Traders Ltd archived."),
        ("archived", "unarchive", "active", "Wanjiku Traders Ltd unarchived."),
        ("active", "block", "blocked", "Wanjiku Traders Ltd blocked."),
        ("blocked", "unblock", "active", "Wanjiku Traders Ltd unblocked."),
    ],
)
def test_manager_changes_the_status(client_as, manager, wanjiku, start, action, end, message):
    Customer.objects.filter(pk=wanjiku.pk).update(status=start)

    response = client_as(manager).post(status_url(wanjiku, action), follow=True)

    wanjiku.refresh_from_db()
    assert wanjiku.status == end
    assert response.redirect_chain[-1][0] == f"/customers/{wanjiku.pk}/"
    assert message in response.content.decode()


def test_blocking_an_archived_customer_shows_the_services_message(client_as, manager, wanjiku):
    customer_archive(customer=wanjiku)

    response = client_as(manager).post(status_url(wanjiku, "block"), follow=True)

    wanjiku.refresh_from_db()
    assert wanjiku.status == CustomerStatus.ARCHIVED
    assert "An archived customer cannot be blocked; unarchive it first." in response.content.decode()


def test_clerk_and_viewer_cannot_change_status(client_as, clerk, viewer, wanjiku):
    assert client_as(clerk).post(status_url(wanjiku, "archive")).status_code == 403
    assert client_as(viewer).post(status_url(wanjiku, "block")).status_code == 403
    wanjiku.refresh_from_db()
    assert wanjiku.status == CustomerStatus.ACTIVE


def test_status_change_needs_post(client_as, manager, wanjiku):
    assert client_as(manager).get(status_url(wanjiku, "archive")).status_code == 405


def test_unknown_action_is_a_404(client_as, manager, wanjiku):
    assert client_as(manager).post(status_url(wanjiku, "explode")).status_code == 404


def test_delete_asks_for_confirmation_then_soft_deletes(client_as, manager, wanjiku):
    session = client_as(manager)

    confirm = session.get(f"/customers/{wanjiku.pk}/delete/")
    assert confirm.status_code == 200 and b"Delete Wanjiku Traders Ltd?" in confirm.content
    wanjiku.refresh_from_db()
    assert wanjiku.deleted_at is None

    response = session.post(f"/customers/{wanjiku.pk}/delete/", follow=True)
    wanjiku.refresh_from_db()
    assert wanjiku.deleted_at is not None
    assert response.redirect_chain[-1][0] == "/customers/"
    assert "Wanjiku Traders Ltd" in response.content.decode()  # the message names who was deleted
    assert list(response.context["page"].object_list) == []


def test_clerk_cannot_delete(client_as, clerk, wanjiku):
    assert client_as(clerk).get(f"/customers/{wanjiku.pk}/delete/").status_code == 403
    assert client_as(clerk).post(f"/customers/{wanjiku.pk}/delete/").status_code == 403
    wanjiku.refresh_from_db()
    assert wanjiku.deleted_at is None
