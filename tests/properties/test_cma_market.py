"""A small synthetic market for the CMA and valuation tests, and tests of the pure chart geometry.

``build_market()`` writes a few hundred Closed sales around north Seattle (ZIPs 98115/98103),
2014-01 to 2016-06, with prices from a documented formula (USD 300/sq ft, +0.5%/month, bed/
bath/age effects, +-8% deterministic noise), so the engine has enough history to fit its index
and model and to calibrate its range. Fast: one ``bulk_create``.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

import pytest

from properties import valuation_service
from properties.cma_charts import location_plot, nice_ticks, price_per_sqft_scatter, trend_chart
from properties.models import Listing, StandardStatus

CENTER = (47.68, -122.30)
FIRST_SALE = datetime.date(2014, 1, 1)
LAST_SALE = datetime.date(2016, 6, 30)


def market_price(*, living_area: float, bedrooms: int, baths: float, year_built: int, close_date, noise: float) -> int:
    """The synthetic price formula (USD)."""
    months = (close_date.year - 2014) * 12 + close_date.month - 1
    price = 300 * living_area * (1.005**months) * (1 + 0.02 * (bedrooms - 3)) * (1 + 0.04 * (baths - 2))
    price *= 1 - 0.001 * (2016 - year_built) / 10
    return int(round(price * (1 + noise), -2))


#: Fewer than the model's 300-sale minimum: the engine values from comps and its index alone,
#: which keeps each test's (once per process) fit fast.
MARKET_SIZE = 280
#: A fixed timestamp keeps the sales-data version equal across tests, so the per-process
#: engine cache (and its fits) is reused by every test that builds the same market.
MARKET_TIMESTAMP = datetime.datetime(2016, 7, 1, tzinfo=datetime.UTC)


def build_market(count: int = MARKET_SIZE, *, seed: int = 7) -> list[Listing]:
    """Create ``count`` Closed sales (keys ``MKT-<n>``) and return them, oldest first."""
    rng = random.Random(seed)
    span = (LAST_SALE - FIRST_SALE).days
    rows = []
    for n in range(count):
        close_date = FIRST_SALE + datetime.timedelta(days=int(span * n / count))
        area = rng.randrange(900, 3200, 10)
        beds = rng.choice([2, 3, 3, 4, 5])
        baths = rng.choice([1, 2, 2, 3])
        year = rng.randrange(1905, 2012)
        lat = CENTER[0] + rng.uniform(-0.025, 0.025)
        lon = CENTER[1] + rng.uniform(-0.035, 0.035)
        price = market_price(
            living_area=area, bedrooms=beds, baths=baths, year_built=year, close_date=close_date,
            noise=rng.uniform(-0.08, 0.08),
        )  # fmt: skip
        rows.append(
            Listing(
                listing_key=f"MKT-{n}",
                listing_id=f"M{n}",
                standard_status=StandardStatus.CLOSED,
                property_type="Residential",
                property_sub_type="SingleFamilyResidence",
                close_price=Decimal(price),
                close_date=close_date,
                bedrooms_total=beds,
                bathrooms_total_integer=baths,
                bathrooms_full=baths,
                living_area=area,
                lot_size_square_feet=rng.randrange(2500, 9000, 100),
                year_built=year,
                year_built_effective=year,
                waterfront_yn=False,
                building_grade=rng.choice([6, 7, 7, 8, 9]),
                unparsed_address=f"{1000 + n} NE Market St",
                city="Seattle",
                state_or_province="WA",
                postal_code="98115" if lon > CENTER[1] else "98103",
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                parcel_number=f"P{n:06d}",
                data_source="test market",
                modification_timestamp=MARKET_TIMESTAMP,
            )
        )
    Listing.objects.bulk_create(rows)
    return rows


SUBJECT = {
    "latitude": CENTER[0] + 0.002,
    "longitude": CENTER[1] + 0.004,
    "living_area": 1800,
    "bedrooms_total": 3,
    "bathrooms": 2.0,
    "year_built": 1960,
    "lot_size_square_feet": 5000,
    "property_sub_type": "SingleFamilyResidence",
    "postal_code": "98115",
}


# ----------------------------------------------------------------------------- pure chart geometry
def test_nice_ticks_are_round_and_cover_the_range():
    ticks = nice_ticks(123.0, 987.0, 5)

    assert ticks[0] <= 123 and ticks[-1] >= 987
    assert ticks == [0, 200, 400, 600, 800, 1000]


def test_location_plot_puts_the_subject_in_the_centre_and_north_up():
    plot = location_plot(
        subject=(47.68, -122.30),
        comps=[
            {"latitude": 47.69, "longitude": -122.30, "weight": 0.5, "label": "north"},
            {"latitude": 47.68, "longitude": -122.28, "weight": 0.1, "label": "east"},
        ],
        width=400,
        height=300,
    )

    assert plot["subject"] == {"x": 200.0, "y": 150.0}
    north, east = plot["points"]
    assert north["y"] < 150 and math.isclose(north["x"], 200.0)
    assert east["x"] > 200 and math.isclose(east["y"], 150.0)
    assert north["r"] > east["r"]  # heavier comps are drawn larger


def test_price_per_sqft_scatter_and_trend_chart_handle_empty_input():
    assert price_per_sqft_scatter(points=[]) is None
    assert trend_chart(rows=[{"month": datetime.date(2016, 1, 1), "median_close_price": 1, "count": 1}]) is None


def test_trend_chart_draws_one_dot_per_month_with_a_value():
    rows = [
        {"month": datetime.date(2016, m, 1), "median_close_price": 500000 + 1000 * m if m != 3 else None, "count": m}
        for m in range(1, 7)
    ]

    chart = trend_chart(rows=rows)

    assert len(chart["dots"]) == 5
    assert len(chart["bars"]) == 6
    assert chart["dots"][0]["y"] > chart["dots"][-1]["y"]  # rising prices go up the page


@pytest.mark.django_db
def test_the_synthetic_market_values_a_typical_home_near_its_formula_price():
    build_market()
    as_of = datetime.date(2016, 7, 1)

    result = valuation_service.value_subject(subject=dict(SUBJECT), as_of=as_of)

    formula = market_price(living_area=1800, bedrooms=3, baths=2, year_built=1960, close_date=as_of, noise=0)
    assert abs(result["estimate"] / formula - 1) < 0.12
    assert result["low"] < result["estimate"] < result["high"]
    assert result["comps"] and all(c["close_date"] < "2016-07-01" for c in result["comps"])
    assert all(c["display_address"].endswith("NE Market St, Seattle, WA " + c["postal_code"]) for c in result["comps"])
