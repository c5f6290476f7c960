"""Backtest: value a sample of closed sales as of their close dates and measure the errors. Pure.

Each sampled sale becomes a subject (its own facts, ``listing_key`` and ``parcel_number``)
valued as of its close date, so its own sale — closed on that date — is never visible, nor is
anything later. Error = estimate / close price - 1. MdAPE is the median of |error|.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np

from .comps import ValuationOptions
from .data import Subject, date_from_day, day_number, month_number, month_start
from .engine import InsufficientData, ValuationEngine


@dataclass(frozen=True)
class BacktestRow:
    """One valued sale: prices in USD, ``error_pct`` = 100 * (estimate / close_price - 1)."""

    listing_key: str
    close_date: date
    close_price: float
    estimate: float | None
    low: float | None
    high: float | None
    error_pct: float | None
    in_range: bool | None
    confidence: float | None
    method: str
    comps_used: int
    milliseconds: float
    failure: str = ""

    def to_dict(self) -> dict:
        out = asdict(self)
        out["close_date"] = self.close_date.isoformat()
        return out


@dataclass(frozen=True)
class BacktestSummary:
    """Accuracy figures: shares in 0..1, MdAPE in percent, times in milliseconds / seconds."""

    count: int
    valued: int
    coverage: float
    mdape_pct: float
    within_5: float
    within_10: float
    within_20: float
    range_coverage: float
    mean_ms_per_valuation: float
    p95_ms_per_valuation: float
    fit_seconds: float
    total_seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class BacktestResult:
    rows: list[BacktestRow]
    summary: BacktestSummary


def sample_rows(engine: ValuationEngine, *, start: date, end: date, sample: int, seed: int) -> np.ndarray:
    """Return up to ``sample`` row numbers of sales closed in ``[start, end]``, drawn without
    replacement by ``numpy.random.default_rng(seed)``, in close-date order.

    Raises ``ValueError`` when ``end < start`` or ``sample < 1``.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if sample < 1:
        raise ValueError(f"sample must be at least 1, got {sample}")
    days = engine.data.close_day
    rows = np.flatnonzero((days >= day_number(start)) & (days <= day_number(end)))
    if len(rows) > sample:
        rows = np.random.default_rng(seed).choice(rows, size=sample, replace=False)
    return np.sort(rows)


def subject_of_row(engine: ValuationEngine, row: int) -> Subject:
    """Return the subject built from a stored sale's facts (unknown facts stay ``None``)."""
    d = engine.data

    def opt(values, cast=float):
        value = values[row]
        return None if math.isnan(value) else cast(value)

    wf = d.waterfront[row]
    return Subject(
        latitude=float(d.latitude[row]),
        longitude=float(d.longitude[row]),
        living_area=float(d.living_area[row]),
        bedrooms_total=opt(d.bedrooms_total, int),
        bathrooms=opt(d.bathrooms),
        year_built=opt(d.year_built, int),
        lot_size_square_feet=opt(d.lot_size_square_feet),
        property_sub_type=str(d.sub_type_names[d.sub_type[row]]) or None,
        parcel_number=str(d.parcel_number[row]) or None,
        listing_key=str(d.listing_key[row]) or None,
        waterfront_yn=None if math.isnan(wf) else bool(wf),
        year_built_effective=opt(d.year_built_effective, int),
        building_grade=opt(d.building_grade),
        postal_code=str(d.postal_code[row]) or None,
    )


def run_backtest(
    engine: ValuationEngine,
    *,
    start: date,
    end: date,
    sample: int = 2000,
    seed: int = 0,
    options: ValuationOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Value a seeded random sample of the sales closed in ``[start, end]`` as of their close dates.

    ``progress(done, total)`` is called after each valuation. Period fits are made first (timed
    as ``fit_seconds``); ``mean_ms_per_valuation`` times the ``engine.value`` calls alone.
    Returns per-sale rows and a :class:`BacktestSummary`. Raises ``ValueError`` as
    :func:`sample_rows` does.
    """
    started = time.perf_counter()
    rows = sample_rows(engine, start=start, end=end, sample=sample, seed=seed)
    fit_started = time.perf_counter()
    for month in sorted({month_number(date_from_day(int(engine.data.close_day[r]))) for r in rows}):
        try:
            engine.prepare(month_start(month))
        except InsufficientData:
            continue
    fit_seconds = time.perf_counter() - fit_started
    out: list[BacktestRow] = []
    total = len(rows)
    for k, row in enumerate(rows):
        subject = subject_of_row(engine, int(row))
        as_of = date_from_day(int(engine.data.close_day[row]))
        price = float(engine.data.close_price[row])
        t0 = time.perf_counter()
        try:
            valuation = engine.value(subject, as_of, options)
        except InsufficientData as exc:
            ms = (time.perf_counter() - t0) * 1000.0
            out.append(
                BacktestRow(
                    subject.listing_key or "",
                    as_of,
                    price,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "",
                    0,
                    round(ms, 3),
                    failure=str(exc),
                )
            )
        else:
            ms = (time.perf_counter() - t0) * 1000.0
            err = 100.0 * (valuation.estimate / price - 1.0)
            out.append(
                BacktestRow(
                    subject.listing_key or "",
                    as_of,
                    price,
                    valuation.estimate,
                    valuation.low,
                    valuation.high,
                    round(err, 3),
                    valuation.low <= price <= valuation.high,
                    valuation.confidence,
                    valuation.method,
                    sum(1 for c in valuation.comps if not c.is_prior_sale_of_subject),
                    round(ms, 3),
                )
            )
        if progress is not None:
            progress(k + 1, total)
    return BacktestResult(
        rows=out, summary=summarise(out, fit_seconds=fit_seconds, total_seconds=time.perf_counter() - started)
    )


def summarise(rows: list[BacktestRow], *, fit_seconds: float = 0.0, total_seconds: float = 0.0) -> BacktestSummary:
    """Return the summary figures of backtest rows (NaN figures when nothing was valued)."""
    valued = [r for r in rows if r.estimate is not None]
    errors = np.array([abs(r.error_pct) for r in valued]) if valued else np.array([])
    times = np.array([r.milliseconds for r in rows]) if rows else np.array([0.0])

    def share(mask) -> float:
        return round(float(np.mean(mask)), 4) if len(errors) else math.nan

    return BacktestSummary(
        count=len(rows),
        valued=len(valued),
        coverage=round(len(valued) / len(rows), 4) if rows else math.nan,
        mdape_pct=round(float(np.median(errors)), 3) if len(errors) else math.nan,
        within_5=share(errors <= 5.0),
        within_10=share(errors <= 10.0),
        within_20=share(errors <= 20.0),
        range_coverage=share(np.array([bool(r.in_range) for r in valued])),
        mean_ms_per_valuation=round(float(times.mean()), 3),
        p95_ms_per_valuation=round(float(np.quantile(times, 0.95)), 3),
        fit_seconds=round(fit_seconds, 2),
        total_seconds=round(total_seconds, 2),
    )
