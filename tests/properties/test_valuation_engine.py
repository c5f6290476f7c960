"""The pure valuation engine on the shipped King County sales (subsets, so the suite stays fast).

No database: the engine reads numpy columns built from kc_data records. Postal codes come from
the offline nearest-ZIP lookup, as the importer does.
"""

from __future__ import annotations

import dataclasses
import json
import math
import zlib
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pytest

from properties.geo import haversine_miles, nearest_zips
from properties.kc_data import read_seattle_sales
from properties.valuation import (
    InsufficientData,
    SalesData,
    Subject,
    ValuationEngine,
    ValuationOptions,
    bathrooms_decimal,
    market_statistics,
    run_backtest,
)
from properties.valuation.backtest import sample_rows, subject_of_row
from properties.valuation.data import date_from_day, day_number, month_number
from properties.valuation.features import LINE_LABELS
from properties.valuation.index import MarketIndex

AS_OF = date(2016, 10, 12)
OPTIONAL_DROPPED = ("building_grade", "year_built_effective", "waterfront", "lot_size_square_feet", "postal_code")


def _bucket(parcel: str, modulo: int) -> int:
    return zlib.crc32(parcel.encode()) % modulo


@lru_cache(maxsize=1)
def _all_records() -> tuple[dict, ...]:
    records = list(read_seattle_sales())
    zips = nearest_zips(
        np.array([r["latitude"] for r in records]), np.array([r["longitude"] for r in records]), state="WA"
    )
    for record, place in zip(records, zips, strict=True):
        record["postal_code"] = place.postal_code
        record["standard_status"] = "Closed"
    return tuple(records)


def _records(*, parcels_mod: int, since: date) -> list[dict]:
    """Every sale since ``since`` of one in ``parcels_mod`` parcels (whole parcels, so resales stay)."""
    return [
        dict(r) for r in _all_records() if r["close_date"] >= since and _bucket(r["parcel_number"], parcels_mod) == 0
    ]


@lru_cache(maxsize=1)
def medium_data() -> SalesData:
    return SalesData.from_records(_records(parcels_mod=2, since=date(2013, 1, 1)))


@lru_cache(maxsize=1)
def medium_engine() -> ValuationEngine:
    return ValuationEngine(medium_data(), calibration_sample=200)


@lru_cache(maxsize=1)
def small_records() -> list[dict]:
    return _records(parcels_mod=6, since=date(2014, 1, 1))


@lru_cache(maxsize=1)
def small_engine() -> ValuationEngine:
    return ValuationEngine(SalesData.from_records(small_records()), calibration_months=1, calibration_sample=100)


def _small_subject_record() -> dict:
    return next(r for r in small_records() if r["close_date"] >= date(2016, 6, 15))


@lru_cache(maxsize=1)
def degraded_engine() -> ValuationEngine:
    return ValuationEngine(medium_data().without_columns(*OPTIONAL_DROPPED), calibration_sample=200)


def _sale_in_month(data: SalesData, *, with_prior: bool) -> int:
    """A sale closed on or after AS_OF in the same month (the subject of several tests)."""
    start, end = day_number(AS_OF), day_number(date(2016, 10, 31))
    for row in np.flatnonzero((data.close_day >= start) & (data.close_day <= end)):
        parcel = data.parcel_number[row]
        has_prior = bool(np.any(data.close_day[data.rows_of_parcel(parcel)] < data.close_day[row] - 400))
        if has_prior == with_prior:
            return int(row)
    raise AssertionError("no suitable subject in the fixture data")


# ----------------------------------------------------------------------------- inputs
def test_bathrooms_decimal_weights_fractional_baths():
    assert bathrooms_decimal(full=2, three_quarter=1, half=1, one_quarter=1) == 2 + 0.75 + 0.5 + 0.25
    assert bathrooms_decimal(full=None, half=2) == 1.0
    with pytest.raises(ValueError, match="half must not be negative"):
        bathrooms_decimal(half=-1)


def test_sales_data_keeps_only_usable_closed_sales_sorted_by_date():
    base = {"latitude": 47.6, "longitude": -122.3, "living_area": 1500, "close_price": Decimal("500000")}
    records = [
        {**base, "listing_key": "B", "close_date": date(2015, 3, 2), "bathrooms_full": 1, "bathrooms_half": 1},
        {**base, "listing_key": "A", "close_date": date(2015, 1, 5), "standard_status": "Closed"},
        {**base, "listing_key": "C", "close_date": date(2015, 2, 1), "standard_status": "Active"},
        {**base, "listing_key": "D", "close_date": None},
        {**base, "listing_key": "E", "close_date": date(2015, 2, 1), "living_area": 0},
        {**base, "listing_key": "F", "close_date": date(2015, 2, 1), "latitude": None},
    ]
    data = SalesData.from_records(records)
    assert list(data.listing_key) == ["A", "B"]
    assert data.skipped == 4
    assert list(data.close_price) == [500000.0, 500000.0]
    assert math.isnan(data.bathrooms[0]) and data.bathrooms[1] == 1.5
    assert data.rows_before(day_number(date(2015, 3, 2))) == 1
    with pytest.raises(ValueError, match="no usable closed sales"):
        SalesData.from_records(records[2:])


def test_subject_validation_names_the_field():
    with pytest.raises(ValueError, match="living_area must be a positive"):
        Subject(latitude=47.6, longitude=-122.3, living_area=0)
    with pytest.raises(ValueError, match="latitude must be within"):
        Subject(latitude=95, longitude=-122.3, living_area=1200)
    with pytest.raises(ValueError, match="year_built must be a calendar year"):
        Subject(latitude=47.6, longitude=-122.3, living_area=1200, year_built=15)
    with pytest.raises(ValueError, match="living_area is required"):
        Subject.from_record({"latitude": 47.6, "longitude": -122.3})


def test_options_validation():
    with pytest.raises(ValueError, match="radius_miles"):
        ValuationOptions(radius_miles=0)
    with pytest.raises(ValueError, match="min_comps"):
        ValuationOptions(max_comps=3, min_comps=4)
    with pytest.raises(ValueError, match="unknown adjustment line 'view'"):
        ValuationOptions(adjustment_overrides={"KC-1": {"view": 1000}})


# ----------------------------------------------------------------------------- market index and rates
def _synthetic_records(n_months: int = 36) -> list[dict]:
    """Sales whose price is exactly 200 * sqft^0.7 * 1.01^month * 1.25^waterfront * lot^0.1 (times noise)."""
    rng = np.random.default_rng(7)
    out = []
    for k in range(n_months * 40):
        month = k % n_months
        sqft = float(rng.integers(800, 4000))
        lot = float(rng.integers(2000, 20000))
        wf = bool(rng.random() < 0.1)
        price = 200 * sqft**0.7 * 1.01**month * (1.25 if wf else 1.0) * lot**0.1 * math.exp(rng.normal(0, 0.02))
        out.append(
            {
                "listing_key": f"S-{k}",
                "close_date": date(2012 + month // 12, month % 12 + 1, 1 + k % 27),
                "close_price": round(price),
                "latitude": 47.5 + rng.random() * 0.2,
                "longitude": -122.4 + rng.random() * 0.2,
                "living_area": sqft,
                "lot_size_square_feet": lot,
                "waterfront_yn": wf,
                "bedrooms_total": int(sqft // 600) + 1,
                "postal_code": "98101" if k % 2 else "98102",
            }
        )
    return out


def test_index_and_rates_are_recovered_from_the_sales():
    data = SalesData.from_records(_synthetic_records())
    index = MarketIndex(data, day_number(date(2015, 1, 1)))
    region = index.pooled
    assert region.beta["size"][0] == pytest.approx(0.7, abs=0.03)
    assert region.beta["waterfront"][0] == pytest.approx(math.log(1.25), abs=0.02)
    assert region.beta["lot"][0] == pytest.approx(0.1, abs=0.02)
    # 35 months of +1% a month between the first and the last month.
    assert region.level[-1] - region.level[0] == pytest.approx(35 * math.log(1.01), abs=0.03)
    assert region.slope == pytest.approx(math.log(1.01), abs=0.004)


def test_market_index_ignores_sales_on_or_after_its_cutoff():
    records = _synthetic_records()
    cutoff = date(2014, 1, 1)
    changed = [{**r, "close_price": r["close_price"] * 5} if r["close_date"] >= cutoff else r for r in records]
    a = MarketIndex(SalesData.from_records(records), day_number(cutoff)).pooled
    b = MarketIndex(SalesData.from_records(changed), day_number(cutoff)).pooled
    assert np.array_equal(a.level, b.level)
    assert np.array_equal(a.area_dev, b.area_dev)
    assert all(np.array_equal(a.beta[k], b.beta[k]) for k in a.beta)


# ----------------------------------------------------------------------------- valuation
def test_valuation_is_complete_and_json_ready():
    engine = medium_engine()
    data = engine.data
    row = _sale_in_month(data, with_prior=False)
    subject = subject_of_row(engine, row)
    valuation = engine.value(subject, AS_OF)
    out = valuation.to_dict()
    json.dumps(out)  # serialisable as is
    assert valuation.low < valuation.estimate < valuation.high
    assert valuation.interval_level == 0.8
    assert 0.0 < valuation.confidence < 1.0
    assert valuation.method == "model+comps"
    assert valuation.model_version == f"avm-1.0/2016-10/n{data.rows_before(day_number(date(2016, 10, 1)))}"
    weights = valuation.components["weights"]
    assert weights["model"] + weights["comps"] + weights["prior_sale"] == pytest.approx(1.0, abs=1e-3)
    assert 5 <= len(valuation.comps) <= 8
    assert sum(c.weight for c in valuation.comps) == pytest.approx(weights["comps"], abs=2e-3)
    for comp in valuation.comps:
        assert comp.close_date < AS_OF
        assert comp.listing_key != subject.listing_key
        lines = {line.line: line.amount for line in comp.adjustments}
        assert list(lines)[:2] == ["time", "location"]
        assert set(lines) <= set(LINE_LABELS)
        assert comp.net_adjustment == pytest.approx(sum(lines.values()), abs=0.02)
        assert comp.adjusted_price == pytest.approx(comp.close_price + comp.net_adjustment, abs=0.05)
        assert comp.net_adjustment_pct == pytest.approx(100 * comp.net_adjustment / comp.close_price, abs=0.01)
        gross = 100 * sum(abs(a) for a in lines.values()) / comp.close_price
        assert comp.gross_adjustment_pct == pytest.approx(gross, abs=0.01)


def test_adjustment_rates_come_from_the_regression():
    engine = medium_engine()
    data = engine.data
    row = _sale_in_month(data, with_prior=False)
    subject = subject_of_row(engine, row)
    bigger = dataclasses.replace(subject, living_area=subject.living_area * 1.2)
    v1, v2 = engine.value(subject, AS_OF), engine.value(bigger, AS_OF)
    beta = engine.period_fit(2016 * 12 + 9).index.for_region(int(data.region[row])).beta["size"][0]
    comp1 = {c.listing_key: c for c in v1.comps}
    for comp in v2.comps:
        if comp.listing_key in comp1:
            size1 = next(a.amount for a in comp1[comp.listing_key].adjustments if a.line == "size")
            size2 = next(a.amount for a in comp.adjustments if a.line == "size")
            # Same comp, subject 20% larger: the size line grows by price * (1.2^beta - 1) on the running price.
            assert size2 > size1
            running = comp.close_price + sum(a.amount for a in comp.adjustments[:2])
            expected = running * math.exp(beta * math.log(subject.living_area * 1.2 / comp.living_area)) - running
            assert size2 == pytest.approx(expected, abs=0.02)
            break
    else:
        raise AssertionError("no comp shared by both valuations")


def test_own_sale_is_never_a_comp_but_an_earlier_sale_of_the_parcel_is_used():
    engine = medium_engine()
    data = engine.data
    row = _sale_in_month(data, with_prior=True)
    subject = subject_of_row(engine, row)
    sale_day = date.fromordinal(date(1970, 1, 1).toordinal() + int(data.close_day[row]))
    # Valued after its own sale: the sale (same listing key) must still be left out.
    valuation = engine.value(subject, sale_day + timedelta(days=5))
    keys = [c.listing_key for c in valuation.comps]
    assert subject.listing_key not in keys
    prior = [c for c in valuation.comps if c.is_prior_sale_of_subject]
    assert len(prior) == 1
    assert prior[0].parcel_number == subject.parcel_number
    assert prior[0].close_date < sale_day
    assert "prior_sale" in valuation.method
    assert valuation.components["weights"]["prior_sale"] == prior[0].weight
    # No ordinary comp is another sale of the subject's parcel.
    assert all(c.parcel_number != subject.parcel_number for c in valuation.comps if not c.is_prior_sale_of_subject)


def test_no_look_ahead_future_sales_change_nothing():
    """Perturb every sale on or after as_of (and add the subject's own later sales): identical result."""
    records = small_records()
    subject_record = _small_subject_record()
    as_of = subject_record["close_date"]
    subject = Subject.from_record(subject_record)
    perturbed = []
    for r in records:
        if r["close_date"] >= as_of:
            r = {**r, "close_price": r["close_price"] * 3, "living_area": r["living_area"] + 100}
        perturbed.append(r)
    # The subject's own sale on the valuation date, and a later resale of its parcel, at absurd prices.
    perturbed.append(
        {
            **subject_record,
            "listing_key": "LATER-RESALE",
            "close_date": as_of + timedelta(days=40),
            "close_price": Decimal("99000000"),
        }
    )
    a = small_engine()
    b = ValuationEngine(SalesData.from_records(perturbed), calibration_months=1, calibration_sample=100)
    va, vb = a.value(subject, as_of).to_dict(), b.value(subject, as_of).to_dict()
    assert va == vb
    assert all(date.fromisoformat(c["close_date"]) < as_of for c in va["comps"])
    # The fits themselves (index, model, calibration) are identical too.
    month = 2016 * 12 + 5
    fa, fb = a.period_fit(month), b.period_fit(month)
    assert np.array_equal(fa.index.pooled.level, fb.index.pooled.level)
    assert np.array_equal(a.calibration(month).z, b.calibration(month).z)


def test_range_widens_when_comps_are_scarce():
    engine = medium_engine()
    row = _sale_in_month(engine.data, with_prior=False)
    subject = subject_of_row(engine, row)
    plenty = engine.value(subject, AS_OF)
    scarce = engine.value(
        subject, AS_OF, ValuationOptions(radius_miles=0.15, months=2, max_comps=2, min_comps=1, auto_widen=False)
    )
    few_comps = [c for c in scarce.comps if not c.is_prior_sale_of_subject]
    assert len(few_comps) < len([c for c in plenty.comps if not c.is_prior_sale_of_subject])
    width = (plenty.high - plenty.low) / plenty.estimate
    scarce_width = (scarce.high - scarce.low) / scarce.estimate
    assert scarce_width > width
    assert scarce.confidence < plenty.confidence


def test_range_widens_when_the_neighbourhood_has_few_sales():
    engine = medium_engine()
    data = engine.data
    row = _sale_in_month(data, with_prior=False)
    subject = subject_of_row(engine, row)
    # Same engine and fits, but every sale within 1.5 miles in the two years before as_of is
    # excluded: the search has to widen to farther, older sales.
    dist = haversine_miles(subject.latitude, subject.longitude, data.latitude, data.longitude)
    recent = (data.close_day >= day_number(AS_OF) - 730) & (data.close_day < day_number(AS_OF))
    hole = tuple(str(k) for k in data.listing_key[(dist < 1.5) & recent])
    dense = engine.value(subject, AS_OF)
    sparse = engine.value(subject, AS_OF, ValuationOptions(exclude_listing_keys=hole))
    assert sparse.search["widened_steps"] > dense.search["widened_steps"]
    assert min(c.distance_miles for c in sparse.comps) >= 1.5
    assert (sparse.high - sparse.low) / sparse.estimate > (dense.high - dense.low) / dense.estimate
    assert sparse.confidence < dense.confidence


def test_agent_options_include_exclude_and_override():
    engine = medium_engine()
    data = engine.data
    row = _sale_in_month(data, with_prior=False)
    subject = subject_of_row(engine, row)
    base = engine.value(subject, AS_OF)
    first = base.comps[0]
    # A sale 5+ miles away, closed before as_of, forced in.
    dist = np.hypot(data.latitude - subject.latitude, (data.longitude - subject.longitude) * 0.67) * 69
    far = int(np.flatnonzero((dist > 5) & (data.close_day < day_number(AS_OF)))[-1])
    later = int(np.flatnonzero(data.close_day >= day_number(AS_OF))[0])
    options = ValuationOptions(
        exclude_listing_keys=(first.listing_key,),
        include_listing_keys=(data.listing_key[far], data.listing_key[later]),
    )
    changed = engine.value(subject, AS_OF, options)
    keys = [c.listing_key for c in changed.comps]
    assert first.listing_key not in keys
    assert data.listing_key[far] in keys
    assert next(c for c in changed.comps if c.listing_key == data.listing_key[far]).included_by_agent
    assert data.listing_key[later] not in keys  # closed on/after as_of: never, even when asked
    second = base.comps[1]
    override = ValuationOptions(adjustment_overrides={second.listing_key: {"location": 12345.0}})
    overridden = engine.value(subject, AS_OF, override)
    comp = next(c for c in overridden.comps if c.listing_key == second.listing_key)
    location = next(a for a in comp.adjustments if a.line == "location")
    assert location.amount == 12345.0 and location.overridden
    assert comp.adjusted_price == pytest.approx(comp.close_price + comp.net_adjustment, abs=0.05)
    assert overridden.components["comps_estimate"] != base.components["comps_estimate"]


def test_degraded_market_without_optional_facts_still_values():
    engine = degraded_engine()
    data = engine.data
    assert data.coverage("building_grade") == 0.0 and data.coverage("postal_code") == 0.0
    row = _sale_in_month(data, with_prior=False)
    subject = subject_of_row(engine, row)
    assert subject.building_grade is None and subject.postal_code is None
    valuation = engine.value(subject, AS_OF)
    assert valuation.low < valuation.estimate < valuation.high
    lines = {a.line for c in valuation.comps for a in c.adjustments}
    assert not lines & {"quality", "waterfront", "lot", "effective_age"}
    assert valuation.market["area"].startswith("grid:")


def test_subject_with_only_required_facts_is_valued():
    engine = medium_engine()
    row = _sale_in_month(engine.data, with_prior=False)
    full = subject_of_row(engine, row)
    bare = Subject(latitude=full.latitude, longitude=full.longitude, living_area=full.living_area)
    valuation = engine.value(bare, AS_OF)
    assert valuation.low < valuation.estimate < valuation.high
    assert abs(valuation.estimate / engine.data.close_price[row] - 1) < 0.5


def test_a_date_years_after_the_data_uses_the_fit_of_the_month_after_the_newest_sale():
    """Found by a form fuzzer: as of 9999-12-31 the index spanned 96k empty months (a 68 GiB matrix)."""
    engine = small_engine()
    data = engine.data
    newest = date_from_day(int(data.close_day[-1]))
    after = (newest.replace(day=1) + timedelta(days=32)).replace(day=1)  # the month after the newest sale
    subject = Subject.from_record(_small_subject_record())
    valuation = engine.value(subject, date(2019, 6, 1))
    assert valuation.model_version == f"avm-1.0/{after:%Y-%m}/n{len(data)}"
    assert valuation.low < valuation.estimate < valuation.high
    assert any("extrapolated for at most three months" in note for note in valuation.notes)
    assert not any("Too little history" in note for note in valuation.notes)  # calibrated on real months
    with pytest.raises(InsufficientData, match="no closed sale within 25 miles in the 120 months before 9999-12-31"):
        engine.value(subject, date(9999, 12, 31))
    assert engine.period_fit(month_number(date(9999, 12, 1))) is engine.period_fit(month_number(after))
    assert engine.effective_month(month_number(date(2016, 11, 1))) == month_number(date(2016, 11, 1))
    # The same rule in days (market statistics' index cutoff): a day past the data stops at
    # the first day of the month after the newest sale; a day before that is kept.
    assert data.last_fit_day(day_number(date(9999, 12, 31))) == day_number(after)
    assert data.last_fit_day(day_number(date(2016, 11, 17))) == day_number(date(2016, 11, 17))


def test_insufficient_history_raises():
    engine = medium_engine()
    subject = subject_of_row(engine, 0)
    with pytest.raises(InsufficientData, match="closed sales before"):
        engine.value(subject, date(2012, 6, 1))


# ----------------------------------------------------------------------------- backtest
def test_small_backtest_is_accurate_and_calibrated():
    engine = medium_engine()
    calls = []
    result = run_backtest(
        engine,
        start=date(2016, 10, 1),
        end=date(2016, 10, 31),
        sample=150,
        seed=3,
        progress=lambda done, total: calls.append((done, total)),
    )
    s = result.summary
    assert calls[-1] == (150, 150) and len(calls) == 150
    assert s.count == 150 and s.coverage >= 0.98
    assert s.mdape_pct < 10.5
    assert s.within_10 > 0.45
    assert 0.65 <= s.range_coverage <= 0.92
    assert all(r.close_date.month == 10 for r in result.rows)
    again = sample_rows(engine, start=date(2016, 10, 1), end=date(2016, 10, 31), sample=150, seed=3)
    assert [engine.data.listing_key[i] for i in again] == [r.listing_key for r in result.rows]


def test_degraded_backtest_stays_sane():
    result = run_backtest(degraded_engine(), start=date(2016, 10, 1), end=date(2016, 10, 31), sample=80, seed=4)
    assert result.summary.coverage >= 0.98
    assert result.summary.mdape_pct < 13.0
    assert 0.6 <= result.summary.range_coverage <= 0.95


# ----------------------------------------------------------------------------- market statistics
def test_market_statistics_by_zip_and_month():
    data = medium_data()
    zip5 = str(data.postal_code[-1])
    rows = market_statistics(
        data, start=date(2015, 1, 1), end=date(2015, 6, 30), postal_code=zip5, as_of=date(2016, 1, 1)
    )
    assert [r.month for r in rows] == [date(2015, m, 1) for m in range(1, 7)]
    records = [
        r
        for r in _records(parcels_mod=2, since=date(2013, 1, 1))
        if r["postal_code"] == zip5 and date(2015, 3, 1) <= r["close_date"] < date(2015, 4, 1)
    ]
    march = rows[2]
    assert march.sales_count == len(records)
    prices = sorted(float(r["close_price"]) for r in records)
    assert march.median_close_price == pytest.approx(float(np.median(prices)), abs=0.01)
    ppsf = [float(r["close_price"]) / r["living_area"] for r in records]
    assert march.median_price_per_sqft == pytest.approx(float(np.median(ppsf)), abs=0.01)
    assert rows[0].trend_index == 100.0
    json.dumps([r.to_dict() for r in rows])
    with pytest.raises(ValueError, match="no closed sales in ZIP 00000"):
        market_statistics(data, start=date(2015, 1, 1), end=date(2015, 2, 1), postal_code="00000")


def test_market_statistics_never_count_sales_on_or_after_as_of():
    data = medium_data()
    rows = market_statistics(data, start=date(2016, 5, 1), end=date(2016, 7, 31), as_of=date(2016, 6, 10))
    june = rows[1]
    expected = int(
        np.sum((data.close_day >= day_number(date(2016, 6, 1))) & (data.close_day < day_number(date(2016, 6, 10))))
    )
    assert june.sales_count == expected
    assert rows[2].sales_count == 0 and rows[2].median_close_price is None and rows[2].trend_index is None


def test_an_index_or_statistics_years_after_the_data_stop_at_the_month_after_the_newest_sale():
    data = small_engine().data
    newest_month = int(data.close_month[-1])
    far = MarketIndex(data, day_number(date(9999, 12, 31)))
    assert far.cutoff_month == newest_month + 1
    assert far.n_sales == len(data)
    later = market_statistics(data, start=date(2016, 1, 1), end=date(2016, 12, 1), as_of=date(9999, 12, 31))
    current = market_statistics(data, start=date(2016, 1, 1), end=date(2016, 12, 1))
    assert [(m.month, m.sales_count, m.median_close_price, m.trend_index) for m in later] == [
        (m.month, m.sales_count, m.median_close_price, m.trend_index) for m in current
    ]
