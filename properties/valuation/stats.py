"""Market statistics by ZIP code and month, from closed sales before a date. Pure.

Per month: sales count, median close price (USD), median price per sq ft (USD / sq ft) and a
trend index (100 at the first month shown) read from the hedonic market index of
:mod:`properties.valuation.index` — the same index the valuation engine uses for time
adjustments, so a quality-adjusted trend rather than a raw median that jumps with the mix of
homes sold.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np

from .data import SalesData, day_number, month_number, month_start
from .index import MarketIndex


@dataclass(frozen=True)
class MarketMonth:
    """One month of one area (``postal_code`` is ``""`` for all sales). Money in USD."""

    postal_code: str
    month: date
    sales_count: int
    median_close_price: float | None
    median_price_per_sqft: float | None
    trend_index: float | None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["month"] = self.month.isoformat()
        return out


def market_statistics(
    data: SalesData,
    *,
    start: date,
    end: date,
    postal_code: str | None = None,
    as_of: date | None = None,
    index: MarketIndex | None = None,
) -> list[MarketMonth]:
    """Return one :class:`MarketMonth` per calendar month from ``start``'s month to ``end``'s.

    Only sales closed strictly before ``as_of`` count (default: every sale), and the trend index
    is fitted on those sales unless a ``MarketIndex`` with the same cutoff is passed. Months
    without sales have count 0 and ``None`` medians. Raises ``ValueError`` when ``end`` precedes
    ``start``, when ``postal_code`` has no sales before ``as_of``, or when no sale precedes it.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    cutoff = day_number(as_of) if as_of is not None else int(data.close_day[-1]) + 1
    n = data.rows_before(cutoff)
    if n == 0:
        raise ValueError("no closed sales before the statistics date")
    zip5 = (postal_code or "").strip()[:5]
    rows = np.arange(n)
    if zip5:
        rows = rows[data.postal_code[:n] == zip5]
        if not len(rows):
            raise ValueError(f"no closed sales in ZIP {postal_code} before the statistics date")
    # Past the month after the newest sale no sale is added: fit (or reuse) the index there.
    cutoff_fit = data.last_fit_day(cutoff)
    if index is None or index.cutoff_day != cutoff_fit:
        index = MarketIndex(data, cutoff_fit)
    first, last = month_number(start), month_number(end)
    months = np.arange(first, last + 1)
    mids = np.array([day_number(month_start(int(m))) + 14.5 for m in months])
    if zip5:
        region = int(np.bincount(data.region[rows]).argmax())
        area = data.area_code(f"zip:{zip5}")
        levels = index.for_region(region).log_level(np.full(len(months), area), mids)
    else:
        levels = index.pooled.log_level(np.full(len(months), -1), mids)
    trend = 100.0 * np.exp(levels - levels[0])
    sale_months = data.close_month[rows]
    out = []
    for k, m in enumerate(months):
        sel = rows[sale_months == m]
        prices = data.close_price[sel]
        out.append(
            MarketMonth(
                postal_code=zip5,
                month=month_start(int(m)),
                sales_count=len(sel),
                median_close_price=round(float(np.median(prices)), 2) if len(sel) else None,
                median_price_per_sqft=round(float(np.median(prices / data.living_area[sel])), 2) if len(sel) else None,
                trend_index=None if (math.isnan(trend[k]) or mids[k] - 14.5 >= cutoff) else round(float(trend[k]), 2),
            )
        )
    return out
