"""Who a history row is attributed to: the user, or the API key, and the request behind the change."""

from django.contrib.auth import get_user_model
from simple_history.models import HistoricalRecords


def history_user(instance=None, request=None, **kwargs):
    """The signed-in user of the request; an API key caller is not a user row, so it records none."""
    user = getattr(request, "user", None) if request is not None else None
    if isinstance(user, get_user_model()) and user.is_authenticated:
        return user
    return None


def current_request():
    """The request being served in this thread (set by simple-history's middleware), if any."""
    return getattr(HistoricalRecords.context, "request", None)


def request_context() -> dict:
    """The history columns of core.models.RequestContextHistory for the current request.

    Writers that build history rows themselves (bulk inserts) pass these along.
    """
    request = current_request()
    if request is None:
        return {"history_api_key": None, "history_request_id": ""}
    return {
        "history_api_key": getattr(request, "api_key", None),
        "history_request_id": getattr(request, "request_id", "") or "",
    }


def fill_request_context(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record: stamp the API key and request id on every history row."""
    if not hasattr(history_instance, "history_request_id"):
        return
    context = request_context()
    if history_instance.history_api_key_id is None and context["history_api_key"] is not None:
        history_instance.history_api_key = context["history_api_key"]
    if not history_instance.history_request_id:
        history_instance.history_request_id = context["history_request_id"]
