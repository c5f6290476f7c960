"""Deal-analysis calculators: mortgage payment, deal score, ARV, 70% rule, flip and rental scenarios.

Pure functions, no ORM imports. Money is ``decimal.Decimal`` in USD throughout: inputs accept
``Decimal``, ``int`` or a numeric ``str`` (a ``float`` is converted through ``str``, so 0.1
stays 0.1), and money outputs are rounded half-up to cents. Rates and percentages are given as
percent (``Decimal("6.5")`` means 6.5 %). Every function raises ``ValueError`` with the
offending argument's name on invalid input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
_CONTEXT = Context(prec=34)

Number = Decimal | int | str | float


def _dec(name: str, value: Number) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        out = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not out.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def _positive(name: str, value: Number) -> Decimal:
    out = _dec(name, value)
    if out <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value}")
    return out


def _non_negative(name: str, value: Number) -> Decimal:
    out = _dec(name, value)
    if out < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return out


def _percent(name: str, value: Number, *, maximum: Decimal = HUNDRED) -> Decimal:
    out = _non_negative(name, value)
    if out > maximum:
        raise ValueError(f"{name} must be a percentage between 0 and {maximum}, got {value}")
    return out


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _pct2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------- mortgage
def mortgage_payment(*, principal: Number, annual_rate_pct: Number, term_years: int) -> Decimal:
    """Return the monthly principal-and-interest payment (USD, cents) of a fixed-rate loan.

    ``principal`` USD (> 0), ``annual_rate_pct`` nominal annual rate in percent (0..30),
    ``term_years`` 1..50. Standard amortisation (annuity) formula, monthly compounding:
    ``M = P r (1 + r)^n / ((1 + r)^n - 1)`` with ``r = annual rate / 12`` and ``n = 12 * years``;
    ``M = P / n`` at a zero rate (Consumer Financial Protection Bureau, "Loan Estimate
    explainer"; any finance text, e.g. Brealey, Myers & Allen, *Principles of Corporate
    Finance*, ch. 2, annuities). Raises ``ValueError`` on out-of-range input.
    """
    p = _positive("principal", principal)
    rate = _percent("annual_rate_pct", annual_rate_pct, maximum=Decimal(30))
    if isinstance(term_years, bool) or not isinstance(term_years, int) or not (1 <= term_years <= 50):
        raise ValueError(f"term_years must be a whole number of years between 1 and 50, got {term_years!r}")
    n = 12 * term_years
    with localcontext(_CONTEXT):
        r = rate / HUNDRED / 12
        if r == 0:
            return _cents(p / n)
        growth = (1 + r) ** n
        return _cents(p * r * growth / (growth - 1))


# ----------------------------------------------------------------------------- deal score
@dataclass(frozen=True)
class DealDimension:
    """One scored dimension: ``score`` 0..100 (higher is a better deal), ``weight`` 0..1."""

    name: str
    score: Decimal
    weight: Decimal
    explanation: str


@dataclass(frozen=True)
class DealScore:
    """Overall ``score`` (0..100, weighted mean of the scored dimensions) and its ``grade`` A-F."""

    score: Decimal
    grade: str
    dimensions: list[DealDimension]

    def to_dict(self) -> dict:
        return asdict(self)


DEAL_WEIGHTS = {
    "value": Decimal("0.35"),
    "price_per_sqft": Decimal("0.20"),
    "market": Decimal("0.15"),
    "rental_yield": Decimal("0.30"),
}
#: Grade thresholds on the 0..100 score (lowest score for each grade).
GRADE_THRESHOLDS = (("A", Decimal(80)), ("B", Decimal(65)), ("C", Decimal(50)), ("D", Decimal(35)))


def _clip100(x: Decimal) -> Decimal:
    return max(Decimal(0), min(HUNDRED, x))


def deal_score(
    *,
    price: Number,
    estimated_value: Number,
    living_area: Number,
    area_median_price_per_sqft: Number,
    days_on_market: int | None = None,
    area_median_days_on_market: Number | None = None,
    market_change_12m_pct: Number | None = None,
    monthly_rent: Number | None = None,
) -> DealScore:
    """Score a purchase at ``price`` (USD) on four dimensions and grade it A-F.

    Dimensions (each clipped to 0..100; 50 is a fair, market-rate deal):

    * **value** — discount to the estimated value, ``d = 100 (value - price) / value``:
      ``50 + 5 d`` (10 % under value scores 100, 10 % over scores 0).
    * **price_per_sqft** — ``ratio = (price / living_area) / area median $/sq ft``:
      ``50 + 250 (1 - ratio)`` (20 % under the area median scores 100).
    * **market** — momentum and negotiating room: ``50 + 2.5 g + 25 log2(dom / median dom)``,
      ``g`` the area's 12-month index change in percent; either part is left out when its
      inputs are missing (scored only if at least one is given).
    * **rental_yield** — gross yield ``y = 100 * 12 rent / price``: ``20 (y - 3)``
      (3 % scores 0, 8 % scores 100); scored only with ``monthly_rent``.

    The overall score is the weighted mean (weights :data:`DEAL_WEIGHTS`, renormalised over the
    scored dimensions); grades: A >= 80, B >= 65, C >= 50, D >= 35, else F. The yield and
    price-vs-value screens follow common investor practice (gross rent multiplier / "1% rule"
    family; e.g. Gallinelli, *What Every Real Estate Investor Needs to Know About Cash Flow*,
    2nd ed., ch. 7). Raises ``ValueError`` on non-positive prices or areas, negative days or rent.
    """
    p = _positive("price", price)
    value = _positive("estimated_value", estimated_value)
    area = _positive("living_area", living_area)
    median_ppsf = _positive("area_median_price_per_sqft", area_median_price_per_sqft)
    dims: list[DealDimension] = []
    with localcontext(_CONTEXT):
        discount = HUNDRED * (value - p) / value
        dims.append(
            DealDimension(
                "value",
                _pct2(_clip100(50 + 5 * discount)),
                DEAL_WEIGHTS["value"],
                f"price is {abs(discount):.1f}% {'under' if discount >= 0 else 'over'} the estimated value",
            )
        )
        ratio = (p / area) / median_ppsf
        dims.append(
            DealDimension(
                "price_per_sqft",
                _pct2(_clip100(50 + 250 * (1 - ratio))),
                DEAL_WEIGHTS["price_per_sqft"],
                f"${p / area:.0f}/sq ft vs area median ${median_ppsf:.0f}/sq ft",
            )
        )
        market_parts, market_text = Decimal(50), []
        scored_market = False
        if market_change_12m_pct is not None:
            g = _dec("market_change_12m_pct", market_change_12m_pct)
            market_parts += Decimal("2.5") * g
            market_text.append(f"area prices {g:+.1f}% over 12 months")
            scored_market = True
        if days_on_market is not None or area_median_days_on_market is not None:
            if days_on_market is None or area_median_days_on_market is None:
                raise ValueError("days_on_market and area_median_days_on_market must be given together")
            dom = _non_negative("days_on_market", days_on_market)
            median_dom = _positive("area_median_days_on_market", area_median_days_on_market)
            market_parts += 25 * ((max(dom, Decimal(1)) / median_dom).ln() / Decimal(2).ln())
            market_text.append(f"{dom} days on market vs area median {median_dom}")
            scored_market = True
        if scored_market:
            dims.append(
                DealDimension("market", _pct2(_clip100(market_parts)), DEAL_WEIGHTS["market"], "; ".join(market_text))
            )
        if monthly_rent is not None:
            rent = _non_negative("monthly_rent", monthly_rent)
            gross_yield = HUNDRED * 12 * rent / p
            dims.append(
                DealDimension(
                    "rental_yield",
                    _pct2(_clip100(20 * (gross_yield - 3))),
                    DEAL_WEIGHTS["rental_yield"],
                    f"gross rental yield {gross_yield:.2f}%",
                )
            )
        total_weight = sum(d.weight for d in dims)
        score = _pct2(sum(d.score * d.weight for d in dims) / total_weight)
    grade = next((g for g, floor in GRADE_THRESHOLDS if score >= floor), "F")
    return DealScore(score=score, grade=grade, dimensions=dims)


# ----------------------------------------------------------------------------- flips
def after_repair_value(*, living_area: Number, renovated_comps_price_per_sqft: list[Number]) -> Decimal:
    """Return the after-repair value (USD, cents): subject sq ft x median $/sq ft of renovated comps.

    ``renovated_comps_price_per_sqft`` are the (time- and otherwise adjusted) USD per sq ft of
    recently sold, renovated comparables — at least one. Investor practice (J. Scott, *The Book
    on Flipping Houses*, BiggerPockets 2013, ch. 6: ARV from renovated comps). Raises
    ``ValueError`` on an empty list or non-positive values.
    """
    area = _positive("living_area", living_area)
    if not renovated_comps_price_per_sqft:
        raise ValueError("renovated_comps_price_per_sqft needs at least one comparable")
    values = sorted(_positive("renovated_comps_price_per_sqft", v) for v in renovated_comps_price_per_sqft)
    n = len(values)
    median = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    return _cents(area * median)


def maximum_allowable_offer(*, after_repair_value: Number, repair_costs: Number, rule_pct: Number = 70) -> Decimal:
    """Return the 70%-rule maximum allowable offer (USD, cents): ``MAO = 0.70 x ARV - repair costs``.

    ``rule_pct`` (default 70) replaces the 70 %. The rule budgets ~30 % of ARV for holding,
    selling and financing costs and profit (J. Scott, *The Book on Flipping Houses*, 2013,
    ch. 7). The result may be negative (no profitable offer). Raises ``ValueError`` on a
    non-positive ARV, negative repairs or a rule outside 0..100.
    """
    arv = _positive("after_repair_value", after_repair_value)
    repairs = _non_negative("repair_costs", repair_costs)
    rule = _percent("rule_pct", rule_pct)
    return _cents(arv * rule / HUNDRED - repairs)


@dataclass(frozen=True)
class FlipScenario:
    """A fix-and-flip's money (USD): ``profit = ARV - selling costs - total cost``; ROI in percent."""

    purchase_price: Decimal
    purchase_closing_costs: Decimal
    repair_costs: Decimal
    holding_costs: Decimal
    total_cost: Decimal
    sale_price: Decimal
    selling_costs: Decimal
    profit: Decimal
    roi_pct: Decimal
    annualized_roi_pct: Decimal
    maximum_allowable_offer: Decimal

    def to_dict(self) -> dict:
        return asdict(self)


def flip_scenario(
    *,
    purchase_price: Number,
    repair_costs: Number,
    after_repair_value: Number,
    holding_months: Number,
    monthly_holding_cost: Number,
    purchase_closing_cost_pct: Number = 2,
    selling_cost_pct: Number = 8,
) -> FlipScenario:
    """Return the flip's costs, profit and return (USD, percent).

    ``total cost = purchase + purchase closing costs (pct of purchase) + repairs + holding
    (months x monthly cost: taxes, insurance, utilities, loan interest)``; ``selling costs = pct
    x ARV`` (commissions and closing, ~8 % by default); ``profit = ARV - selling costs - total
    cost``; ``ROI = profit / total cost``; annualised as ``ROI x 12 / months`` (simple, not
    compounded). Cost build-up per J. Scott, *The Book on Flipping Houses*, 2013, ch. 7-8.
    Raises ``ValueError`` on non-positive prices or holding period, negative costs, or
    percentages outside 0..100.
    """
    purchase = _positive("purchase_price", purchase_price)
    repairs = _non_negative("repair_costs", repair_costs)
    arv = _positive("after_repair_value", after_repair_value)
    months = _positive("holding_months", holding_months)
    monthly = _non_negative("monthly_holding_cost", monthly_holding_cost)
    buy_pct = _percent("purchase_closing_cost_pct", purchase_closing_cost_pct)
    sell_pct = _percent("selling_cost_pct", selling_cost_pct)
    with localcontext(_CONTEXT):
        closing = _cents(purchase * buy_pct / HUNDRED)
        holding = _cents(months * monthly)
        total = purchase + closing + repairs + holding
        selling = _cents(arv * sell_pct / HUNDRED)
        profit = arv - selling - total
        roi = HUNDRED * profit / total
        return FlipScenario(
            purchase_price=_cents(purchase),
            purchase_closing_costs=closing,
            repair_costs=_cents(repairs),
            holding_costs=holding,
            total_cost=_cents(total),
            sale_price=_cents(arv),
            selling_costs=selling,
            profit=_cents(profit),
            roi_pct=_pct2(roi),
            annualized_roi_pct=_pct2(roi * 12 / months),
            maximum_allowable_offer=maximum_allowable_offer(after_repair_value=arv, repair_costs=repairs),
        )


# ----------------------------------------------------------------------------- rentals
@dataclass(frozen=True)
class RentalScenario:
    """A buy-and-hold rental's first year (USD per year unless named monthly; rates in percent)."""

    gross_scheduled_rent: Decimal
    vacancy_loss: Decimal
    effective_gross_income: Decimal
    operating_expenses: Decimal
    net_operating_income: Decimal
    loan_amount: Decimal
    monthly_mortgage_payment: Decimal
    annual_debt_service: Decimal
    annual_cash_flow: Decimal
    monthly_cash_flow: Decimal
    cash_invested: Decimal
    cap_rate_pct: Decimal
    cash_on_cash_pct: Decimal
    debt_service_coverage_ratio: Decimal | None

    def to_dict(self) -> dict:
        return asdict(self)


def rental_scenario(
    *,
    purchase_price: Number,
    monthly_rent: Number,
    annual_operating_expenses: Number,
    down_payment_pct: Number = 25,
    annual_rate_pct: Number = Decimal("7.0"),
    term_years: int = 30,
    vacancy_pct: Number = 5,
    closing_cost_pct: Number = 2,
    repair_costs: Number = 0,
) -> RentalScenario:
    """Return the rental's NOI, cash flow, cap rate and cash-on-cash return (USD, percent).

    ``annual_operating_expenses`` covers taxes, insurance, maintenance, management and HOA
    (not debt service). Definitions (Appraisal Institute, *The Appraisal of Real Estate*, 15th
    ed., ch. 23-24 — income capitalisation; CCIM Institute financial analysis):
    ``EGI = 12 rent x (1 - vacancy)``; ``NOI = EGI - operating expenses``;
    ``cap rate = NOI / purchase price``; debt service = 12 x :func:`mortgage_payment` on
    ``purchase x (1 - down payment)``; ``cash flow = NOI - debt service``;
    ``cash invested = down payment + closing costs (pct of purchase) + repairs``;
    ``cash-on-cash = annual cash flow / cash invested``; ``DSCR = NOI / debt service`` (None
    without a loan). Raises ``ValueError`` on non-positive price, negative rent or expenses,
    or percentages outside 0..100.
    """
    purchase = _positive("purchase_price", purchase_price)
    rent = _non_negative("monthly_rent", monthly_rent)
    opex = _non_negative("annual_operating_expenses", annual_operating_expenses)
    down_pct = _percent("down_payment_pct", down_payment_pct)
    vacancy = _percent("vacancy_pct", vacancy_pct)
    closing_pct = _percent("closing_cost_pct", closing_cost_pct)
    repairs = _non_negative("repair_costs", repair_costs)
    with localcontext(_CONTEXT):
        gsr = 12 * rent
        vacancy_loss = _cents(gsr * vacancy / HUNDRED)
        egi = gsr - vacancy_loss
        noi = egi - opex
        down = _cents(purchase * down_pct / HUNDRED)
        loan = purchase - down
        payment = (
            mortgage_payment(principal=loan, annual_rate_pct=annual_rate_pct, term_years=term_years)
            if loan > 0
            else Decimal("0.00")
        )
        debt_service = 12 * payment
        cash_flow = noi - debt_service
        invested = down + _cents(purchase * closing_pct / HUNDRED) + repairs
        return RentalScenario(
            gross_scheduled_rent=_cents(gsr),
            vacancy_loss=vacancy_loss,
            effective_gross_income=_cents(egi),
            operating_expenses=_cents(opex),
            net_operating_income=_cents(noi),
            loan_amount=_cents(loan),
            monthly_mortgage_payment=payment,
            annual_debt_service=_cents(debt_service),
            annual_cash_flow=_cents(cash_flow),
            monthly_cash_flow=_cents(cash_flow / 12),
            cash_invested=_cents(invested),
            cap_rate_pct=_pct2(HUNDRED * noi / purchase),
            cash_on_cash_pct=_pct2(HUNDRED * cash_flow / invested) if invested > 0 else Decimal("0.00"),
            debt_service_coverage_ratio=_pct2(noi / debt_service) if debt_service > 0 else None,
        )
