"""Who may use which door. Object-level scoping lives in each app's ``visible_to`` selectors."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def _door(check, *, message: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_brokerage_member(user) -> bool:
    """Agents, brokers and staff of a brokerage (the people who use /app/)."""
    return user.is_authenticated and not user.is_client and user.brokerage_id is not None


#: /app/ is for brokerage members; clients get 403.
agent_required = _door(is_brokerage_member, message="The agent portal is for brokerage members.")
#: /portal/ is for clients; agents use /app/.
client_required = _door(lambda u: u.is_client, message="The client portal is for clients.")


class IsBrokerageMember(BasePermission):
    """API access for agents, brokers and staff; clients get 403."""

    message = "This endpoint is for brokerage members."

    def has_permission(self, request, view) -> bool:
        return is_brokerage_member(request.user)
