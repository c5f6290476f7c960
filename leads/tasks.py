"""Celery tasks of the lead engine. Each takes ids, calls one service and is safe to run twice."""

from __future__ import annotations

import logging
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

#: Errors worth retrying: the database or the mail server briefly away.
TRANSIENT = (OperationalError, ConnectionError, TimeoutError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_jitter": True, "max_retries": 5}


@shared_task(acks_late=True, **RETRY)
def sweep_sla(limit: int = 500) -> int:
    """Beat, every minute: escalate and reassign every lead whose first contact is overdue.

    A sweep over the database rather than a countdown per lead (DESIGN.md §9): SLA timers
    survive restarts and never exceed the broker's visibility timeout. Idempotent — each
    lead is locked and re-checked by ``escalate_missed_sla``. Returns how many escalated.
    """
    from . import services

    escalated = 0
    for contact_id in services.overdue_lead_ids(limit=limit):
        if services.escalate_missed_sla(contact_id=contact_id) is not None:
            escalated += 1
    if escalated:
        logger.info("sweep_sla escalated %d leads", escalated)
    return escalated


@shared_task(acks_late=True, **RETRY)
def email_notification(notification_id: int) -> bool:
    """Email the copy of an in-app notification once (lock, check ``emailed_at``, send, set it)."""
    from .models import Notification

    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "contact")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if note is None:
            return False
        link = f"{settings.SITE_URL}/app/leads/{note.contact_id}/" if note.contact_id else settings.SITE_URL
        send_mail(
            subject=f"[Realtor] {note.message[:120]}",
            message=f"{note.message}\n\n{link}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[note.recipient.email],
        )
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    return True


@shared_task(acks_late=True, **RETRY)
def match_listing(listing_id: int, previous_list_price: str | None = None) -> int:
    """Match a new or reduced listing against all saved searches; returns the number of new matches."""
    from . import services

    previous = Decimal(previous_list_price) if previous_list_price else None
    return len(services.match_listing_to_searches(listing_id=listing_id, previous_list_price=previous))


@shared_task(acks_late=True, **RETRY)
def rescore_contact(contact_id: int) -> int | None:
    """Recompute one contact's score (after events that arrive outside a request)."""
    from . import services

    contact = services.rescore_contact(contact_id=contact_id)
    return contact.score if contact else None
