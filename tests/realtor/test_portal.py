"""The client portal at /portal/: home (buyer, seller), homes for sale, favourites, isolation."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from leads.models import Favorite
from tests.factories.core import AgentFactory, UserFactory
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ClosedSaleFactory, ListingFactory

pytestmark = pytest.mark.django_db

HOME_URL = reverse("portal:home")
HOMES_URL = reverse("portal:listings")
FAVORITES_URL = reverse("portal:favorites")


def favorite_url(listing) -> str:
    return reverse("portal:favorite", args=[listing.listing_key])


def keys(response) -> set[str]:
    return {listing.listing_key for listing in response.context["page"].object_list}


@pytest.fixture
def buyer(agent):
    return ContactFactory(
        brokerage=agent.brokerage, assigned_agent=agent, first_name="Bea", last_name="Buyer", contact_type="buyer"
    )


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(make_client(buyer))
    return client


# --- home -----------------------------------------------------------------------------------


def test_buyer_home_shows_agent_card_browse_link_and_favourites_count(buyer_client, buyer, agent):
    agent.phone = "206-555-0142"
    agent.save()
    for listing in ListingFactory.create_batch(2):
        Favorite.objects.create(contact=buyer, listing=listing)

    response = buyer_client.get(HOME_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome, Bea" in html
    assert agent.user.get_full_name() in html
    assert 'href="tel:206-555-0142"' in html
    assert f'href="mailto:{agent.user.email}"' in html
    assert f'href="{HOMES_URL}"' in html
    assert response.context["favorites_count"] == 2
    assert "Favourite homes" in html
    assert 'id="nearby-sales"' not in html  # a buyer has no home on the market
    assert "<nav" in html
    assert 'aria-label="Client portal"' in html


def test_seller_home_shows_their_home_and_nearby_sales(client, agent):
    home = ListingFactory(
        unparsed_address="8 Seller Lane",
        bedrooms_total=3,
        living_area=1500,
        latitude=47.68,
        longitude=-122.30,
        list_price=Decimal("800000"),
        is_synthetic=True,
    )
    near = ClosedSaleFactory(
        unparsed_address="",
        parcel_number="4440004444",
        latitude=47.682,
        longitude=-122.30,
        close_price=Decimal("760000"),
        close_date=datetime.date(2016, 4, 4),
    )
    ClosedSaleFactory(unparsed_address="", parcel_number="1110001111", latitude=47.9, longitude=-122.30)
    seller = ContactFactory(
        brokerage=agent.brokerage, assigned_agent=agent, contact_type="seller", home_listing=home, first_name="Sam"
    )
    client.force_login(make_client(seller))

    response = client.get(HOME_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your home" in html
    assert "8 Seller Lane" in html
    assert "<dt>Bedrooms</dt><dd>3</dd>" in html
    assert "Synthetic demo price" in html
    assert [row.listing.pk for row in response.context["nearby"]] == [near.pk]
    assert "Parcel 4440004444" in html
    assert "$760,000" in html
    assert "Apr 4, 2016" in html
    assert "Parcel 1110001111" not in html
    assert "Browse homes for sale" not in html  # a pure seller gets no buyer panel
    assert f'href="{reverse("app:listing_detail", args=[near.listing_key])}"' not in html  # no /app/ links


def test_buyer_and_seller_sees_both_panels(client, agent):
    home = ListingFactory(unparsed_address="3 Both Way")
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, contact_type="both", home_listing=home)
    client.force_login(make_client(contact))

    html = client.get(HOME_URL).content.decode()

    assert "3 Both Way" in html
    assert "Browse homes for sale" in html


def test_seller_without_a_linked_home_gets_a_friendly_note(client, agent):
    contact = ContactFactory(brokerage=agent.brokerage, contact_type="seller")
    client.force_login(make_client(contact))

    response = client.get(HOME_URL)

    assert response.status_code == 200
    assert "Your agent has not linked your home yet." in response.content.decode()
    assert "An agent will be in touch with you shortly." in response.content.decode()


def test_client_without_a_contact_record_gets_a_friendly_page(client):
    client.force_login(UserFactory(role="client"))

    for url in (HOME_URL, FAVORITES_URL):
        response = client.get(url)
        assert response.status_code == 200
        assert "we could not find your client record yet" in response.content.decode()


def test_agents_and_brokers_get_403_in_the_portal(client, agent, broker):
    for user in (agent.user, broker):
        client.force_login(user)
        for url in (HOME_URL, HOMES_URL, FAVORITES_URL):
            assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={HOME_URL}"


# --- homes for sale -------------------------------------------------------------------------


def test_homes_lists_only_active_listings(buyer_client):
    active = ListingFactory()
    ListingFactory(standard_status="Pending")
    ClosedSaleFactory()

    response = buyer_client.get(HOMES_URL)

    assert response.status_code == 200
    assert keys(response) == {active.listing_key}
    assert "1 home for sale" in response.content.decode()


def test_homes_filters_by_price_beds_baths_city_and_zip(buyer_client):
    wanted = ListingFactory(
        list_price=Decimal("600000"), bedrooms_total=3, bathrooms_total_integer=2, city="Seattle", postal_code="98103"
    )
    ListingFactory(list_price=Decimal("900000"), bedrooms_total=3, bathrooms_total_integer=2, postal_code="98103")
    ListingFactory(list_price=Decimal("600000"), bedrooms_total=2, bathrooms_total_integer=2, postal_code="98103")
    ListingFactory(list_price=Decimal("600000"), bedrooms_total=3, bathrooms_total_integer=1, postal_code="98103")
    ListingFactory(list_price=Decimal("600000"), bedrooms_total=3, bathrooms_total_integer=2, postal_code="98115")
    ListingFactory(list_price=Decimal("600000"), bedrooms_total=3, bathrooms_total_integer=2, city="Renton")

    response = buyer_client.get(
        HOMES_URL,
        {
            "list_price_min": "500000",
            "list_price_max": "700000",
            "bedrooms_total_min": "3",
            "bathrooms_total_min": "2",
            "city": "Seattle",
            "postal_code": "98103",
        },
    )

    assert keys(response) == {wanted.listing_key}


def test_homes_ignores_agent_only_filters_that_would_widen_the_search(buyer_client):
    active = ListingFactory()
    ClosedSaleFactory()

    response = buyer_client.get(HOMES_URL, {"standard_status": "Closed", "close_date_after": "2000-01-01"})

    assert response.status_code == 200
    assert keys(response) == {active.listing_key}
    assert "standard_status" not in response.context["form"].fields


def test_homes_htmx_returns_the_results_fragment(buyer_client):
    ListingFactory(unparsed_address="9 Htmx Row")

    response = buyer_client.get(HOMES_URL, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<nav" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert "9 Htmx Row" in html
    assert "Save" in html


def test_homes_invalid_filter_is_422_and_lists_nothing(buyer_client):
    ListingFactory()

    response = buyer_client.get(HOMES_URL, {"list_price_max": "lots"})

    assert response.status_code == 422
    assert list(response.context["page"].object_list) == []
    assert 'id="id_list_price_max_error"' in response.content.decode()


def test_homes_show_the_synthetic_badge_and_favourite_state(buyer_client, buyer):
    saved = ListingFactory(is_synthetic=True, unparsed_address="1 Saved St")
    ListingFactory(unparsed_address="2 Other St")
    Favorite.objects.create(contact=buyer, listing=saved)

    response = buyer_client.get(HOMES_URL)

    html = response.content.decode()
    assert '<span class="badge synthetic"' in html
    assert response.context["favorite_ids"] == {saved.pk}
    assert "remove 1 Saved St, Seattle, WA 98115 from favourites" in html
    assert 'Save<span class="visually-hidden"> 2 Other St, Seattle, WA 98115 to favourites' in html


def test_homes_query_count_is_constant(buyer_client, buyer, django_assert_max_num_queries):
    ListingFactory.create_batch(3)
    buyer_client.get(HOMES_URL)  # warm the session
    with django_assert_max_num_queries(7) as few:
        buyer_client.get(HOMES_URL)
    for listing in ListingFactory.create_batch(40, list_agent=AgentFactory()):
        Favorite.objects.create(contact=buyer, listing=listing)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = buyer_client.get(HOMES_URL)

    assert len(response.context["page"].object_list) == 24


def test_home_detail_shows_facts_description_and_fallback_label(buyer_client):
    listing = ListingFactory(unparsed_address="4 Detail Ct", bedrooms_total=5, is_synthetic=True)

    response = buyer_client.get(reverse("portal:listing_detail", args=[listing.listing_key]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "4 Detail Ct" in html
    assert "<dt>Bedrooms</dt><dd>5</dd>" in html
    assert "This 5-bedroom" in html
    assert "Generated by rules (no AI key)" in html
    assert "Synthetic demo price" in html
    assert "Save<span" in html
    assert "Listing key" not in html  # record ids are for agents


@pytest.mark.parametrize("status", ["Closed", "Pending", "Withdrawn"])
def test_home_detail_of_a_listing_not_for_sale_is_404(buyer_client, status):
    listing = ClosedSaleFactory() if status == "Closed" else ListingFactory(standard_status=status)

    assert buyer_client.get(reverse("portal:listing_detail", args=[listing.listing_key])).status_code == 404


# --- favourites -----------------------------------------------------------------------------


def test_favourite_toggle_via_htmx_swaps_the_button_and_is_idempotent(buyer_client, buyer):
    listing = ListingFactory(unparsed_address="5 Toggle Ave")

    first = buyer_client.post(favorite_url(listing), {"action": "add"}, headers={"HX-Request": "true"})
    again = buyer_client.post(favorite_url(listing), {"action": "add"}, headers={"HX-Request": "true"})

    assert first.status_code == 200
    html = first.content.decode()
    assert html.lstrip().startswith('<form class="favorite-form"')
    assert "<nav" not in html
    assert "remove 5 Toggle Ave, Seattle, WA 98115 from favourites" in html
    assert 'name="action" value="remove"' in html
    assert again.status_code == 200
    assert list(Favorite.objects.filter(contact=buyer).values_list("listing_id", flat=True)) == [listing.pk]

    removed = buyer_client.post(favorite_url(listing), {"action": "remove"}, headers={"HX-Request": "true"})
    removed_again = buyer_client.post(favorite_url(listing), {"action": "remove"}, headers={"HX-Request": "true"})

    assert 'name="action" value="add"' in removed.content.decode()
    assert removed_again.status_code == 200
    assert Favorite.objects.filter(contact=buyer).count() == 0


def test_favourite_without_js_redirects_back(buyer_client, buyer):
    listing = ListingFactory()
    back = f"{HOMES_URL}?city=Seattle"

    response = buyer_client.post(favorite_url(listing), {"action": "add", "next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    assert Favorite.objects.filter(contact=buyer, listing=listing).count() == 1


@pytest.mark.parametrize("next_url", ["https://evil.example/", "foo", "portal:home", "//evil.example/x"])
def test_favourite_ignores_a_next_that_is_not_a_local_path(buyer_client, next_url):
    listing = ListingFactory()

    response = buyer_client.post(favorite_url(listing), {"action": "add", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == FAVORITES_URL


def test_favourite_with_a_bad_action_is_400_and_changes_nothing(buyer_client):
    listing = ListingFactory()

    assert buyer_client.post(favorite_url(listing), {"action": "toggle"}).status_code == 400
    assert Favorite.objects.count() == 0


def test_favourite_is_post_only(buyer_client):
    listing = ListingFactory()

    assert buyer_client.get(favorite_url(listing)).status_code == 405


def test_cannot_favourite_a_home_not_for_sale(buyer_client):
    sale = ClosedSaleFactory()

    response = buyer_client.post(favorite_url(sale), {"action": "add"})

    assert response.status_code == 404
    assert Favorite.objects.count() == 0


def test_cannot_remove_or_probe_an_unrelated_closed_listing(buyer_client):
    sale = ClosedSaleFactory()

    assert buyer_client.post(favorite_url(sale), {"action": "remove"}).status_code == 404


def test_a_favourite_that_left_the_market_is_listed_and_can_be_removed(buyer_client, buyer):
    listing = ListingFactory(unparsed_address="6 Gone Rd")
    Favorite.objects.create(contact=buyer, listing=listing)
    listing.standard_status = "Pending"
    listing.save()

    page = buyer_client.get(FAVORITES_URL)
    removed = buyer_client.post(favorite_url(listing), {"action": "remove"})

    assert "6 Gone Rd" in page.content.decode()
    assert "No longer for sale" in page.content.decode()
    assert f'href="{reverse("portal:listing_detail", args=[listing.listing_key])}"' not in page.content.decode()
    assert removed.status_code == 302
    assert Favorite.objects.count() == 0


def test_favorites_page_lists_the_clients_favourites_newest_first(buyer_client, buyer):
    older = ListingFactory(unparsed_address="10 Older St")
    newer = ListingFactory(unparsed_address="11 Newer St")
    Favorite.objects.create(contact=buyer, listing=older)
    Favorite.objects.create(contact=buyer, listing=newer)

    response = buyer_client.get(FAVORITES_URL)

    assert response.status_code == 200
    assert [f.listing_id for f in response.context["favorites"]] == [newer.pk, older.pk]
    html = response.content.decode()
    assert html.index("11 Newer St") < html.index("10 Older St")


def test_favorites_page_when_empty(buyer_client):
    html = buyer_client.get(FAVORITES_URL).content.decode()

    assert "You have no favourites yet." in html


# --- isolation between clients --------------------------------------------------------------


def test_client_a_cannot_see_or_change_client_b_favourites(client, agent):
    contact_a = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, first_name="Ann")
    contact_b = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, first_name="Ben")
    user_a = make_client(contact_a)
    make_client(contact_b)
    b_listing = ListingFactory(unparsed_address="20 Bens Fave")
    Favorite.objects.create(contact=contact_b, listing=b_listing)
    a_listing = ListingFactory(unparsed_address="21 Anns Pick")

    client.force_login(user_a)
    favorites_page = client.get(FAVORITES_URL)
    home = client.get(HOME_URL)
    # A "removes" B's favourite and adds another: only A's own contact is touched.
    client.post(favorite_url(b_listing), {"action": "remove", "contact": contact_b.pk})
    client.post(favorite_url(a_listing), {"action": "add", "contact": contact_b.pk})

    assert "20 Bens Fave" not in favorites_page.content.decode()
    assert home.context["favorites_count"] == 0
    assert "Ben" not in home.content.decode()
    assert list(Favorite.objects.filter(contact=contact_b).values_list("listing_id", flat=True)) == [b_listing.pk]
    assert list(Favorite.objects.filter(contact=contact_a).values_list("listing_id", flat=True)) == [a_listing.pk]


def test_client_pages_expose_no_contact_ids(buyer_client, buyer):
    listing = ListingFactory()
    Favorite.objects.create(contact=buyer, listing=listing)

    for url in (HOME_URL, HOMES_URL, FAVORITES_URL, reverse("portal:listing_detail", args=[listing.listing_key])):
        html = buyer_client.get(url).content.decode()
        assert f"/leads/{buyer.pk}/" not in html
        assert 'name="contact"' not in html
