"""Agent-portal listing pages: search and detail (mounted under /app/)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from realtor.htmx import wants_fragment
from realtor.permissions import agent_required

from .forms import ListingSearchFilterSet
from .models import Listing
from .selectors import get_listing, listing_search_queryset, nearby_recent_sales
from .services import describe_listing

#: Rows per page of the listing search.
PAGE_SIZE = 25
#: Radius (miles) and look-back (months) of the "nearby recent sales" table.
NEARBY_RADIUS_MILES = 0.5
NEARBY_MONTHS = 12


@require_GET
@agent_required
@vary_on_headers("HX-Request")
def listing_list(request):
    """Search every listing and sale by the shared filters; htmx swaps only ``#results``.

    Invalid filter values re-render the form with its errors, list nothing and answer 422.
    """
    filterset = ListingSearchFilterSet(request.GET, queryset=listing_search_queryset(), request=request)
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else Listing.objects.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "properties/listing_list.html"
    if wants_fragment(request):
        template += "#results"
    context = {"filterset": filterset, "form": filterset.form, "page": page, "valid": valid, "nav": "listings"}
    return render(request, template, context, status=200 if valid else 422)


@require_GET
@agent_required
def listing_detail(request, listing_key: str):
    """One listing: facts, price/status history, nearby recent sales and its AI description."""
    try:
        listing = get_listing(listing_key=listing_key)
    except Listing.DoesNotExist:
        raise Http404("No listing with that key.") from None
    listing = describe_listing(listing=listing)
    nearby = []
    if listing.latitude is not None and listing.longitude is not None:
        nearby = nearby_recent_sales(
            latitude=listing.latitude,
            longitude=listing.longitude,
            radius_miles=NEARBY_RADIUS_MILES,
            months=NEARBY_MONTHS,
            exclude_key=listing.listing_key,
        )
    context = {
        "listing": listing,
        "history": listing.history.all(),
        "nearby": nearby,
        "nearby_radius": NEARBY_RADIUS_MILES,
        "nearby_months": NEARBY_MONTHS,
        "ai_call": listing.ai_description_call,
        "nav": "listings",
    }
    return render(request, "properties/listing_detail.html", context)
