"""Background work on listings. Tasks take ids, call one service, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import services
from .models import Listing


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def refresh_listing_description(listing_id: int) -> int | None:
    """Rewrite a listing's AI description; returns the AICall id, None if the listing is gone."""
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        return None
    return services.describe_listing(listing=listing, refresh=True).ai_description_call_id
