"""Writes of listings."""

from __future__ import annotations

from django.db import transaction

from realtor import ai

from .describe import fallback_description, listing_facts
from .models import Listing


def describe_listing(*, listing: Listing, refresh: bool = False) -> Listing:
    """Write the listing's AI description through the gateway (Claude, or the rules fallback).

    Cached on the listing with the call that produced it; ``refresh=True`` writes it anew.
    """
    if listing.ai_description and not refresh:
        return listing
    fields = {
        f: getattr(listing, f)
        for f in (
            "property_sub_type",
            "bedrooms_total",
            "living_area",
            "lot_size_square_feet",
            "year_built",
            "year_built_effective",
            "waterfront_yn",
            "city",
            "postal_code",
        )
    }
    fields["bathrooms_decimal"] = listing.bathrooms_decimal
    facts = listing_facts(fields)
    result = ai.generate(
        task="listing_description",
        context={"facts": facts},
        fallback=fallback_description,
        max_tokens=400,
        object_type="properties.listing",
        object_id=listing.pk,
    )
    with transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(ai_description=result.text, ai_description_call_id=result.call_id)
    listing.ai_description = result.text
    listing.ai_description_call_id = result.call_id
    return listing


def request_listing_description(*, listing: Listing) -> None:
    """Queue a fresh AI description for ``listing`` once the current transaction commits."""
    from . import tasks

    tasks.refresh_listing_description.delay_on_commit(listing.pk)
