"""Reads of listings: search, detail, nearby sales, and the sales the valuation engine uses."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .geo import haversine_miles
from .models import Listing, StandardStatus

#: Columns the valuation engine reads, as RESO names (see properties/kc_data.py).
SALE_RECORD_FIELDS = (
    "listing_key",
    "parcel_number",
    "close_price",
    "close_date",
    "property_type",
    "property_sub_type",
    "postal_code",
    "mls_area_major",
    "lot_size_square_feet",
    "waterfront_yn",
    "building_grade",
    "living_area",
    "bedrooms_total",
    "bathrooms_total_integer",
    "bathrooms_full",
    "bathrooms_three_quarter",
    "bathrooms_half",
    "bathrooms_one_quarter",
    "year_built",
    "year_built_effective",
    "latitude",
    "longitude",
)


def listing_search_queryset() -> QuerySet[Listing]:
    """The base queryset for listing search pages and the API list (agents and brokers)."""
    return Listing.objects.select_related("list_agent__user", "list_office")


def get_listing(*, listing_key: str) -> Listing:
    """Return one listing with its agent and office; raises ``Listing.DoesNotExist``."""
    return listing_search_queryset().get(listing_key=listing_key)


@dataclass(frozen=True)
class NearbySale:
    listing: Listing
    distance_miles: float


def nearby_recent_sales(
    *,
    latitude: float,
    longitude: float,
    radius_miles: float = 0.5,
    months: int = 12,
    as_of: datetime.date | None = None,
    exclude_key: str | None = None,
    limit: int = 10,
) -> list[NearbySale]:
    """Closed sales within ``radius_miles`` (haversine) closed in the ``months`` before ``as_of``.

    ``as_of`` defaults to the newest sale date on file, so historical data still shows
    neighbours. Sorted by distance then newest; at most ``limit`` rows.
    """
    if as_of is None:
        newest = Listing.objects.closed().order_by("-close_date").values_list("close_date", flat=True).first()
        if newest is None:
            return []
        as_of = newest + datetime.timedelta(days=1)
    start = as_of - datetime.timedelta(days=int(months * 30.44))
    # A bounding box on the indexed lat/lon first; 1 degree of latitude ≈ 69 miles.
    dlat = radius_miles / 69.0
    dlon = radius_miles / (69.0 * max(0.2, abs(math.cos(math.radians(latitude)))))
    candidates = list(
        Listing.objects.closed()
        .filter(
            close_date__gte=start,
            close_date__lt=as_of,
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlon, longitude + dlon),
        )
        .exclude(listing_key=exclude_key or "")
    )
    if not candidates:
        return []
    distances = haversine_miles(
        latitude, longitude, [c.latitude for c in candidates], [c.longitude for c in candidates]
    )
    rows = [NearbySale(c, float(d)) for c, d in zip(candidates, distances, strict=True) if d <= radius_miles]
    rows.sort(key=lambda r: (round(r.distance_miles, 2), -r.listing.close_date.toordinal()))
    return rows[:limit]


def closed_sales_records(*, before: datetime.date | None = None) -> Iterator[dict]:
    """Yield every Closed sale with coordinates and living area as a RESO-named dict.

    The valuation engine's input (see ``properties.valuation``). ``before`` keeps only
    sales with ``close_date < before``. Money as Decimal USD, areas in sq ft.
    """
    qs = Listing.objects.closed().exclude(latitude=None).exclude(longitude=None).exclude(living_area=None)
    if before is not None:
        qs = qs.filter(close_date__lt=before)
    yield from qs.order_by("close_date", "id").values(*SALE_RECORD_FIELDS).iterator(chunk_size=5000)


def listing_counts(*, user) -> dict[str, int]:
    """Dashboard counts: Active listings (``active``), Closed sales on file (``closed``) and
    the Active listings ``user`` is the listing agent of (``my_active``)."""
    return Listing.objects.aggregate(
        active=Count("pk", filter=Q(standard_status=StandardStatus.ACTIVE)),
        closed=Count("pk", filter=Q(standard_status=StandardStatus.CLOSED)),
        my_active=Count("pk", filter=Q(standard_status=StandardStatus.ACTIVE, list_agent__user_id=user.pk)),
    )
