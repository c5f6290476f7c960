"""GET /api/v1/properties/ and /api/v1/properties/{listing_key}/."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from properties.models import Listing
from tests.factories.core import AgentFactory, BrokerageFactory, OfficeFactory
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ClosedSaleFactory, ListingFactory

LIST_URL = "/api/v1/properties/"

pytestmark = pytest.mark.django_db


def detail_url(listing_key: str) -> str:
    return f"{LIST_URL}{listing_key}/"


@pytest.fixture
def as_user(api_client):
    """Authenticate ``api_client`` with the user's API token."""

    def authenticate(user):
        token, _ = Token.objects.get_or_create(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api_client

    return authenticate


@pytest.fixture
def agent_api(as_user, agent):
    return as_user(agent.user)


def keys(response) -> list[str]:
    return [row["listing_key"] for row in response.json()["results"]]


# --- who may read -----------------------------------------------------------------------


@pytest.fixture
def users(brokerage, agent, broker):
    client_user = make_client(ContactFactory(brokerage=brokerage, assigned_agent=agent))
    return {
        "client": client_user,
        "agent": agent.user,
        "other_brokerage_agent": AgentFactory(brokerage=BrokerageFactory()).user,
        "broker": broker,
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [("client", 403), ("agent", 200), ("other_brokerage_agent", 200), ("broker", 200)],
)
@pytest.mark.parametrize("url", ["list", "detail"])
def test_permission_matrix(as_user, users, who, expected, url):
    # Given one listing; listings are MLS data, visible to every brokerage's members
    listing = ListingFactory()
    target = LIST_URL if url == "list" else detail_url(listing.listing_key)

    response = as_user(users[who]).get(target)

    assert response.status_code == expected
    if expected == 403:
        assert response.json() == {
            "error": "permission_denied",
            "message": "This endpoint is for brokerage members.",
            "fields": {},
        }


@pytest.mark.parametrize("url", [LIST_URL, detail_url("TEST-X")])
def test_anonymous_gets_401_in_the_error_shape(api_client, url):
    ListingFactory(listing_key="TEST-X")

    response = api_client.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_listings_are_read_only(agent_api, broker, as_user, method):
    listing = ListingFactory(list_price=Decimal("650000"))
    before = Listing.objects.count()

    for url in (LIST_URL, detail_url(listing.listing_key)):
        response = getattr(as_user(broker), method)(url, {"list_price": "1"}, format="json")
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"

    assert Listing.objects.count() == before
    listing.refresh_from_db()
    assert listing.list_price == Decimal("650000.00")


# --- representation ---------------------------------------------------------------------


def test_detail_returns_reso_fields_with_money_as_decimal_strings(agent_api, brokerage):
    list_agent = AgentFactory(brokerage=brokerage, member_key="MBR-LIST")
    office = OfficeFactory(brokerage=brokerage, office_key="OFF-LIST")
    modified = datetime.datetime(2024, 3, 1, 17, 30, tzinfo=datetime.UTC)
    listing = ListingFactory(
        listing_key="KC-1234.5",
        listing_id="NW123",
        standard_status="Active",
        property_sub_type="Townhouse",
        list_price=Decimal("725000"),
        original_list_price=Decimal("749950.50"),
        listing_contract_date=datetime.date(2024, 2, 20),
        on_market_date=datetime.date(2024, 2, 22),
        days_on_market=8,
        bedrooms_total=3,
        bathrooms_total_integer=3,
        bathrooms_full=2,
        bathrooms_three_quarter=0,
        bathrooms_half=1,
        bathrooms_one_quarter=0,
        living_area=1640,
        lot_size_square_feet=1300,
        year_built=2008,
        year_built_effective=2008,
        unparsed_address="123 Test Ave NE",
        postal_code="98115",
        county_or_parish="King",
        mls_area_major="710",
        latitude=47.6812,
        longitude=-122.3021,
        parcel_number="0123456789",
        public_remarks="Bright corner unit.",
        waterfront_yn=False,
        building_grade=8,
        list_agent=list_agent,
        list_office=office,
        modification_timestamp=modified,
        data_source="test",
    )

    response = agent_api.get(detail_url(listing.listing_key))

    assert response.status_code == 200
    assert response.json() == {
        "listing_key": "KC-1234.5",
        "listing_id": "NW123",
        "standard_status": "Active",
        "property_type": "Residential",
        "property_sub_type": "Townhouse",
        "list_price": "725000.00",
        "original_list_price": "749950.50",
        "close_price": None,
        "close_date": None,
        "listing_contract_date": "2024-02-20",
        "on_market_date": "2024-02-22",
        "days_on_market": 8,
        "bedrooms_total": 3,
        "bathrooms_total_integer": 3,
        "bathrooms_full": 2,
        "bathrooms_three_quarter": 0,
        "bathrooms_half": 1,
        "bathrooms_one_quarter": 0,
        "living_area": 1640,
        "lot_size_square_feet": 1300,
        "year_built": 2008,
        "year_built_effective": 2008,
        "unparsed_address": "123 Test Ave NE",
        "city": "Seattle",
        "state_or_province": "WA",
        "postal_code": "98115",
        "county_or_parish": "King",
        "mls_area_major": "710",
        "latitude": 47.6812,
        "longitude": -122.3021,
        "parcel_number": "0123456789",
        "public_remarks": "Bright corner unit.",
        "waterfront_yn": False,
        "building_grade": 8,
        "list_agent": "MBR-LIST",
        "list_office": "OFF-LIST",
        "modification_timestamp": "2024-03-01T09:30:00-08:00",
        "is_synthetic": False,
        "data_source": "test",
    }


def test_closed_sale_without_agent_or_office_has_nulls(agent_api):
    sale = ClosedSaleFactory(close_price=Decimal("640000"), close_date=datetime.date(2016, 6, 1))

    body = agent_api.get(detail_url(sale.listing_key)).json()

    assert (body["standard_status"], body["close_price"], body["close_date"]) == ("Closed", "640000.00", "2016-06-01")
    assert (body["list_price"], body["list_agent"], body["list_office"]) == (None, None, None)


@pytest.mark.parametrize("listing_key", ["NOPE", "TEST-0 ", "%00", "..", "a" * 300])
def test_unknown_listing_key_is_404_in_the_error_shape(agent_api, listing_key):
    ListingFactory(listing_key="TEST-0")

    response = agent_api.get(detail_url(listing_key))

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not found.", "fields": {}}


# --- pagination and query count ---------------------------------------------------------


def test_list_is_paginated_newest_change_first(agent_api):
    now = timezone.now()
    for age in range(5):
        ListingFactory(listing_key=f"K{age}", modification_timestamp=now - datetime.timedelta(days=age))

    first = agent_api.get(LIST_URL, {"page_size": 2})
    last = agent_api.get(LIST_URL, {"page_size": 2, "page": 3})

    body = first.json()
    assert body["count"] == 5
    assert body["previous"] is None
    assert body["next"] == "http://testserver/api/v1/properties/?page=2&page_size=2"
    assert keys(first) == ["K0", "K1"]
    assert keys(last) == ["K4"]
    assert last.json()["next"] is None


def test_page_size_is_capped_at_500(agent_api):
    Listing.objects.bulk_create(
        ListingFactory.build(listing_key=f"BULK-{n}", standard_status="Active") for n in range(501)
    )

    response = agent_api.get(LIST_URL, {"page_size": 1000})

    assert response.json()["count"] == 501
    assert len(response.json()["results"]) == 500


@pytest.mark.parametrize("page", ["99", "abc", "0", "-1"])
def test_a_page_that_does_not_exist_is_404_in_the_error_shape(agent_api, page):
    ListingFactory()

    response = agent_api.get(LIST_URL, {"page": page})

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response.json()["fields"] == {}


def _make_listings(count: int, brokerage) -> None:
    for _ in range(count):
        ListingFactory(list_agent=AgentFactory(brokerage=brokerage), list_office=OfficeFactory(brokerage=brokerage))


def test_list_runs_a_constant_number_of_queries(agent_api, brokerage, django_assert_max_num_queries):
    # Token lookup, COUNT(*), one SELECT joining agent, agent's user and office.
    _make_listings(3, brokerage)
    with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as few:
        assert len(agent_api.get(LIST_URL, {"page_size": 500}).json()["results"]) == 3

    _make_listings(97, brokerage)
    with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as many:
        response = agent_api.get(LIST_URL, {"page_size": 500})
        assert len(response.json()["results"]) == 100

    assert len(few) == len(many)
    assert all(row["list_agent"] and row["list_office"] for row in response.json()["results"])


def test_detail_runs_a_constant_number_of_queries(agent_api, brokerage, django_assert_num_queries):
    listing = ListingFactory(list_agent=AgentFactory(brokerage=brokerage), list_office=OfficeFactory())

    with django_assert_num_queries(2):  # token, listing with agent and office
        assert agent_api.get(detail_url(listing.listing_key)).status_code == 200


# --- filters ----------------------------------------------------------------------------


@pytest.fixture
def market():
    """Six listings that differ in one dimension each (keys say how)."""
    ListingFactory(listing_key="ACTIVE-650", list_price=Decimal("650000"), bedrooms_total=3)
    ListingFactory(listing_key="ACTIVE-900", list_price=Decimal("900000"), bedrooms_total=5)
    ListingFactory(listing_key="PENDING", standard_status="Pending", list_price=Decimal("700000"))
    ListingFactory(listing_key="BELLEVUE", city="Bellevue", postal_code="98004", list_price=Decimal("1200000"))
    ClosedSaleFactory(listing_key="SOLD-2015", close_price=Decimal("500000"), close_date=datetime.date(2015, 5, 1))
    ClosedSaleFactory(listing_key="SOLD-2016", close_price=Decimal("800000"), close_date=datetime.date(2016, 8, 1))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"standard_status": "Pending"}, {"PENDING"}),
        ({"standard_status": "Closed"}, {"SOLD-2015", "SOLD-2016"}),
        ({"city": "bellevue"}, {"BELLEVUE"}),
        ({"postal_code": "98004"}, {"BELLEVUE"}),
        ({"list_price_min": "700000", "list_price_max": "900000"}, {"ACTIVE-900", "PENDING"}),
        ({"close_price_min": "600000"}, {"SOLD-2016"}),
        ({"close_price_max": "600000"}, {"SOLD-2015"}),
        ({"close_date_after": "2016-01-01"}, {"SOLD-2016"}),
        ({"close_date_before": "2015-12-31"}, {"SOLD-2015"}),
        ({"bedrooms_total_min": "4"}, {"ACTIVE-900"}),
        ({"property_type": "Land"}, set()),
        ({"standard_status": "Active", "city": "Seattle", "list_price_max": "700000"}, {"ACTIVE-650"}),
        ({"list_price_min": "99999999999999999999999999"}, set()),
        ({"year_built_min": "99999999999999999999"}, set()),
    ],
)
def test_filters(agent_api, market, params, expected):
    response = agent_api.get(LIST_URL, params)

    assert response.status_code == 200
    assert set(keys(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("list_price", ["ACTIVE-650", "PENDING", "ACTIVE-900", "BELLEVUE"]),
        ("-list_price", ["BELLEVUE", "ACTIVE-900", "PENDING", "ACTIVE-650"]),
    ],
)
def test_ordering(agent_api, market, ordering, expected):
    response = agent_api.get(LIST_URL, {"ordering": ordering, "list_price_min": "1"})

    assert keys(response) == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("list_price_min", "abc"),
        ("list_price_max", "NaN"),
        ("list_price_min", "-5"),
        ("close_price_min", "1e"),
        ("close_date_after", "2016-13-45"),
        ("close_date_before", "yesterday"),
        ("standard_status", "Sold"),
        ("property_type", "house"),
        ("bedrooms_total_min", "three"),
        ("year_built_max", "99999"),
        ("ordering", "public_remarks"),
        ("city", "Seattle\x00"),
    ],
)
def test_invalid_filter_is_400_with_field_errors(agent_api, market, param, value):
    response = agent_api.get(LIST_URL, {param: value})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["message"] == "The request has invalid fields."
    assert list(body["fields"]) == [param]
    assert body["fields"][param]
    assert all(isinstance(m, str) for m in body["fields"][param])


def test_every_invalid_filter_is_reported_at_once(agent_api):
    response = agent_api.get(LIST_URL, {"list_price_min": "abc", "close_date_after": "2016-13-45"})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"list_price_min", "close_date_after"}


# --- cursor pagination ------------------------------------------------------------------


@pytest.fixture
def timeline():
    """Seven listings; three share one modification_timestamp so the id tiebreaker matters."""
    base = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    stamps = [base, base + datetime.timedelta(hours=1), *[base + datetime.timedelta(hours=2)] * 3]
    stamps += [base + datetime.timedelta(hours=3, microseconds=1), base + datetime.timedelta(hours=3)]
    return [ListingFactory(modification_timestamp=stamp) for stamp in stamps]


def _walk(client, params) -> tuple[list[str], int]:
    response = client.get(LIST_URL, params)
    seen, pages = [], 0
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["count"], body["previous"]) == (None, None)
        seen += [row["listing_key"] for row in body["results"]]
        pages += 1
        if body["next"] is None:
            return seen, pages
        assert "page=" not in body["next"]
        response = client.get(body["next"])


def test_cursor_walks_every_row_once_newest_first(agent_api, timeline):
    expected = [
        listing.listing_key
        for listing in sorted(timeline, key=lambda r: (r.modification_timestamp, r.pk), reverse=True)
    ]

    seen, pages = _walk(agent_api, {"cursor": "", "page_size": 2, "page": 3})

    assert seen == expected
    assert pages == 4


def test_cursor_follows_ascending_modification_timestamp_and_filters(agent_api, timeline):
    ClosedSaleFactory(modification_timestamp=datetime.datetime(2024, 1, 1, 1, tzinfo=datetime.UTC))
    expected = [listing.listing_key for listing in sorted(timeline, key=lambda r: (r.modification_timestamp, r.pk))]

    seen, _ = _walk(
        agent_api, {"cursor": "", "page_size": 3, "ordering": "modification_timestamp", "standard_status": "Active"}
    )

    assert seen == expected


def test_cursor_page_skips_the_count(agent_api, timeline, django_assert_num_queries):
    with django_assert_num_queries(2):  # token, one SELECT ... LIMIT
        agent_api.get(LIST_URL, {"cursor": "", "page_size": 2})


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        "e30",  # {}
        "WyJ4IiwgMV0",  # ["x", 1]
        "WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwgMV0",  # naive timestamp
        "WyIyMDI0LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgIjEiXQ",  # id as a string
        "WyIyMDI0LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",  # id beyond bigint
        "_w",  # not UTF-8
        "W1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tb" * 80,
    ],
)
def test_invalid_cursor_is_400(agent_api, timeline, cursor):
    response = agent_api.get(LIST_URL, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": "The request has invalid fields.",
        "fields": {"cursor": ["Invalid cursor."]},
    }


def test_cursor_with_another_ordering_is_400(agent_api, timeline):
    response = agent_api.get(LIST_URL, {"cursor": "", "ordering": "list_price"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["cursor"]
