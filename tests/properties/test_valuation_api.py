"""POST /api/v1/valuations/ and GET /api/v1/market-stats/: permissions, errors, no look-ahead."""

import datetime
from decimal import Decimal

import pytest

from properties.models import Listing, StandardStatus
from tests.factories.core import AgentFactory, UserFactory
from tests.factories.properties import ClosedSaleFactory, ListingFactory
from tests.properties.test_cma_market import SUBJECT, build_market

pytestmark = pytest.mark.django_db

URL = "/api/v1/valuations/"
AS_OF = "2016-07-01"


@pytest.fixture
def market():
    return build_market()


@pytest.fixture
def agent_api(api_client, agent):
    api_client.force_authenticate(agent.user)
    return api_client


def _post(api, **body):
    return api.post(URL, body, format="json")


def test_values_a_subject_given_by_attributes(agent_api, market):
    response = _post(agent_api, **SUBJECT, as_of=AS_OF)

    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == AS_OF
    assert body["low"] < body["estimate"] < body["high"]
    assert 0 <= body["confidence"] <= 1
    assert body["interval_level"] == 0.8
    assert body["comps"]
    comp = body["comps"][0]
    assert comp["display_address"].endswith("NE Market St, Seattle, WA " + comp["postal_code"])
    assert {"line", "label", "amount", "overridden"} <= set(comp["adjustments"][0])
    assert "King County" in body["data_source"]


def test_as_of_defaults_to_today_or_the_day_after_the_newest_sale(agent_api, market):
    """The market's sales end in 2016: "today" would rest on decade-old comps, so the default is the data's date."""
    response = _post(agent_api, **SUBJECT)

    assert response.status_code == 200
    newest = max(sale.close_date for sale in market)
    assert response.json()["as_of"] == str(newest + datetime.timedelta(days=1))


def test_a_date_more_than_a_year_ahead_is_400_on_as_of(agent_api, market):
    response = _post(agent_api, **SUBJECT, as_of="9999-12-31")

    assert response.status_code == 400
    assert response.json()["fields"] == {"as_of": ["Must be within a year from today."]}


def test_values_a_listing_by_key_and_never_uses_its_own_sale(agent_api, market):
    subject_sale = market[-1]  # closed 2016-06-29

    response = _post(agent_api, listing_key=subject_sale.listing_key, as_of=str(subject_sale.close_date))

    assert response.status_code == 200
    keys = {c["listing_key"] for c in response.json()["comps"]}
    assert subject_sale.listing_key not in keys
    assert response.json()["subject"]["listing_key"] == subject_sale.listing_key


def test_no_sale_on_or_after_as_of_is_ever_a_comp(agent_api, market):
    # Given sales right next to the subject that closed on and after the as-of date
    as_of = datetime.date(2016, 3, 1)
    later = [
        ClosedSaleFactory(
            listing_key=f"LATE-{days}",
            close_date=as_of + datetime.timedelta(days=days),
            close_price=Decimal("999000"),
            latitude=SUBJECT["latitude"],
            longitude=SUBJECT["longitude"],
            living_area=1800,
        )
        for days in (0, 1, 30)
    ]

    # When the agent even tries to force them in
    response = _post(
        agent_api, **SUBJECT, as_of=str(as_of), include_listing_keys=[s.listing_key for s in later], max_comps=12
    )

    # Then none is used, and every comp closed strictly before the as-of date
    assert response.status_code == 200
    comps = response.json()["comps"]
    assert comps
    assert not {c["listing_key"] for c in comps} & {s.listing_key for s in later}
    assert all(c["close_date"] < str(as_of) for c in comps)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"longitude": -122.3, "living_area": 1800}, "latitude"),
        ({"latitude": 47.68, "living_area": 1800}, "longitude"),
        ({"latitude": 47.68, "longitude": -122.3}, "living_area"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": -10}, "living_area"),
        ({"latitude": 91, "longitude": -122.3, "living_area": 1800}, "latitude"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": 1800, "bedrooms_total": -1}, "bedrooms_total"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": 1800, "year_built": 3000}, "year_built"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": "big"}, "living_area"),
        ({"listing_key": "NO-SUCH-KEY"}, "listing_key"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": 1800, "as_of": "2016-13-01"}, "as_of"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": 1800, "radius_miles": 0}, "radius_miles"),
    ],
)
def test_bad_subjects_get_400_with_field_errors(agent_api, market, body, field):
    response = _post(agent_api, **body)

    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "invalid"
    assert field in payload["fields"]
    assert isinstance(payload["fields"][field], list)


def test_as_of_before_any_sale_is_a_field_error(agent_api, market):
    response = _post(agent_api, **SUBJECT, as_of="2013-06-01")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "as_of" in response.json()["fields"]


def test_a_listing_without_coordinates_is_a_field_error(agent_api, market):
    listing = ListingFactory(latitude=None, longitude=None)

    response = _post(agent_api, listing_key=listing.listing_key, as_of=AS_OF)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"latitude", "longitude"}


def test_clients_and_anonymous_users_are_refused(api_client, market):
    assert _post(api_client, **SUBJECT).status_code in (401, 403)
    api_client.force_authenticate(UserFactory(role="client"))

    response = _post(api_client, **SUBJECT)

    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_brokers_of_any_brokerage_may_value(api_client, market):
    other = AgentFactory()
    api_client.force_authenticate(other.user)

    assert _post(api_client, **SUBJECT, as_of=AS_OF).status_code == 200


def test_market_stats_lists_months_of_a_zip(agent_api, market):
    response = agent_api.get("/api/v1/market-stats/", {"postal_code": "98115", "months": 6, "as_of": AS_OF})

    assert response.status_code == 200
    body = response.json()
    assert body["postal_code"] == "98115"
    assert [r["month"] for r in body["results"]] == [f"2016-0{m}-01" for m in range(1, 7)]
    in_zip = Listing.objects.filter(
        standard_status=StandardStatus.CLOSED,
        postal_code="98115",
        close_date__gte=datetime.date(2016, 1, 1),
        close_date__lt=datetime.date(2016, 7, 1),
    ).count()
    assert sum(r["sales_count"] for r in body["results"]) == in_zip
    assert body["results"][0]["trend_index"] == 100.0


def test_market_stats_of_an_unknown_zip_is_empty_and_a_bad_zip_is_400(agent_api, market):
    assert agent_api.get("/api/v1/market-stats/", {"postal_code": "10001"}).json()["results"] == []

    response = agent_api.get("/api/v1/market-stats/", {"postal_code": "981"})

    assert response.status_code == 400
    assert "postal_code" in response.json()["fields"]
