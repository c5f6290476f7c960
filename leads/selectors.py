"""Reads of contacts, scoped to the requesting user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Activity, Contact


def list_contacts_visible_to(*, user) -> QuerySet[Contact]:
    """Contacts ``user`` may see (see ``ContactQuerySet.visible_to``), newest first."""
    return Contact.objects.visible_to(user).select_related("assigned_agent__user", "source")


def get_contact_visible_to(*, user, pk) -> Contact:
    """One contact ``user`` may see; raises ``Http404`` for anything else (a guessed id)."""
    return get_object_or_404(list_contacts_visible_to(user=user), pk=pk)


def get_client_contact(*, user) -> Contact | None:
    """The contact record behind a client's portal login, or None."""
    if not user.is_authenticated or not user.is_client:
        return None
    return Contact.objects.select_related("assigned_agent__user", "home_listing").filter(user=user).first()


def list_activities(*, contact: Contact) -> QuerySet[Activity]:
    """Activities of ``contact``, newest first, with their agents; the caller has scoped ``contact``."""
    return contact.activities.select_related("agent__user")
