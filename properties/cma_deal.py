"""Deal analysis of a home at a price: the calculators of ``properties.finance`` fed from a valuation. Pure.

Inputs a valuation already has (estimate, comps, area trend) are taken from it; what no data
set here knows (rent, repair budget, financing) comes from :data:`DEFAULT_ASSUMPTIONS`, which
the agent can change, and the output lists every assumption used so nobody mistakes one for
data. Money in USD (floats in the JSON-ready output), rates in percent.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, fields
from decimal import Decimal

from . import finance

#: Owner-occupant financing shown as the monthly payment: 20% down, 30-year fixed.
OWNER_DOWN_PAYMENT_PCT = Decimal(20)


@dataclass(frozen=True)
class DealAssumptions:
    """What the analysis assumes unless told otherwise (USD, percent, months).

    ``repair_costs`` 0 (enter an estimate for a flip); ``holding_months`` 6 and
    ``monthly_holding_cost`` ``None`` = 1.2% of the price per year / 12 (property tax about 1%
    — King County's 2016 average levy rate was ~0.93% — plus ~0.2% insurance); financing 25%
    down at 7.0% for 30 years (investor loan); ``annual_operating_expenses`` ``None`` = 50% of
    gross scheduled rent (the investor "50% rule"; Gallinelli, *What Every Real Estate Investor
    Needs to Know About Cash Flow*, 2nd ed., ch. 7); ``monthly_rent`` ``None`` = no rental
    scenario and no yield dimension (no rent data is loaded); ``after_repair_value`` ``None`` =
    estimated from the comps (see :func:`analyse_deal`).
    """

    monthly_rent: Decimal | None = None
    repair_costs: Decimal = Decimal(0)
    after_repair_value: Decimal | None = None
    holding_months: Decimal = Decimal(6)
    monthly_holding_cost: Decimal | None = None
    annual_operating_expenses: Decimal | None = None
    down_payment_pct: Decimal = Decimal(25)
    annual_rate_pct: Decimal = Decimal("7.0")
    term_years: int = 30

    @classmethod
    def from_mapping(cls, values: dict) -> DealAssumptions:
        """Build from a mapping, ignoring unknown keys and ``None``/blank values."""
        names = {f.name for f in fields(cls)}
        kept = {k: v for k, v in values.items() if k in names and v not in (None, "")}
        return cls(**{k: int(v) if k == "term_years" else Decimal(str(v)) for k, v in kept.items()})

    def to_dict(self) -> dict:
        return {f.name: _num(getattr(self, f.name)) for f in fields(self)}


DEFAULT_ASSUMPTIONS = DealAssumptions()


def _num(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _num(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_num(v) for v in value]
    return value


def arv_from_comps(*, living_area: float, comps: list[dict]) -> Decimal | None:
    """After-repair value from the comps' adjusted prices (USD), or None without comps.

    Adjusted price per sq ft of each comp is ``adjusted_price / subject living area``; the
    renovated comparables are approximated by the upper half of them (the better-kept homes
    of the neighbourhood; no renovation flag is in the data), and
    :func:`properties.finance.after_repair_value` takes their median.
    """
    ppsf = sorted(
        c["adjusted_price"] / living_area
        for c in comps
        if c.get("adjusted_price") and not c.get("is_prior_sale_of_subject")
    )
    if not ppsf:
        return None
    upper = ppsf[len(ppsf) // 2 :]
    return finance.after_repair_value(living_area=str(living_area), renovated_comps_price_per_sqft=upper)


def area_median_price_per_sqft(*, trend_rows: list[dict], comps: list[dict]) -> float | None:
    """Median USD/sq ft of the area over the last 12 months of ``trend_rows`` (count-weighted), else of the comps."""
    recent = [r for r in trend_rows[-12:] if r.get("median_price_per_sqft") and r.get("count")]
    if recent:
        expanded = [r["median_price_per_sqft"] for r in recent for _ in range(int(r["count"]))]
        return float(statistics.median(expanded))
    values = [c["close_price"] / c["living_area"] for c in comps if c.get("close_price") and c.get("living_area")]
    return float(statistics.median(values)) if values else None


def analyse_deal(
    *,
    price: float,
    estimated_value: float,
    living_area: float,
    comps: list[dict] | None = None,
    trend_rows: list[dict] | None = None,
    market_change_12m_pct: float | None = None,
    days_on_market: int | None = None,
    area_median_days_on_market: float | None = None,
    area_median_ppsf: float | None = None,
    assumptions: DealAssumptions = DEFAULT_ASSUMPTIONS,
) -> dict:
    """Deal score (A-F, four dimensions), ARV, 70%-rule MAO, flip and rental scenarios, payment.

    ``price`` is the asking (or purchase) price and ``estimated_value`` the valuation's
    estimate (USD); ``living_area`` sq ft. The area's median USD/sq ft is ``area_median_ppsf``
    when given, else from ``trend_rows`` or ``comps``, else the estimate's own. Returns a JSON-ready dict: ``score``, ``grade``,
    ``dimensions``, ``after_repair_value``, ``arv_source``, ``maximum_allowable_offer``,
    ``flip``, ``rental`` (None without rent), ``owner_monthly_payment``, ``inputs`` and
    ``assumptions``. Raises ``ValueError`` (naming the argument) on invalid numbers.
    """
    comps = comps or []
    trend_rows = trend_rows or []
    price_d = Decimal(str(price))
    median_ppsf = area_median_ppsf or area_median_price_per_sqft(trend_rows=trend_rows, comps=comps)
    if median_ppsf is None:
        median_ppsf = float(estimated_value) / float(living_area)
    score = finance.deal_score(
        price=price_d,
        estimated_value=str(estimated_value),
        living_area=str(living_area),
        area_median_price_per_sqft=str(round(median_ppsf, 2)),
        days_on_market=days_on_market if area_median_days_on_market is not None else None,
        area_median_days_on_market=area_median_days_on_market if days_on_market is not None else None,
        market_change_12m_pct=None if market_change_12m_pct is None else str(market_change_12m_pct),
        monthly_rent=assumptions.monthly_rent,
    )
    if assumptions.after_repair_value is not None:
        arv, arv_source = Decimal(str(assumptions.after_repair_value)), "given"
    else:
        arv = arv_from_comps(living_area=float(living_area), comps=comps)
        arv_source = "upper half of the adjusted comps"
        if arv is None:
            arv, arv_source = Decimal(str(estimated_value)), "the valuation estimate (no comps)"
    holding = assumptions.monthly_holding_cost
    if holding is None:
        holding = (price_d * Decimal("0.012") / 12).quantize(Decimal("0.01"))
    flip = finance.flip_scenario(
        purchase_price=price_d,
        repair_costs=assumptions.repair_costs,
        after_repair_value=arv,
        holding_months=assumptions.holding_months,
        monthly_holding_cost=holding,
    )
    rental = None
    if assumptions.monthly_rent is not None:
        opex = assumptions.annual_operating_expenses
        if opex is None:
            opex = Decimal(str(assumptions.monthly_rent)) * 12 / 2
        rental = finance.rental_scenario(
            purchase_price=price_d,
            monthly_rent=assumptions.monthly_rent,
            annual_operating_expenses=opex,
            down_payment_pct=assumptions.down_payment_pct,
            annual_rate_pct=assumptions.annual_rate_pct,
            term_years=int(assumptions.term_years),
            repair_costs=assumptions.repair_costs,
        ).to_dict()
    owner_payment = finance.mortgage_payment(
        principal=price_d * (100 - OWNER_DOWN_PAYMENT_PCT) / 100,
        annual_rate_pct=assumptions.annual_rate_pct,
        term_years=int(assumptions.term_years),
    )
    return _num(
        {
            "score": score.score,
            "grade": score.grade,
            "dimensions": [
                {"name": d.name, "score": d.score, "weight": d.weight, "explanation": d.explanation}
                for d in score.dimensions
            ],
            "after_repair_value": arv,
            "arv_source": arv_source,
            "maximum_allowable_offer": finance.maximum_allowable_offer(
                after_repair_value=arv, repair_costs=assumptions.repair_costs
            ),
            "flip": flip.to_dict(),
            "rental": rental,
            "owner_monthly_payment": owner_payment,
            "owner_down_payment_pct": OWNER_DOWN_PAYMENT_PCT,
            "inputs": {
                "price": price_d,
                "estimated_value": float(estimated_value),
                "living_area": float(living_area),
                "area_median_price_per_sqft": round(median_ppsf, 2),
                "market_change_12m_pct": market_change_12m_pct,
            },
            "assumptions": {**assumptions.to_dict(), "monthly_holding_cost": holding},
        }
    )
