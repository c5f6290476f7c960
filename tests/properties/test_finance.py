"""Deal-analysis calculators (pure): exact figures worked by hand, and the input errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from properties.finance import (
    after_repair_value,
    deal_score,
    flip_scenario,
    maximum_allowable_offer,
    mortgage_payment,
    rental_scenario,
)


# ----------------------------------------------------------------------------- mortgage
def test_mortgage_payment_matches_the_amortisation_formula():
    # 200,000 at 6% for 30 years: r = 0.005, n = 360 -> 1,199.10 (standard tables).
    assert mortgage_payment(principal=200_000, annual_rate_pct=6, term_years=30) == Decimal("1199.10")
    assert mortgage_payment(principal="350000", annual_rate_pct="7.25", term_years=15) == Decimal("3195.02")
    # Zero rate: straight division.
    assert mortgage_payment(principal=120_000, annual_rate_pct=0, term_years=10) == Decimal("1000.00")
    # A float is read through str, so 0.1-style artefacts do not leak in.
    assert mortgage_payment(principal=100_000.0, annual_rate_pct=5.5, term_years=30) == Decimal("567.79")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"principal": 0, "annual_rate_pct": 6, "term_years": 30}, "principal must be greater than 0"),
        ({"principal": 1000, "annual_rate_pct": -1, "term_years": 30}, "annual_rate_pct must not be negative"),
        ({"principal": 1000, "annual_rate_pct": 31, "term_years": 30}, "annual_rate_pct must be a percentage"),
        ({"principal": 1000, "annual_rate_pct": 6, "term_years": 0}, "term_years must be a whole number"),
        ({"principal": 1000, "annual_rate_pct": 6, "term_years": 12.5}, "term_years must be a whole number"),
        ({"principal": "abc", "annual_rate_pct": 6, "term_years": 30}, "principal must be a number"),
        ({"principal": float("nan"), "annual_rate_pct": 6, "term_years": 30}, "principal must be finite"),
        ({"principal": True, "annual_rate_pct": 6, "term_years": 30}, "principal must be a number"),
    ],
)
def test_mortgage_payment_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mortgage_payment(**kwargs)


# ----------------------------------------------------------------------------- deal score
def test_deal_score_dimensions_and_grade():
    score = deal_score(
        price=450_000,
        estimated_value=500_000,
        living_area=1800,
        area_median_price_per_sqft=280,
        days_on_market=40,
        area_median_days_on_market=20,
        market_change_12m_pct=8,
        monthly_rent=2600,
    )
    dims = {d.name: d for d in score.dimensions}
    assert dims["value"].score == Decimal("100.00")  # 10% under value: 50 + 5 * 10
    # 250 $/sq ft vs 280: 50 + 250 * (1 - 250/280) = 76.79
    assert dims["price_per_sqft"].score == Decimal("76.79")
    # 50 + 2.5 * 8 + 25 * log2(40 / 20) = 95
    assert dims["market"].score == Decimal("95.00")
    # gross yield 12 * 2600 / 450000 = 6.9333%: 20 * (6.9333 - 3) = 78.67
    assert dims["rental_yield"].score == Decimal("78.67")
    # 0.35 * 100 + 0.20 * 76.79 + 0.15 * 95 + 0.30 * 78.67 = 88.21
    assert score.score == Decimal("88.21")
    assert score.grade == "A"


def test_deal_score_without_optional_dimensions_renormalises_weights():
    score = deal_score(price=500_000, estimated_value=500_000, living_area=2000, area_median_price_per_sqft=250)
    assert [d.name for d in score.dimensions] == ["value", "price_per_sqft"]
    assert score.score == Decimal("50.00") and score.grade == "C"
    overpriced = deal_score(price=600_000, estimated_value=500_000, living_area=2000, area_median_price_per_sqft=250)
    # value: 50 + 5 * (-20) -> 0; $/sq ft: 300 vs 250 -> 50 + 250 * (-0.2) = 0
    assert overpriced.score == Decimal("0.00") and overpriced.grade == "F"


@pytest.mark.parametrize(
    ("price", "score", "grade"),
    [
        # value 100 (clipped), $/sq ft 220 vs 250 -> 80: (0.35 * 100 + 0.20 * 80) / 0.55
        (440_000, "92.73", "A"),
        # value 50 + 5 * 6 = 80, $/sq ft 50 + 250 * 0.06 = 65
        (470_000, "74.55", "B"),
        (500_000, "50.00", "C"),
        # value 50 - 5 * 3 = 35, $/sq ft 50 - 250 * 0.03 = 42.5
        (515_000, "37.73", "D"),
        # value 20, $/sq ft 35
        (530_000, "25.45", "F"),
    ],
)
def test_deal_score_grades(price, score, grade):
    result = deal_score(price=price, estimated_value=500_000, living_area=2000, area_median_price_per_sqft=250)
    assert result.score == Decimal(score)
    assert result.grade == grade


def test_deal_score_rejects_bad_input():
    with pytest.raises(ValueError, match="price must be greater than 0"):
        deal_score(price=0, estimated_value=1, living_area=1, area_median_price_per_sqft=1)
    with pytest.raises(ValueError, match="must be given together"):
        deal_score(price=1, estimated_value=1, living_area=1, area_median_price_per_sqft=1, days_on_market=3)
    with pytest.raises(ValueError, match="monthly_rent must not be negative"):
        deal_score(price=1, estimated_value=1, living_area=1, area_median_price_per_sqft=1, monthly_rent=-5)


# ----------------------------------------------------------------------------- flips
def test_arv_and_the_seventy_percent_rule():
    assert after_repair_value(living_area=1500, renovated_comps_price_per_sqft=[200, 210.5, 190, 205]) == Decimal(
        "303750.00"
    )  # median of 190, 200, 205, 210.5 = 202.5
    assert after_repair_value(living_area=1000, renovated_comps_price_per_sqft=["300"]) == Decimal("300000.00")
    assert maximum_allowable_offer(after_repair_value=300_000, repair_costs=40_000) == Decimal("170000.00")
    assert maximum_allowable_offer(after_repair_value=300_000, repair_costs=40_000, rule_pct=65) == Decimal("155000.00")
    assert maximum_allowable_offer(after_repair_value=100_000, repair_costs=90_000) == Decimal("-20000.00")
    with pytest.raises(ValueError, match="at least one comparable"):
        after_repair_value(living_area=1000, renovated_comps_price_per_sqft=[])
    with pytest.raises(ValueError, match="repair_costs must not be negative"):
        maximum_allowable_offer(after_repair_value=300_000, repair_costs=-1)


def test_flip_scenario():
    flip = flip_scenario(
        purchase_price=170_000,
        repair_costs=40_000,
        after_repair_value=300_000,
        holding_months=6,
        monthly_holding_cost=1500,
    )
    assert flip.purchase_closing_costs == Decimal("3400.00")  # 2% of 170,000
    assert flip.holding_costs == Decimal("9000.00")
    assert flip.total_cost == Decimal("222400.00")
    assert flip.selling_costs == Decimal("24000.00")  # 8% of 300,000
    assert flip.profit == Decimal("53600.00")
    assert flip.roi_pct == Decimal("24.10")  # 53,600 / 222,400
    assert flip.annualized_roi_pct == Decimal("48.20")
    assert flip.maximum_allowable_offer == Decimal("170000.00")
    with pytest.raises(ValueError, match="holding_months must be greater than 0"):
        flip_scenario(purchase_price=1, repair_costs=0, after_repair_value=1, holding_months=0, monthly_holding_cost=0)
    with pytest.raises(ValueError, match="selling_cost_pct must be a percentage"):
        flip_scenario(
            purchase_price=1,
            repair_costs=0,
            after_repair_value=1,
            holding_months=1,
            monthly_holding_cost=0,
            selling_cost_pct=120,
        )


# ----------------------------------------------------------------------------- rentals
def test_rental_scenario():
    rental = rental_scenario(purchase_price=250_000, monthly_rent=2000, annual_operating_expenses=6000)
    assert rental.gross_scheduled_rent == Decimal("24000.00")
    assert rental.vacancy_loss == Decimal("1200.00")
    assert rental.effective_gross_income == Decimal("22800.00")
    assert rental.net_operating_income == Decimal("16800.00")
    assert rental.loan_amount == Decimal("187500.00")
    assert rental.monthly_mortgage_payment == mortgage_payment(principal=187_500, annual_rate_pct=7, term_years=30)
    assert rental.monthly_mortgage_payment == Decimal("1247.44")
    assert rental.annual_debt_service == Decimal("14969.28")
    assert rental.annual_cash_flow == Decimal("1830.72")
    assert rental.monthly_cash_flow == Decimal("152.56")
    assert rental.cash_invested == Decimal("67500.00")  # 62,500 down + 5,000 closing
    assert rental.cap_rate_pct == Decimal("6.72")  # 16,800 / 250,000
    assert rental.cash_on_cash_pct == Decimal("2.71")  # 1,830.72 / 67,500
    assert rental.debt_service_coverage_ratio == Decimal("1.12")


def test_all_cash_rental_has_no_debt_service():
    rental = rental_scenario(
        purchase_price=200_000,
        monthly_rent=1500,
        annual_operating_expenses=4000,
        down_payment_pct=100,
        closing_cost_pct=0,
        vacancy_pct=0,
    )
    assert rental.loan_amount == Decimal("0.00")
    assert rental.annual_debt_service == Decimal("0.00")
    assert rental.debt_service_coverage_ratio is None
    assert rental.net_operating_income == Decimal("14000.00")
    assert rental.cap_rate_pct == rental.cash_on_cash_pct == Decimal("7.00")


def test_rental_scenario_rejects_bad_input():
    with pytest.raises(ValueError, match="vacancy_pct must be a percentage"):
        rental_scenario(purchase_price=1, monthly_rent=1, annual_operating_expenses=0, vacancy_pct=101)
    with pytest.raises(ValueError, match="monthly_rent must not be negative"):
        rental_scenario(purchase_price=1, monthly_rent=-1, annual_operating_expenses=0)
