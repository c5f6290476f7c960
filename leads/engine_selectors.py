"""Reads of the lead engine: the follow-up queue, routing history, matches. Scoped by the caller's rights."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from .models import Contact, Match, RoutingDecision, SavedSearch
from .priority import Priority, QueueInputs, follow_up_priority

#: Stages that belong in the follow-up queue.
QUEUE_STAGES = (Contact.Stage.NEW, Contact.Stage.CONTACTED, Contact.Stage.NURTURING, Contact.Stage.ACTIVE)


@dataclass(frozen=True)
class QueueItem:
    contact: Contact
    priority: Priority


def follow_up_queue(*, agent, now=None, limit: int = 25) -> list[QueueItem]:
    """The agent's follow-up queue, most urgent first (formula in ``leads.priority``).

    Contacts assigned to ``agent`` in an open stage, not snoozed, and not marked done
    since their last inbound message. Three queries whatever the number of leads.
    """
    now = now or timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end_of_day = start_of_day + dt.timedelta(days=1)
    open_tasks = Q(tasks__completed_at__isnull=True)
    contacts = (
        Contact.objects.filter(assigned_agent=agent, stage__in=QUEUE_STAGES)
        .filter(Q(follow_up_snoozed_until__isnull=True) | Q(follow_up_snoozed_until__lte=now))
        .filter(
            Q(follow_up_done_at__isnull=True)
            | Q(last_inbound_at__gt=F("follow_up_done_at"))
            | Q(tasks__completed_at__isnull=True, tasks__due_at__lte=now)
        )
        .annotate(
            overdue=Count("tasks", filter=open_tasks & Q(tasks__due_at__lt=start_of_day), distinct=True),
            due_today=Count(
                "tasks",
                filter=open_tasks & Q(tasks__due_at__gte=start_of_day, tasks__due_at__lt=end_of_day),
                distinct=True,
            ),
            next_due=Min("tasks__due_at", filter=open_tasks & Q(tasks__due_at__gte=now)),
        )
        .select_related("source")
        .distinct()
    )
    items = []
    for contact in contacts[:2000]:
        touched = contact.last_contacted_at
        days_to_deadline = (contact.next_due - now).total_seconds() / 86400 if contact.next_due else None
        inputs = QueueInputs(
            score=contact.score,
            is_new_uncontacted=contact.first_contact_at is None,
            days_since_last_touch=(now - touched).total_seconds() / 86400 if touched else None,
            overdue_tasks=contact.overdue,
            due_today_tasks=contact.due_today,
            days_to_deadline=days_to_deadline,
        )
        items.append(QueueItem(contact=contact, priority=follow_up_priority(inputs)))
    items.sort(key=lambda item: (-item.priority.value, item.contact.created_at))
    return items[:limit]


def routing_history(*, contact: Contact) -> QuerySet[RoutingDecision]:
    """Routing decisions for a contact the caller may see, newest first."""
    return contact.routing_decisions.select_related("agent__user", "previous_agent__user", "rule")


def matches_for_contact(*, contact: Contact, include_dismissed: bool = False) -> QuerySet[Match]:
    """A contact's matches, best first, with listing and search."""
    qs = Match.objects.filter(contact=contact).select_related("listing", "saved_search")
    if not include_dismissed:
        qs = qs.exclude(status=Match.Status.DISMISSED)
    return qs.order_by("-created_at", "-score")


def matches_visible_to(*, user) -> QuerySet[Match]:
    """Matches of contacts ``user`` may see (agents/brokers), or the client's own (portal)."""
    if user.is_authenticated and user.is_client:
        return Match.objects.filter(contact__user=user).select_related("listing", "saved_search")
    return Match.objects.filter(contact__in=Contact.objects.visible_to(user)).select_related("listing", "saved_search")


def saved_searches_visible_to(*, user) -> QuerySet[SavedSearch]:
    """Saved searches of contacts ``user`` may see, or the client's own."""
    if user.is_authenticated and user.is_client:
        return SavedSearch.objects.filter(contact__user=user)
    return SavedSearch.objects.filter(contact__in=Contact.objects.visible_to(user))
