"""Reads of contacts, scoped to the requesting user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from properties.models import Listing

from .models import Activity, BehaviorEvent, ConsentEvent, Contact, Notification, RoutingDecision, Task


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


def get_contact_detail_visible_to(*, user, pk) -> Contact:
    """One contact ``user`` may see, with routing decisions and tasks prefetched (Http404 otherwise).

    ``contact.routing_decisions.all()`` is newest first with agents, users and rules;
    ``contact.tasks.all()`` lists open tasks by due date, then done ones, with agents.
    """
    decisions = RoutingDecision.objects.select_related("agent__user", "previous_agent__user", "rule").order_by(
        "-at", "-id"
    )
    tasks = Task.objects.select_related("agent__user").order_by(
        F("completed_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "id"
    )
    queryset = list_contacts_visible_to(user=user).prefetch_related(
        Prefetch("routing_decisions", queryset=decisions), Prefetch("tasks", queryset=tasks)
    )
    return get_object_or_404(queryset, pk=pk)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a contact's timeline: an activity (call, note…) or a behaviour event (viewed, favourited…)."""

    at: datetime.datetime
    kind: str
    label: str
    body: str = ""
    who: str = ""
    listing: Listing | None = None
    is_event: bool = False
    inbound: bool = False


def contact_timeline(*, contact: Contact, limit: int = 100) -> list[TimelineEntry]:
    """Activities and behaviour events of ``contact``, merged newest first (two queries)."""
    entries = [
        TimelineEntry(
            at=a.occurred_at,
            kind=a.kind,
            label=a.get_kind_display(),
            body=a.body,
            who=str(a.agent) if a.agent_id else "",
            inbound=a.direction == Activity.Direction.INBOUND,
        )
        for a in list_activities(contact=contact)[:limit]
    ]
    entries += [
        TimelineEntry(at=e.occurred_at, kind=e.kind, label=e.get_kind_display(), listing=e.listing, is_event=True)
        for e in BehaviorEvent.objects.filter(contact=contact).select_related("listing")[:limit]
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def consent_history(*, contact: Contact, limit: int = 10) -> QuerySet[ConsentEvent]:
    """The newest entries of a contact's consent ledger (grants and revocations, with the text shown)."""
    return contact.consent_events.all()[:limit]


def notifications_for(*, user, limit: int = 10) -> QuerySet[Notification]:
    """A brokerage member's unread notices (new leads, SLA escalations), newest first."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).select_related("contact")[:limit]


def lead_counts(*, user) -> dict[str, int]:
    """Dashboard counts: ``mine`` and ``new_this_week`` (created in the last 7 days).

    Agents count the leads assigned to them; brokers and staff their whole brokerage's.
    """
    week_ago = timezone.now() - datetime.timedelta(days=7)
    mine = Q(assigned_agent__user_id=user.pk) if user.is_agent else Q(pk__isnull=False)
    return Contact.objects.visible_to(user).aggregate(
        mine=Count("pk", filter=mine), new_this_week=Count("pk", filter=mine & Q(created_at__gte=week_ago))
    )
