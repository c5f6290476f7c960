"""load_demo: real sales as Closed listings, synthetic Active listings and people, idempotent."""

import itertools

import pytest
from django.core.management import call_command

from leads.models import BehaviorEvent, Contact, LeadSource, Match, Task
from marketing.models import Campaign, Message
from properties import demo as properties_demo
from properties.kc_data import read_seattle_sales
from properties.models import CMA, Listing
from realtor.models import Agent, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_sales(monkeypatch):
    """The first 600 real sales, to keep the test fast (the full file is loaded by `make run`)."""
    monkeypatch.setattr(properties_demo, "read_seattle_sales", lambda: itertools.islice(read_seattle_sales(), 600))


def state():
    return {
        "listings": sorted(Listing.objects.values_list("listing_key", "standard_status", "list_price", "close_price",
                                                       "modification_timestamp")),
        "users": sorted(User.objects.values_list("email", "role")),
        "contacts": Contact.objects.count(),
        "agents": Agent.objects.count(),
        "cmas": list(CMA.objects.values_list("pk", "version", "status", "recommended_list_price")),
        "engine": [BehaviorEvent.objects.count(), Match.objects.count(), Task.objects.count(),
                   Campaign.objects.filter(is_default_nurture=True).count(), Message.objects.count(),
                   sorted(LeadSource.objects.values_list("slug", flat=True))],
    }  # fmt: skip


def test_load_demo_loads_real_sales_and_marked_synthetic_demo_data(
    small_sales, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--active", "40", "--no-progress")

    closed = Listing.objects.filter(standard_status="Closed")
    assert closed.count() == 600
    assert not closed.filter(is_synthetic=True).exists()
    assert closed.filter(postal_code="").count() == 0
    assert set(closed.values_list("city", flat=True)) == {"Seattle"}
    active = Listing.objects.filter(standard_status="Active")
    assert active.count() == 40
    assert active.filter(is_synthetic=True).count() == 40
    assert active.filter(list_agent__isnull=True).count() == 0
    # Every synthetic Active listing is a real home: same parcel and facts as a real sale.
    for listing in active[:10]:
        sale = closed.filter(parcel_number=listing.parcel_number).latest("close_date")
        assert (listing.living_area, listing.year_built, listing.latitude) == (
            sale.living_area,
            sale.year_built,
            sale.latitude,
        )
        assert listing.list_price % 50 == 0
    roles = dict(User.objects.filter(email__in=["broker@example.com", "agent@example.com", "buyer@example.com",
                                               "seller@example.com"]).values_list("email", "role"))  # fmt: skip
    assert roles == {"broker@example.com": "broker", "agent@example.com": "agent",
                     "buyer@example.com": "client", "seller@example.com": "client"}  # fmt: skip
    broker = User.objects.get(email="broker@example.com")
    assert broker.is_staff and broker.check_password("realtor-demo")
    seller = Contact.objects.get(user__email="seller@example.com")
    assert seller.home_listing is not None and seller.home_listing.is_synthetic
    assert Contact.objects.get(user__email="buyer@example.com").saved_searches.count() == 1
    # The seller's portal has a CMA their agent shared: recommended price, synthetic-demo note, PDF.
    cma = CMA.objects.get()
    assert (cma.status, cma.shared_with.email, cma.subject_listing, cma.created_by) == (
        "shared", "seller@example.com", seller.home_listing, seller.assigned_agent,
    )  # fmt: skip
    assert cma.recommended_list_price % 5000 == 0 and abs(cma.recommended_list_price - cma.estimate) <= 2500
    assert cma.recommendation_note.startswith("Synthetic demo CMA")
    assert cma.pdf
    assert Contact.objects.filter(is_synthetic=True).count() == Contact.objects.count() > 50
    out = capsys.readouterr().out
    assert "agent@example.com" in out and "realtor-demo" in out
    # The lead engine has something to show: a webhook source, the 3-7-30 nurture, scores, engagement, matches.
    assert set(LeadSource.objects.values_list("slug", flat=True)) == {"website", "gohighlevel", "listing-inquiry"}
    nurture = Campaign.objects.get(is_default_nurture=True)
    assert sorted(set(nurture.messages.values_list("delay_days", flat=True))) == [3, 7, 30]
    assert BehaviorEvent.objects.filter(is_synthetic=False).count() == 0
    assert BehaviorEvent.objects.filter(is_synthetic=True).count() > 0
    assert Contact.objects.filter(scored_at__isnull=True).count() == 0
    buyer_matches = Match.objects.filter(contact__user__email="buyer@example.com")
    assert buyer_matches.count() == Match.objects.count() > 0
    assert not buyer_matches.filter(listing__is_synthetic=False).exists()
    assert all(match.reasons for match in buyer_matches)


def test_load_demo_twice_changes_nothing(small_sales):
    call_command("load_demo", "--active", "40", "--no-progress")
    before = state()

    call_command("load_demo", "--active", "40", "--no-progress")

    assert state() == before
