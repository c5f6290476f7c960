"""Automated valuation (AVM + CMA) as of a date, with no look-ahead. Pure: no ORM imports.

Typical use::

    from properties.valuation import SalesData, Subject, ValuationEngine
    engine = ValuationEngine(SalesData.from_records(records))   # cache one per process
    valuation = engine.value(Subject(latitude=47.61, longitude=-122.33, living_area=1850, ...),
                             as_of=date(2016, 6, 1))
    valuation.to_dict()

See :mod:`properties.valuation.engine` for the method, :mod:`.backtest` for accuracy
measurement and :mod:`.stats` for market statistics.
"""

from .backtest import BacktestResult, BacktestRow, BacktestSummary, run_backtest
from .comps import ValuationOptions
from .data import SalesData, Subject, bathrooms_decimal
from .engine import ComparableSale, InsufficientData, Valuation, ValuationEngine
from .stats import MarketMonth, market_statistics

__all__ = [
    "BacktestResult",
    "BacktestRow",
    "BacktestSummary",
    "ComparableSale",
    "InsufficientData",
    "MarketMonth",
    "SalesData",
    "Subject",
    "Valuation",
    "ValuationEngine",
    "ValuationOptions",
    "bathrooms_decimal",
    "market_statistics",
    "run_backtest",
]
