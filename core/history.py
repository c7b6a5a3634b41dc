"""Who a history row is attributed to."""

from django.contrib.auth import get_user_model


def history_user(instance=None, request=None, **kwargs):
    """The signed-in user of the request; an API key caller is not a user row, so it records none."""
    user = getattr(request, "user", None) if request is not None else None
    if isinstance(user, get_user_model()) and user.is_authenticated:
        return user
    return None
