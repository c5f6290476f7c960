"""Client-portal pages of the leads app (mounted under /portal/): home, homes for sale, favourites.

Every page acts on the signed-in client's own contact record (``get_client_contact``);
no page takes a contact id, so a client cannot reach anyone else's records. Clients see
Active listings only; closed sales appear solely as "nearby sales" of a seller's home.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from properties.forms import HomeSearchFilterSet
from properties.models import Listing, StandardStatus
from properties.selectors import listing_search_queryset, nearby_recent_sales
from properties.services import describe_listing
from properties.views import NEARBY_MONTHS, NEARBY_RADIUS_MILES
from realtor.exceptions import DomainError
from realtor.htmx import wants_fragment
from realtor.permissions import client_required

from .engine_selectors import matches_for_contact
from .forms import SavedSearchForm
from .inquiry_views import inquiry_form_for
from .models import Contact, Favorite, Match, SavedSearch
from .selectors import get_client_contact
from .services import add_favorite, remove_favorite, save_search, set_match_status

#: Matches per page in the portal.
MATCHES_PAGE_SIZE = 24

#: Homes per page in the portal search (a 2-, 3- or 4-column card grid).
PAGE_SIZE = 24

BUYER_TYPES = (Contact.ContactType.BUYER, Contact.ContactType.BOTH)
SELLER_TYPES = (Contact.ContactType.SELLER, Contact.ContactType.BOTH)


def _homes_for_sale():
    return listing_search_queryset().active()


def _favorite_ids(contact: Contact | None, listings=None) -> set[int]:
    """Ids of the listings ``contact`` favourited (among ``listings`` when given)."""
    if contact is None:
        return set()
    favorites = Favorite.objects.filter(contact=contact)
    if listings is not None:
        favorites = favorites.filter(listing__in=[listing.pk for listing in listings])
    return set(favorites.values_list("listing_id", flat=True))


@require_GET
@client_required
def portal_home(request):
    """A client's landing page: their agent and favourites (buyers), their home and nearby sales (sellers)."""
    contact = get_client_contact(user=request.user)
    if contact is None:
        return render(request, "portals/no_contact.html", {"nav": "home"})
    home = contact.home_listing if contact.contact_type in SELLER_TYPES else None
    nearby = []
    if home is not None and home.latitude is not None and home.longitude is not None:
        nearby = nearby_recent_sales(
            latitude=home.latitude,
            longitude=home.longitude,
            radius_miles=NEARBY_RADIUS_MILES,
            months=NEARBY_MONTHS,
            exclude_key=home.listing_key,
        )
    is_buyer = contact.contact_type in BUYER_TYPES
    context = {
        "contact": contact,
        "agent": contact.assigned_agent,
        "is_buyer": is_buyer,
        "is_seller": contact.contact_type in SELLER_TYPES,
        "home": home,
        "listing": home,
        "nearby": nearby,
        "nearby_radius": NEARBY_RADIUS_MILES,
        "nearby_months": NEARBY_MONTHS,
        "favorites_count": contact.favorites.count() if is_buyer else 0,
        "nav": "home",
    }
    return render(request, "portals/home.html", context)


@require_GET
@client_required
@vary_on_headers("HX-Request")
def home_list(request):
    """Homes for sale (Active listings) filtered by price, beds, baths, city and ZIP; htmx swaps ``#results``."""
    contact = get_client_contact(user=request.user)
    filterset = HomeSearchFilterSet(request.GET, queryset=_homes_for_sale(), request=request)
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else Listing.objects.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "portals/home_list.html"
    if wants_fragment(request):
        template += "#results"
    context = {
        "contact": contact,
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "valid": valid,
        "favorite_ids": _favorite_ids(contact, page.object_list),
        "nav": "listings",
    }
    return render(request, template, context, status=200 if valid else 422)


@require_GET
@client_required
def home_detail(request, listing_key: str):
    """One home for sale: facts, description and the favourite button; 404 unless Active."""
    listing = get_object_or_404(_homes_for_sale(), listing_key=listing_key)
    listing = describe_listing(listing=listing)
    contact = get_client_contact(user=request.user)
    context = {
        "contact": contact,
        "listing": listing,
        "ai_call": listing.ai_description_call,
        "favorite_ids": _favorite_ids(contact, [listing]),
        "inquiry_form": inquiry_form_for(contact),
        "nav": "listings",
    }
    return render(request, "portals/home_detail.html", context)


@require_POST
@client_required
def favorite(request, listing_key: str):
    """Set (``action=add``) or clear (``action=remove``) a favourite of the client's own contact.

    Idempotent: adding twice keeps one favourite, removing twice removes nothing more.
    Only Active homes can be added; a favourite of a home that has since left the market
    can still be removed. htmx gets the button back; other requests are redirected to ``next``.
    """
    action = request.POST.get("action")
    if action not in ("add", "remove"):
        return HttpResponseBadRequest("action must be add or remove")
    contact = get_client_contact(user=request.user)
    if contact is None:
        return render(request, "portals/no_contact.html", {"nav": "favorites"}, status=404)
    if action == "add":
        listing = get_object_or_404(_homes_for_sale(), listing_key=listing_key)
        add_favorite(contact=contact, listing=listing)
    else:
        reachable = Listing.objects.filter(Q(standard_status=StandardStatus.ACTIVE) | Q(favorited_by__contact=contact))
        listing = get_object_or_404(reachable.distinct(), listing_key=listing_key)
        remove_favorite(contact=contact, listing=listing)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if wants_fragment(request):
        context = {"listing": listing, "favorite_ids": _favorite_ids(contact, [listing]), "next": next_url}
        return render(request, "components/favorite_button.html", context)
    # A path, never a URL name: redirect() would try to reverse a bare word like "foo".
    return redirect(next_url) if next_url.startswith("/") else redirect("portal:favorites")


@require_GET
@client_required
def favorite_list(request):
    """The client's favourite homes, newest first; homes no longer for sale are marked as such."""
    contact = get_client_contact(user=request.user)
    if contact is None:
        return render(request, "portals/no_contact.html", {"nav": "favorites"})
    favorites = list(Favorite.objects.filter(contact=contact).select_related("listing").order_by("-created_at", "-id"))
    context = {
        "contact": contact,
        "favorites": favorites,
        "favorite_ids": {f.listing_id for f in favorites},
        "nav": "favorites",
    }
    return render(request, "portals/favorites.html", context)


# --------------------------------------------------------------------------------------
# Matches and saved searches (the lead engine, issue 4)
# --------------------------------------------------------------------------------------


@require_GET
@client_required
def match_list(request):
    """Homes matched to the client's saved searches, newest first, with the reasons; dismissed ones hidden."""
    contact = get_client_contact(user=request.user)
    if contact is None:
        return render(request, "portals/no_contact.html", {"nav": "matches"})
    page = Paginator(matches_for_contact(contact=contact), MATCHES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"contact": contact, "page": page, "nav": "matches"}
    return render(request, "portals/matches.html", context)


@require_POST
@client_required
def match_status(request, pk: int):
    """Favourite (``status=favorited``) or dismiss (``status=dismissed``) one of the client's own matches.

    Another client's match answers 404; a bad status 400 with nothing changed. htmx gets
    the match card back (nothing for a dismissed one, which leaves the list); other
    requests go back to the matches page.
    """
    contact = get_client_contact(user=request.user)
    if contact is None:
        return render(request, "portals/no_contact.html", {"nav": "matches"}, status=404)
    match = get_object_or_404(Match.objects.select_related("listing", "saved_search"), pk=pk, contact=contact)
    status = request.POST.get("status", "")
    if status not in (Match.Status.FAVORITED, Match.Status.DISMISSED, Match.Status.NEW):
        return HttpResponseBadRequest("status must be favorited, dismissed or new")
    set_match_status(contact=contact, match=match, status=status)
    if not wants_fragment(request):
        verb = {"favorited": "saved to your favourites", "dismissed": "dismissed", "new": "restored"}[status]
        messages.success(request, f"{match.listing.display_address} {verb}.")
        return redirect("portal:matches")
    if status == Match.Status.DISMISSED:
        return HttpResponse("")
    return render(request, "portals/matches.html#match", {"match": match})


def _search_data(form: SavedSearchForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields}


@require_GET
@client_required
def saved_search_list(request):
    """The client's saved searches with their alert frequency and state."""
    contact = get_client_contact(user=request.user)
    if contact is None:
        return render(request, "portals/no_contact.html", {"nav": "searches"})
    searches = SavedSearch.objects.filter(contact=contact).order_by("-created_at", "-id")
    return render(request, "portals/saved_searches.html", {"contact": contact, "searches": searches, "nav": "searches"})


@require_http_methods(["GET", "POST"])
@client_required
def saved_search_edit(request, pk: int | None = None):
    """Create (no ``pk``) or edit one of the client's saved searches; 422 with the form on bad input."""
    contact = get_client_contact(user=request.user)
    if contact is None:
        return render(request, "portals/no_contact.html", {"nav": "searches"}, status=404)
    search = get_object_or_404(SavedSearch, pk=pk, contact=contact) if pk is not None else None
    initial = SavedSearchForm.initial_from(search) if search else {"alert_frequency": SavedSearch.Frequency.DAILY}
    form = SavedSearchForm(request.POST or None, initial=initial)
    context = {"contact": contact, "form": form, "search": search, "nav": "searches"}
    if request.method == "GET":
        return render(request, "portals/saved_search_form.html", context)
    if form.is_valid():
        try:
            saved = save_search(contact=contact, data=_search_data(form), saved_search=search)
        except DomainError as error:
            form.add_domain_error(error)
        except ValidationError as error:  # a model constraint the form does not mirror
            form.add_error(None, "; ".join(error.messages))
        else:
            messages.success(request, f"“{saved.name}” saved.")
            return redirect("portal:saved_searches")
    return render(request, "portals/saved_search_form.html", context, status=422)
