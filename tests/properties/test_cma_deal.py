"""Deal analysis: the pure glue over properties.finance, the API endpoints and the listing panel."""

from decimal import Decimal

import pytest
from django.urls import reverse

from properties.cma_deal import DealAssumptions, analyse_deal, arv_from_comps
from tests.factories.core import UserFactory
from tests.factories.properties import ListingFactory
from tests.properties.test_cma_market import SUBJECT, build_market


# ----------------------------------------------------------------------------- pure
def test_a_price_at_the_estimate_and_area_median_is_a_c_deal():
    deal = analyse_deal(
        price=500000, estimated_value=500000, living_area=2000, area_median_ppsf=250, market_change_12m_pct=0
    )

    assert [d["score"] for d in deal["dimensions"]] == [50.0, 50.0, 50.0]
    assert deal["grade"] == "C" and deal["score"] == 50.0
    assert deal["rental"] is None
    assert deal["after_repair_value"] == 500000.0  # no comps: the estimate itself
    assert deal["maximum_allowable_offer"] == 350000.0  # 0.70 x ARV - 0 repairs
    assert deal["assumptions"]["monthly_holding_cost"] == 500.0  # 1.2% a year of 500,000 / 12


def test_rent_adds_the_yield_dimension_and_the_rental_scenario():
    deal = analyse_deal(
        price=400000, estimated_value=440000, living_area=1600, area_median_ppsf=275,
        assumptions=DealAssumptions.from_mapping({"monthly_rent": "3000", "repair_costs": "20000"}),
    )  # fmt: skip

    names = [d["name"] for d in deal["dimensions"]]
    assert names == ["value", "price_per_sqft", "rental_yield"]
    assert deal["rental"]["gross_scheduled_rent"] == 36000.0
    assert deal["rental"]["operating_expenses"] == 18000.0  # the 50% rule
    assert deal["maximum_allowable_offer"] == 0.7 * deal["after_repair_value"] - 20000


def test_arv_from_comps_takes_the_upper_half_of_adjusted_prices():
    comps = [{"adjusted_price": p} for p in (400000, 500000, 600000, 700000)]
    comps.append({"adjusted_price": 10**7, "is_prior_sale_of_subject": True})

    assert arv_from_comps(living_area=2000, comps=comps) == Decimal("650000.00")
    assert arv_from_comps(living_area=2000, comps=[]) is None


# ----------------------------------------------------------------------------- API and panel
@pytest.fixture
def listing(db):
    build_market()
    return ListingFactory(
        listing_key="DEAL-1", latitude=SUBJECT["latitude"], longitude=SUBJECT["longitude"], living_area=1800,
        list_price=Decimal("600000"), postal_code="98115",
    )  # fmt: skip


@pytest.fixture
def agent_api(api_client, agent):
    api_client.force_authenticate(agent.user)
    return api_client


@pytest.mark.django_db
def test_deal_analysis_of_given_figures(agent_api):
    response = agent_api.post(
        "/api/v1/deal-analysis/",
        {"price": "450000", "estimated_value": "500000", "living_area": 1800, "monthly_rent": "2800"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["grade"] in "ABCDF" and len(body["dimensions"]) == 3
    assert body["rental"]["monthly_mortgage_payment"] > 0
    assert body["flip"]["purchase_price"] == 450000.0


@pytest.mark.django_db
def test_deal_analysis_of_a_listing_by_key_and_by_path(agent_api, listing):
    posted = agent_api.post("/api/v1/deal-analysis/", {"listing_key": "DEAL-1"}, format="json")
    fetched = agent_api.get("/api/v1/properties/DEAL-1/deal/", {"repair_costs": "15000"})

    assert posted.status_code == 200 and fetched.status_code == 200
    assert posted.json()["inputs"]["price"] == 600000.0
    assert fetched.json()["assumptions"]["repair_costs"] == 15000.0
    assert fetched.json()["inputs"]["estimated_value"] == posted.json()["inputs"]["estimated_value"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": "450000", "living_area": 1800}, "estimated_value"),
        ({"price": "-1", "estimated_value": "500000", "living_area": 1800}, "price"),
        ({"listing_key": "NOPE"}, "listing_key"),
        ({"price": "1", "estimated_value": "2", "living_area": 3, "annual_rate_pct": "45"}, "annual_rate_pct"),
    ],
)
def test_deal_analysis_errors_are_400_with_fields(agent_api, body, field):
    response = agent_api.post("/api/v1/deal-analysis/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.django_db
def test_deal_endpoints_refuse_clients_and_unknown_listings(api_client, agent_api, listing):
    assert agent_api.get("/api/v1/properties/NOPE/deal/").status_code == 404
    api_client.force_authenticate(UserFactory(role="client"))
    assert api_client.get("/api/v1/properties/DEAL-1/deal/").status_code == 403
    assert api_client.post("/api/v1/deal-analysis/", {}, format="json").status_code == 403


@pytest.mark.django_db
def test_the_deal_panel_renders_with_and_without_assumptions(agent_client, listing):
    url = reverse("app:listing_deal", args=["DEAL-1"])

    plain = agent_client.get(url, HTTP_HX_REQUEST="true")
    with_rent = agent_client.get(url, {"monthly_rent": "3100"}, HTTP_HX_REQUEST="true")
    bad = agent_client.get(url, {"annual_rate_pct": "99"}, HTTP_HX_REQUEST="true")

    assert plain.status_code == 200
    assert b'id="deal-panel"' in plain.content and b"Grade " in plain.content and b"<html" not in plain.content
    assert b"cap rate" not in plain.content
    assert b"cap rate" in with_rent.content
    assert bad.status_code == 422 and b"annual_rate_pct" in bad.content


@pytest.mark.django_db
def test_the_deal_panel_404s_for_an_unknown_listing_and_403s_for_clients(client, agent_client, listing):
    assert agent_client.get(reverse("app:listing_deal", args=["NOPE"])).status_code == 404
    client.force_login(UserFactory(role="client"))
    assert client.get(reverse("app:listing_deal", args=["DEAL-1"])).status_code == 403
