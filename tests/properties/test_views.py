"""Agent-portal listing pages: search (filters, htmx fragment, errors, query count) and detail."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from properties.models import Listing, ListingHistory
from realtor.models import AICall
from tests.factories.core import AgentFactory, UserFactory
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ClosedSaleFactory, ListingFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("app:listing_list")


def keys(response) -> set[str]:
    return {listing.listing_key for listing in response.context["page"].object_list}


def ordered_keys(response) -> list[str]:
    return [listing.listing_key for listing in response.context["page"].object_list]


# --- search ---------------------------------------------------------------------------------


def test_search_without_filters_lists_everything_with_the_full_page(agent_client):
    active = ListingFactory(unparsed_address="12 Full Page Rd")
    sale = ClosedSaleFactory()

    response = agent_client.get(LIST_URL)

    assert response.status_code == 200
    assert keys(response) == {active.listing_key, sale.listing_key}
    html = response.content.decode()
    assert "<nav" in html  # the agent shell
    assert 'id="listing-filters"' in html
    assert "12 Full Page Rd" in html
    assert "2 listings" in html


def test_status_filter_keeps_only_that_status(agent_client):
    active = ListingFactory()
    ClosedSaleFactory()

    response = agent_client.get(LIST_URL, {"standard_status": "Active"})

    assert keys(response) == {active.listing_key}


def test_city_filter_is_case_insensitive_and_exact(agent_client):
    seattle = ListingFactory(city="Seattle")
    ListingFactory(city="Bellevue")
    ListingFactory(city="Seattle Heights")

    response = agent_client.get(LIST_URL, {"city": "seattle"})

    assert keys(response) == {seattle.listing_key}


def test_zip_filter(agent_client):
    wanted = ListingFactory(postal_code="98103")
    ListingFactory(postal_code="98115")

    response = agent_client.get(LIST_URL, {"postal_code": "98103"})

    assert keys(response) == {wanted.listing_key}


def test_list_price_range_is_inclusive(agent_client):
    ListingFactory(list_price=Decimal("499999"))
    low = ListingFactory(list_price=Decimal("500000"))
    high = ListingFactory(list_price=Decimal("700000"))
    ListingFactory(list_price=Decimal("700001"))

    response = agent_client.get(LIST_URL, {"list_price_min": "500000", "list_price_max": "700000"})

    assert keys(response) == {low.listing_key, high.listing_key}


def test_close_price_range(agent_client):
    ClosedSaleFactory(close_price=Decimal("300000"))
    wanted = ClosedSaleFactory(close_price=Decimal("450000"))
    ListingFactory(list_price=Decimal("450000"))  # an active listing has no close price

    response = agent_client.get(LIST_URL, {"close_price_min": "400000", "close_price_max": "500000"})

    assert keys(response) == {wanted.listing_key}


def test_minimum_bedrooms_and_bathrooms(agent_client):
    ListingFactory(bedrooms_total=2, bathrooms_total_integer=3)
    ListingFactory(bedrooms_total=4, bathrooms_total_integer=1)
    wanted = ListingFactory(bedrooms_total=4, bathrooms_total_integer=2)

    response = agent_client.get(LIST_URL, {"bedrooms_total_min": "3", "bathrooms_total_min": "2"})

    assert keys(response) == {wanted.listing_key}


def test_living_area_and_year_built_ranges(agent_client):
    ListingFactory(living_area=900, year_built=1990)
    ListingFactory(living_area=1500, year_built=1920)
    wanted = ListingFactory(living_area=1500, year_built=1990)

    response = agent_client.get(
        LIST_URL, {"living_area_min": "1000", "living_area_max": "2000", "year_built_min": "1950"}
    )

    assert keys(response) == {wanted.listing_key}


def test_property_sub_type_filter(agent_client):
    condo = ListingFactory(property_sub_type="Condominium")
    ListingFactory(property_sub_type="SingleFamilyResidence")

    response = agent_client.get(LIST_URL, {"property_sub_type": "Condominium"})

    assert keys(response) == {condo.listing_key}


def test_sold_date_range_is_inclusive(agent_client):
    ClosedSaleFactory(close_date=datetime.date(2015, 12, 31))
    first = ClosedSaleFactory(close_date=datetime.date(2016, 1, 1))
    last = ClosedSaleFactory(close_date=datetime.date(2016, 3, 31))
    ClosedSaleFactory(close_date=datetime.date(2016, 4, 1))

    response = agent_client.get(LIST_URL, {"close_date_after": "2016-01-01", "close_date_before": "2016-03-31"})

    assert keys(response) == {first.listing_key, last.listing_key}


def test_ordering_by_list_price_both_ways(agent_client):
    mid = ListingFactory(list_price=Decimal("600000"))
    cheap = ListingFactory(list_price=Decimal("400000"))
    dear = ListingFactory(list_price=Decimal("900000"))

    ascending = agent_client.get(LIST_URL, {"ordering": "list_price"})
    descending = agent_client.get(LIST_URL, {"ordering": "-list_price"})

    assert ordered_keys(ascending) == [cheap.listing_key, mid.listing_key, dear.listing_key]
    assert ordered_keys(descending) == [dear.listing_key, mid.listing_key, cheap.listing_key]


def test_ordering_by_close_date_newest_first(agent_client):
    old = ClosedSaleFactory(close_date=datetime.date(2014, 5, 1))
    new = ClosedSaleFactory(close_date=datetime.date(2016, 5, 1))
    middle = ClosedSaleFactory(close_date=datetime.date(2015, 5, 1))

    response = agent_client.get(LIST_URL, {"standard_status": "Closed", "ordering": "-close_date"})

    assert ordered_keys(response) == [new.listing_key, middle.listing_key, old.listing_key]


def test_pagination_is_25_per_page_and_keeps_the_filters_in_links(agent_client):
    ListingFactory.create_batch(30, city="Kirkland")

    first = agent_client.get(LIST_URL, {"city": "Kirkland"})
    second = agent_client.get(LIST_URL, {"city": "Kirkland", "page": "2"})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert keys(first).isdisjoint(keys(second))
    assert "30 listings" in first.content.decode()
    assert "?city=Kirkland&amp;page=2" in first.content.decode()


def test_out_of_range_or_garbage_page_numbers_do_not_fail(agent_client):
    ListingFactory()

    assert agent_client.get(LIST_URL, {"page": "999"}).status_code == 200
    assert agent_client.get(LIST_URL, {"page": "abc"}).status_code == 200


def test_htmx_request_returns_only_the_results_fragment(agent_client):
    listing = ListingFactory(city="Renton", unparsed_address="5 Fragment Way")
    ListingFactory(city="Seattle")

    response = agent_client.get(LIST_URL, {"city": "Renton"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<nav" not in html
    assert "<html" not in html
    assert 'id="listing-filters"' not in html
    assert html.lstrip().startswith('<section id="results"')
    assert "<table" in html
    assert "5 Fragment Way" in html
    assert keys(response) == {listing.listing_key}
    assert "HX-Request" in response["Vary"]


def test_boosted_and_history_restore_requests_get_the_full_page(agent_client):
    ListingFactory()

    boosted = agent_client.get(LIST_URL, headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = agent_client.get(LIST_URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert "<nav" in boosted.content.decode()
    assert "<nav" in restore.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"list_price_min": "abc"}, "list_price_min"),
        ({"list_price_max": "-5"}, "list_price_max"),
        ({"close_date_after": "2016-13-45"}, "close_date_after"),
        ({"year_built_min": "1200"}, "year_built_min"),
        ({"standard_status": "Sold!"}, "standard_status"),
        ({"ordering": "password"}, "ordering"),
    ],
)
def test_invalid_filters_show_errors_list_nothing_and_answer_422(agent_client, params, field):
    ListingFactory()

    page = agent_client.get(LIST_URL, params)
    fragment = agent_client.get(LIST_URL, params, headers={"HX-Request": "true"})

    assert page.status_code == 422
    assert fragment.status_code == 422
    assert list(page.context["page"].object_list) == []
    assert field in page.context["form"].errors
    assert f'id="id_{field}_error"' in page.content.decode()  # inline, at the field
    fragment_html = fragment.content.decode()
    assert 'role="alert"' in fragment_html
    assert f'href="#id_{field}"' in fragment_html
    assert "<table" not in fragment_html


def test_result_rows_show_address_price_per_sq_ft_and_synthetic_badge(agent_client):
    ListingFactory(unparsed_address="77 Demo St", list_price=Decimal("900000"), living_area=1800, is_synthetic=True)
    ClosedSaleFactory(unparsed_address="", parcel_number="1234567890", close_price=Decimal("640000"), living_area=1600)

    html = agent_client.get(LIST_URL).content.decode()

    assert "77 Demo St" in html
    assert "$900,000" in html
    assert "$500" in html  # 900,000 / 1,800 sq ft
    assert '<span class="badge synthetic"' in html
    assert html.count("Synthetic demo price") == 1
    assert "Parcel 1234567890, Seattle, WA 98115" in html  # assessor sales carry no street address
    assert "$640,000" in html
    assert "Jun 1, 2016" in html


def test_query_count_is_constant_whatever_the_number_of_rows(agent_client, django_assert_max_num_queries):
    agent = AgentFactory()
    ListingFactory.create_batch(5, list_agent=agent)
    with CaptureQueriesContext(connection) as few:
        agent_client.get(LIST_URL)
    ListingFactory.create_batch(55, list_agent=AgentFactory())
    ClosedSaleFactory.create_batch(5)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get(LIST_URL)

    assert len(response.context["page"].object_list) == 25
    assert len(few.captured_queries) <= 5


def test_clients_get_403_and_anonymous_users_are_sent_to_login(client):
    contact = ContactFactory()
    client.force_login(make_client(contact))

    assert client.get(LIST_URL).status_code == 403
    client.logout()
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_with_no_brokerage_gets_403(client):
    client.force_login(UserFactory(role="agent", brokerage=None))

    assert client.get(LIST_URL).status_code == 403


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_facts_history_nearby_sales_and_fallback_ai_label(agent_client):
    listing = ListingFactory(
        unparsed_address="10 Detail Ave NE",
        list_price=Decimal("720000"),
        bedrooms_total=4,
        bathrooms_full=2,
        bathrooms_half=1,
        living_area=2400,
        year_built=1948,
        latitude=47.68,
        longitude=-122.30,
    )
    ListingHistory.objects.create(listing=listing, event="price", previous_value="750000", new_value="720000")
    near = ClosedSaleFactory(
        unparsed_address="",
        parcel_number="5550001111",
        latitude=47.681,
        longitude=-122.30,
        close_price=Decimal("690000"),
        close_date=datetime.date(2016, 5, 2),
        living_area=2300,
    )
    far = ClosedSaleFactory(parcel_number="9990009999", unparsed_address="", latitude=47.80, longitude=-122.30)

    response = agent_client.get(reverse("app:listing_detail", args=[listing.listing_key]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "10 Detail Ave NE" in html
    assert "<dt>Bedrooms</dt><dd>4</dd>" in html
    assert "<dt>Bathrooms</dt><dd>2.5</dd>" in html
    assert "2,400 sq ft" in html
    assert "<dt>Year built</dt><dd>1948" in html
    assert "$300" in html  # 720,000 / 2,400
    assert "Price change" in html
    assert "750000" in html
    # Nearby: the close sale, with distance and $/sq ft; not the one 8 miles away.
    assert [row.listing.pk for row in response.context["nearby"]] == [near.pk]
    assert "Parcel 5550001111" in html
    assert "0.07 mi" in html
    assert "$690,000" in html
    assert "May 2, 2016" in html
    assert "Parcel 9990009999" not in html
    assert far.pk not in [row.listing.pk for row in response.context["nearby"]]
    # AI description: written on first view by the rules fallback, and labelled so.
    listing.refresh_from_db()
    assert listing.ai_description.startswith("This 4-bedroom, 2.5-bath single-family home")
    assert listing.ai_description in html
    assert "Generated by rules (no AI key)" in html
    assert "Written by" not in html
    assert "openstreetmap.org/?mlat=47.680000&amp;mlon=-122.300000" in html


def test_detail_writes_the_ai_description_once(agent_client):
    listing = ListingFactory()
    url = reverse("app:listing_detail", args=[listing.listing_key])

    agent_client.get(url)
    agent_client.get(url)

    assert AICall.objects.filter(task="listing_description", object_id=str(listing.pk)).count() == 1


def test_detail_labels_a_model_written_description_with_the_model(agent_client):
    call = AICall.objects.create(
        task="listing_description", provider="anthropic", model="claude-sonnet-4-5", fallback_used=False
    )
    listing = ListingFactory(ai_description="A bright home.", ai_description_call=call)

    html = agent_client.get(reverse("app:listing_detail", args=[listing.listing_key])).content.decode()

    assert "Written by claude-sonnet-4-5" in html
    assert "Generated by rules" not in html


def test_detail_of_a_synthetic_listing_shows_the_badge(agent_client):
    listing = ListingFactory(is_synthetic=True)

    html = agent_client.get(reverse("app:listing_detail", args=[listing.listing_key])).content.decode()

    assert '<span class="badge synthetic"' in html
    assert "Synthetic demo price" in html


def test_detail_without_coordinates_says_no_nearby_sales(agent_client):
    listing = ListingFactory(latitude=None, longitude=None)

    response = agent_client.get(reverse("app:listing_detail", args=[listing.listing_key]))

    assert response.status_code == 200
    assert response.context["nearby"] == []
    assert "No sales on file within" in response.content.decode()


def test_unknown_listing_key_is_404_and_writes_nothing(agent_client):
    response = agent_client.get(reverse("app:listing_detail", args=["NO-SUCH-KEY"]))

    assert response.status_code == 404
    assert AICall.objects.count() == 0


def test_clients_cannot_open_listing_detail(client):
    listing = ListingFactory()
    client.force_login(make_client(ContactFactory()))

    response = client.get(reverse("app:listing_detail", args=[listing.listing_key]))

    assert response.status_code == 403
    assert Listing.objects.get(pk=listing.pk).ai_description == ""
