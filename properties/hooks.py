"""Listing market events for the apps to the right of ``properties``, which it may not import (DESIGN §3).

A listing coming on the market (new or re-listed as Active) or cutting its list price
while Active is news for buyers: ``leads`` matches it against saved searches. Rather
than importing ``leads``, the listing side calls the dotted-path callables named in
``settings.LISTING_CHANGE_HOOKS`` (set in ``realtor/settings/base.py``, the project
layer that knows every app). Each hook is
``hook(listing_id: int, previous_list_price: Decimal | None, previous_status: str | None)``;
the previous values are None for a new listing.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string

from .models import StandardStatus


def is_market_event(
    *,
    previous_status: str | None,
    previous_list_price: Decimal | None,
    status: str | None,
    list_price: Decimal | None,
) -> bool:
    """Whether a write put a listing on the market or cut its price (what buyers get alerted about).

    True when the listing is Active after the write and it is new (``previous_status``
    None), was not Active before, or its list price (USD) went down.
    """
    if status != StandardStatus.ACTIVE:
        return False
    if previous_status != StandardStatus.ACTIVE:
        return True
    return previous_list_price is not None and list_price is not None and list_price < previous_list_price


def listing_change_hooks() -> list:
    """The callables of ``settings.LISTING_CHANGE_HOOKS`` (an ImportError names a wrong path)."""
    return [import_string(path) for path in getattr(settings, "LISTING_CHANGE_HOOKS", ())]


def notify_listing_change(listing_id: int, previous_list_price: Decimal | None, previous_status: str | None) -> None:
    """Tell every registered hook that a listing came on the market or dropped its price (USD)."""
    for hook in listing_change_hooks():
        hook(listing_id, previous_list_price, previous_status)
