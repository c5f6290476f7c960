"""Matching buyers to homes: hard filters, soft score and reasons, the listing-change task."""

from decimal import Decimal

import pytest

from leads import services
from leads.matching import Criteria, ListingFacts, alert_decision, match_listing
from leads.models import Favorite, Match
from tests.factories.lead_engine import SavedSearchFactory
from tests.factories.leads import ContactFactory
from tests.factories.properties import ListingFactory

HOME = ListingFacts(
    list_price=Decimal("680000"),
    bedrooms_total=4,
    bathrooms_total_integer=2,
    living_area=1900,
    postal_code="98115",
    city="Seattle",
    latitude=47.68,
    longitude=-122.30,
    property_sub_type="SingleFamilyResidence",
    waterfront_yn=False,
    public_remarks="Updated kitchen, detached garage and a big yard.",
)


def test_reasons_are_listed_in_words():
    criteria = Criteria(
        list_price_min=Decimal("500000"),
        list_price_max=Decimal("700000"),
        bedrooms_total_min=3,
        bathrooms_total_min=2,
        living_area_min=1500,
        center_latitude=47.685,
        center_longitude=-122.30,
        radius_miles=2.0,
        must_haves=("garage", "waterfront"),
    )
    result = match_listing(criteria, HOME)
    assert result.reasons == (
        "$20k under budget",
        "4 bd, you asked for 3+",
        "2 ba, you asked for 2+",
        "1,900 sq ft, you asked for 1,500+",
        "0.3 mi from the area you chose",
        "Has garage",
    )
    assert 0 < result.score <= 100


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(list_price_max=Decimal("679999")),
        Criteria(list_price_min=Decimal("680001")),
        Criteria(bedrooms_total_min=5),
        Criteria(bathrooms_total_min=3),
        Criteria(living_area_min=2000),
        Criteria(postal_codes=frozenset({"98103"})),
        Criteria(center_latitude=47.60, center_longitude=-122.33, radius_miles=1.0),
        Criteria(property_sub_types=frozenset({"Condominium"})),
        Criteria(city="Bellevue"),
    ],
)
def test_every_hard_filter_excludes(criteria):
    assert match_listing(criteria, HOME) is None


def test_missing_listing_field_does_not_match_a_set_minimum():
    assert match_listing(Criteria(bedrooms_total_min=2), ListingFacts(list_price=Decimal(1))) is None


def test_zip_or_radius_either_suffices():
    far = Criteria(postal_codes=frozenset({"98115"}), center_latitude=47.0, center_longitude=-122.0, radius_miles=1.0)
    assert match_listing(far, HOME).reasons == ("In 98115, one of your ZIP codes",)


def test_empty_criteria_match_at_fifty():
    assert match_listing(Criteria(), HOME).score == 50


def test_price_drop_reason():
    drop = ListingFacts(**{**HOME.__dict__, "previous_list_price": Decimal("705000")})
    result = match_listing(Criteria(list_price_max=Decimal("700000")), drop, price_drop=True)
    assert result.reasons[0] == "Price cut $25k"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, (True, "")),
        ({"sent_today": 5}, (False, "daily limit reached")),
        ({"consecutive_unopened": 3}, (False, "paused: unopened alerts")),
        ({"paused": True}, (False, "paused: unopened alerts")),
        ({"frequency": "never"}, (False, "alerts off")),
    ],
)
def test_alert_decision(kwargs, expected):
    args = {
        "frequency": "instant",
        "paused": False,
        "consecutive_unopened": 0,
        "sent_today": 0,
        "max_per_day": 5,
        "pause_after_unopened": 3,
    }
    assert alert_decision(**{**args, **kwargs}) == expected


@pytest.mark.django_db
def test_new_listing_is_matched_against_saved_searches_on_commit(brokerage, django_capture_on_commit_callbacks):
    contact = ContactFactory(brokerage=brokerage)
    fits = SavedSearchFactory(
        contact=contact, list_price_max=Decimal("700000"), bedrooms_total_min=3, postal_codes=["98115"]
    )
    too_cheap = SavedSearchFactory(contact=contact, list_price_max=Decimal("500000"))
    wrong_zip = SavedSearchFactory(contact=contact, postal_codes=["98103"])
    SavedSearchFactory(contact=contact, is_active=False)
    listing = ListingFactory(list_price=Decimal("650000"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.record_listing_change(listing_id=listing.pk)
    assert len(callbacks) == 1
    match = Match.objects.get()
    assert (match.saved_search, match.contact, match.listing, match.trigger) == (fits, contact, listing, "new_listing")
    assert match.reasons == ["$50k under budget", "3 bd, you asked for 3+", "In 98115, one of your ZIP codes"]
    assert not Match.objects.filter(saved_search__in=[too_cheap, wrong_zip]).exists()
    # Running again creates nothing new.
    assert services.match_listing_to_searches(listing_id=listing.pk) == []
    assert Match.objects.count() == 1


@pytest.mark.django_db
def test_price_drop_brings_in_searches_that_did_not_match_before(brokerage):
    contact = ContactFactory(brokerage=brokerage)
    search = SavedSearchFactory(contact=contact, list_price_max=Decimal("600000"))
    listing = ListingFactory(list_price=Decimal("650000"))
    assert services.match_listing_to_searches(listing_id=listing.pk) == []
    listing.list_price = Decimal("590000")
    listing.save()
    services.match_listing_to_searches(listing_id=listing.pk, previous_list_price=Decimal("650000"))
    match = Match.objects.get(saved_search=search)
    assert match.trigger == "price_drop"
    assert match.reasons[0] == "Price cut $60k"


@pytest.mark.django_db
def test_closed_or_unknown_listing_matches_nothing(brokerage):
    from tests.factories.properties import ClosedSaleFactory

    SavedSearchFactory(contact=ContactFactory(brokerage=brokerage))
    assert services.match_listing_to_searches(listing_id=ClosedSaleFactory().pk) == []
    assert services.match_listing_to_searches(listing_id=999999) == []
    assert Match.objects.count() == 0


@pytest.mark.django_db
def test_favourite_and_dismiss_a_match(brokerage):
    contact = ContactFactory(brokerage=brokerage)
    SavedSearchFactory(contact=contact)
    listing = ListingFactory()
    services.match_listing_to_searches(listing_id=listing.pk)
    match = Match.objects.get()
    services.set_match_status(contact=contact, match=match, status="favorited")
    assert Favorite.objects.filter(contact=contact, listing=listing).exists()
    services.set_match_status(contact=contact, match=match, status="dismissed")
    match.refresh_from_db()
    assert match.status == "dismissed"
    from realtor.exceptions import DomainError

    with pytest.raises(DomainError):
        services.set_match_status(contact=ContactFactory(brokerage=brokerage), match=match, status="new")


@pytest.mark.django_db
def test_save_search_validates_and_counts_as_engagement(brokerage):
    from realtor.exceptions import DomainError

    contact = ContactFactory(brokerage=brokerage)
    with pytest.raises(DomainError):
        services.save_search(contact=contact, data={"list_price_min": Decimal(9), "list_price_max": Decimal(1)})
    with pytest.raises(DomainError):
        services.save_search(contact=contact, data={"radius_miles": 2.0})
    assert contact.saved_searches.count() == 0
    services.save_search(contact=contact, data={"name": "North", "postal_codes": ["98115"]})
    contact.refresh_from_db()
    assert contact.saved_searches.get().name == "North"
    assert contact.score_breakdown[0]["points"] == 4
