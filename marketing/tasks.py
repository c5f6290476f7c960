"""Celery tasks of marketing: nurture steps and listing alerts. Ids in, idempotent, ``acks_late``."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

#: Errors worth retrying: the database or the mail server briefly away (never a refusal).
TRANSIENT = (OperationalError, ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_jitter": True, "max_retries": 5}


@shared_task(acks_late=True, **RETRY)
def run_nurture() -> int:
    """Beat, every minute: enroll new leads in the default nurture and enqueue every due step."""
    from . import services

    services.enroll_new_leads()
    due = services.due_nurture_steps()
    for enrollment_id, message_id in due:
        send_nurture_step.delay(enrollment_id=enrollment_id, message_id=message_id)
    return len(due)


@shared_task(acks_late=True, **RETRY)
def send_nurture_step(enrollment_id: int, message_id: int) -> int | None:
    """Send one nurture step once (see ``services.send_nurture_step``); returns the Delivery id."""
    from . import services

    delivery = services.send_nurture_step(enrollment_id=enrollment_id, message_id=message_id)
    return delivery.pk if delivery else None


@shared_task(acks_late=True, **RETRY)
def send_instant_alerts() -> int:
    """Beat, every minute: alert instant-alert saved searches about their new matches (throttled)."""
    from . import services

    return services.send_instant_alerts()


@shared_task(acks_late=True, **RETRY)
def send_daily_digests() -> int:
    """Beat, daily: one digest email per daily-alert saved search with new matches (throttled)."""
    from . import services

    return services.send_daily_digests()
