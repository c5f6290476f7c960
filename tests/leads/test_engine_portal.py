"""Client portal pages of the lead engine: matches, saved searches, the inquiry form; the public listing page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from leads.models import BehaviorEvent, Favorite, Match, SavedSearch
from tests.factories.core import AgentFactory, BrokerageFactory
from tests.factories.lead_engine import SavedSearchFactory
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ClosedSaleFactory, ListingFactory

pytestmark = pytest.mark.django_db

MATCHES = reverse("portal:matches")
SEARCHES = reverse("portal:saved_searches")
NEW_SEARCH = reverse("portal:saved_search_create")


@pytest.fixture
def buyer(agent):
    return ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, first_name="Bailey", last_name="Buyer")


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(make_client(buyer))
    return client


def match_for(contact, **kwargs) -> Match:
    search = kwargs.pop("saved_search", None) or SavedSearchFactory(contact=contact)
    listing = kwargs.pop("listing", None) or ListingFactory()
    return Match.objects.create(
        saved_search=search, contact=contact, listing=listing, score=kwargs.pop("score", 70), **kwargs
    )


def match_state() -> list:
    return sorted(Match.objects.values_list("pk", "status"))


# --- matches --------------------------------------------------------------------------------


def test_matches_list_reasons_and_hide_dismissed(buyer_client, buyer):
    shown = match_for(buyer, reasons=["$20k under budget", "0.4 mi from the area you chose"])
    match_for(buyer, status=Match.Status.DISMISSED, listing=ListingFactory(unparsed_address="1 Gone St"))
    match_for(ContactFactory(brokerage=buyer.brokerage), listing=ListingFactory(unparsed_address="9 Other St"))

    response = buyer_client.get(MATCHES)

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [shown]
    html = response.content.decode()
    assert "$20k under budget" in html and "0.4 mi from the area you chose" in html
    assert "1 Gone St" not in html and "9 Other St" not in html


def test_matches_page_runs_constant_queries(buyer_client, buyer, django_assert_max_num_queries):
    search = SavedSearchFactory(contact=buyer)
    for _ in range(2):
        match_for(buyer, saved_search=search)
    with django_assert_max_num_queries(10) as few:
        buyer_client.get(MATCHES)
    for _ in range(15):
        match_for(buyer, saved_search=search)

    with django_assert_max_num_queries(10) as many:
        response = buyer_client.get(MATCHES)

    assert len(response.context["page"].object_list) == 17
    assert len(many.captured_queries) == len(few.captured_queries)


def test_favourite_a_match_via_htmx(buyer_client, buyer):
    match = match_for(buyer)

    response = buyer_client.post(
        reverse("portal:match_status", args=[match.pk]), {"status": "favorited"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<li class="home-card" id="match-{match.pk}"')
    assert "In your favourites" in response.content.decode()
    match.refresh_from_db()
    assert match.status == "favorited"
    assert Favorite.objects.filter(contact=buyer, listing=match.listing).count() == 1
    assert BehaviorEvent.objects.filter(contact=buyer, kind="favorited").count() == 1


def test_dismiss_a_match_removes_the_card(buyer_client, buyer):
    match = match_for(buyer)

    htmx = buyer_client.post(
        reverse("portal:match_status", args=[match.pk]), {"status": "dismissed"}, headers={"HX-Request": "true"}
    )

    assert (htmx.status_code, htmx.content) == (200, b"")
    match.refresh_from_db()
    assert match.status == "dismissed"
    assert list(buyer_client.get(MATCHES).context["page"].object_list) == []


def test_plain_post_redirects_to_matches(buyer_client, buyer):
    match = match_for(buyer)

    response = buyer_client.post(reverse("portal:match_status", args=[match.pk]), {"status": "dismissed"})

    assert response.status_code == 302
    assert response["Location"] == MATCHES


@pytest.mark.parametrize("status", ["", "bogus", "FAVORITED"])
def test_bad_match_status_is_400_and_changes_nothing(buyer_client, buyer, status):
    match = match_for(buyer)
    before = match_state()

    response = buyer_client.post(reverse("portal:match_status", args=[match.pk]), {"status": status})

    assert response.status_code == 400
    assert match_state() == before
    assert not Favorite.objects.exists()


def test_another_clients_match_is_404_and_unchanged(buyer_client, buyer):
    other = ContactFactory(brokerage=BrokerageFactory())
    theirs = match_for(other)
    before = match_state()

    response = buyer_client.post(reverse("portal:match_status", args=[theirs.pk]), {"status": "dismissed"})

    assert response.status_code == 404
    assert match_state() == before


# --- saved searches -------------------------------------------------------------------------


def test_saved_searches_list_only_the_clients_own(buyer_client, buyer):
    SavedSearchFactory(contact=buyer, name="Mine", alert_frequency="instant", list_price_max=Decimal("700000"))
    SavedSearchFactory(contact=ContactFactory(brokerage=buyer.brokerage), name="Someone else's")

    response = buyer_client.get(SEARCHES)

    html = response.content.decode()
    assert [s.name for s in response.context["searches"]] == ["Mine"]
    assert "Alerts: Instantly" in html and "$700,000" in html
    assert "Someone else&#x27;s" not in html


def test_create_a_saved_search(buyer_client, buyer):
    response = buyer_client.post(
        NEW_SEARCH,
        {
            "name": "Ravenna 3 bd",
            "list_price_min": "500000",
            "list_price_max": "800000",
            "bedrooms_total_min": "3",
            "postal_codes": "98115, 98105 98115",
            "alert_frequency": "instant",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == SEARCHES
    search = SavedSearch.objects.get(contact=buyer)
    assert (search.name, search.list_price_min, search.list_price_max, search.bedrooms_total_min) == (
        "Ravenna 3 bd",
        Decimal("500000"),
        Decimal("800000"),
        3,
    )
    assert (search.postal_codes, search.alert_frequency, search.is_active) == (["98115", "98105"], "instant", True)
    # Saving a search counts as engagement and rescores the lead.
    assert BehaviorEvent.objects.filter(contact=buyer, kind="saved_search").count() == 1
    buyer.refresh_from_db()
    assert buyer.scored_at is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"list_price_min": "900000", "list_price_max": "500000"}, "list_price_max"),
        ({"postal_codes": "98115, seattle"}, "postal_codes"),
        ({"alert_frequency": "hourly"}, "alert_frequency"),
        ({"name": ""}, "name"),
        ({"bedrooms_total_min": "-1"}, "bedrooms_total_min"),
    ],
)
def test_invalid_saved_search_is_422_and_saves_nothing(buyer_client, buyer, data, field):
    payload = {"name": "x", "alert_frequency": "daily", **data}

    response = buyer_client.post(NEW_SEARCH, payload)

    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not SavedSearch.objects.exists()
    assert not BehaviorEvent.objects.exists()


def test_edit_own_saved_search_alert_frequency(buyer_client, buyer):
    search = SavedSearchFactory(contact=buyer, name="Old", alert_frequency="instant", postal_codes=["98115"])
    url = reverse("portal:saved_search_edit", args=[search.pk])

    form_page = buyer_client.get(url)
    response = buyer_client.post(url, {"name": "Old", "postal_codes": "98115", "alert_frequency": "never"})

    assert form_page.context["form"].initial["postal_codes"] == "98115"
    assert response.status_code == 302
    search.refresh_from_db()
    assert (search.alert_frequency, search.is_active, search.postal_codes) == ("never", False, ["98115"])
    assert SavedSearch.objects.count() == 1


def test_another_clients_saved_search_is_404_and_unchanged(buyer_client, buyer):
    theirs = SavedSearchFactory(contact=ContactFactory(brokerage=buyer.brokerage), name="Theirs")
    url = reverse("portal:saved_search_edit", args=[theirs.pk])

    page = buyer_client.get(url)
    post = buyer_client.post(url, {"name": "Mine now", "alert_frequency": "never"})

    assert (page.status_code, post.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert (theirs.name, theirs.alert_frequency) == ("Theirs", "instant")


def test_portal_nav_links_matches_and_saved_searches(buyer_client):
    html = buyer_client.get(MATCHES).content.decode()

    assert f'href="{MATCHES}" aria-current="page">Matches</a>' in html
    assert f'href="{SEARCHES}"' in html


@pytest.mark.parametrize("url", [MATCHES, SEARCHES, NEW_SEARCH])
def test_agents_get_403_on_portal_pages(agent_client, url):
    assert agent_client.get(url).status_code == 403


def test_agents_cannot_change_a_clients_match(agent_client, buyer):
    match = match_for(buyer)

    response = agent_client.post(reverse("portal:match_status", args=[match.pk]), {"status": "dismissed"})

    assert response.status_code == 403
    match.refresh_from_db()
    assert match.status == "new"


# --- "Ask about this home" and the public listing page --------------------------------------


def test_portal_home_page_has_the_inquiry_form_prefilled(buyer_client, buyer):
    listing = ListingFactory()

    html = buyer_client.get(reverse("portal:listing_detail", args=[listing.listing_key])).content.decode()

    assert "Ask about this home" in html
    assert f'hx-post="{reverse("listing-inquiry", args=[listing.listing_key])}"' in html
    assert 'value="Bailey Buyer"' in html and f'value="{buyer.email}"' in html


def test_public_listing_page_shows_an_active_listing_with_the_form(client):
    agent = AgentFactory()
    listing = ListingFactory(list_agent=agent, is_synthetic=True, unparsed_address="77 Public Way")

    response = client.get(reverse("public-listing", args=[listing.listing_key]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "77 Public Way" in html and "$650,000" in html
    assert "Synthetic demo price" in html
    assert 'id="listing-inquiry"' in html and 'name="website"' in html
    assert "Description" in html


@pytest.mark.parametrize("factory", [ClosedSaleFactory, lambda: ListingFactory(standard_status="Pending")])
def test_public_listing_page_is_404_unless_active(client, factory):
    listing = factory()

    assert client.get(reverse("public-listing", args=[listing.listing_key])).status_code == 404
    assert client.get(reverse("public-listing", args=["NO-SUCH-KEY"])).status_code == 404
