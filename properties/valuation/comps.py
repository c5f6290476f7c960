"""Comparable-sale selection: eligibility (no look-ahead, never the subject), search widening, similarity. Pure.

A sale is *eligible* as a comparable for a valuation as of day D when it closed strictly before
D, is not the subject's own sale (same ``listing_key``), is not an earlier sale of the subject's
parcel (those are used separately as the subject's *prior sale*), and the agent did not exclude
it. The search starts at ``radius_miles`` / ``months`` and widens step by step
(:data:`WIDENING_STEPS`) until at least ``min_comps`` sales qualify.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..geo import haversine_miles
from .data import SalesData
from .features import LINE_LABELS, MONTH_DAYS

#: (radius factor, months factor) of each search step.
WIDENING_STEPS = ((1.0, 1.0), (1.5, 1.0), (2.0, 1.5), (3.0, 2.0), (5.0, 3.0), (10.0, 5.0), (25.0, 10.0))
MAX_RADIUS_MILES = 50.0
MAX_MONTHS = 120
#: Similarity penalties in log-price units, added to the comp's gross hedonic adjustment:
#: each mile of distance counts like a 10% adjustment, each month of age like a 1% one, a
#: different property sub-type like 10%. Used to rank and weight comps, not to price them.
DISTANCE_PENALTY_PER_MILE = 0.10
RECENCY_PENALTY_PER_MONTH = 0.01
SUB_TYPE_PENALTY = 0.10
#: Only a prior sale of the subject's parcel within this many years is used.
PRIOR_SALE_MAX_YEARS = 12


@dataclass(frozen=True)
class ValuationOptions:
    """Agent-adjustable valuation options.

    ``radius_miles`` (miles) and ``months`` set the initial comp search; ``max_comps`` how many
    comps are kept; ``min_comps`` below which the search widens (when ``auto_widen``).
    ``include_listing_keys`` forces eligible sales in as comps (however far or old, never a sale
    on or after the valuation date or of the subject itself); ``exclude_listing_keys`` removes
    sales. ``adjustment_overrides`` maps a comp's listing key to ``{line: USD}`` replacing the
    computed amount of that adjustment line (lines: :data:`properties.valuation.features.LINE_LABELS`).
    ``use_prior_sale`` lets a prior sale of the subject's parcel inform the estimate.
    Raises ``ValueError`` on out-of-range values.
    """

    radius_miles: float = 1.0
    months: int = 12
    max_comps: int = 8
    min_comps: int = 5
    auto_widen: bool = True
    include_listing_keys: tuple[str, ...] = ()
    exclude_listing_keys: tuple[str, ...] = ()
    adjustment_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    use_prior_sale: bool = True

    def __post_init__(self) -> None:
        if not (0 < float(self.radius_miles) <= MAX_RADIUS_MILES):
            raise ValueError(f"radius_miles must be within (0, {MAX_RADIUS_MILES}] miles, got {self.radius_miles}")
        if not (1 <= int(self.months) <= MAX_MONTHS):
            raise ValueError(f"months must be within 1..{MAX_MONTHS}, got {self.months}")
        if not (1 <= int(self.max_comps) <= 50):
            raise ValueError(f"max_comps must be within 1..50, got {self.max_comps}")
        if not (1 <= int(self.min_comps) <= int(self.max_comps)):
            raise ValueError(f"min_comps must be within 1..max_comps ({self.max_comps}), got {self.min_comps}")
        object.__setattr__(self, "include_listing_keys", tuple(self.include_listing_keys))
        object.__setattr__(self, "exclude_listing_keys", tuple(self.exclude_listing_keys))
        for key, lines in self.adjustment_overrides.items():
            for line, usd in lines.items():
                if line not in LINE_LABELS:
                    raise ValueError(f"unknown adjustment line {line!r} for comp {key}; lines: {list(LINE_LABELS)}")
                if not math.isfinite(float(usd)):
                    raise ValueError(f"adjustment override {key}.{line} must be a finite USD amount, got {usd}")


DEFAULT_OPTIONS = ValuationOptions()


@dataclass
class CompSearch:
    """Eligible candidate rows around a subject, with distances (miles) and the search used."""

    rows: np.ndarray
    distance_miles: np.ndarray
    radius_miles: float
    months: int
    widened: int
    forced: np.ndarray  # bool per row: included by the agent


def eligible_mask(
    data: SalesData,
    rows: np.ndarray,
    *,
    as_of_day: int,
    listing_key: str | None,
    parcel_number: str | None,
    exclude: frozenset[str],
) -> np.ndarray:
    """Return which rows may serve as comps for a valuation as of ``as_of_day``.

    Strictly earlier close, not the subject's listing or parcel, not excluded.
    """
    ok = data.close_day[rows] < as_of_day
    keys = data.listing_key[rows]
    if listing_key:
        ok &= keys != listing_key
    if parcel_number:
        ok &= data.parcel_number[rows] != parcel_number
    if exclude:
        ok &= ~np.isin(keys, list(exclude))
    return ok


def search_comps(
    data: SalesData,
    *,
    latitude: float,
    longitude: float,
    as_of_day: int,
    listing_key: str | None,
    parcel_number: str | None,
    options: ValuationOptions,
) -> CompSearch:
    """Find eligible sales within the (possibly widened) radius and time window.

    Returns every eligible sale of the first search step that yields ``min_comps`` (or of the
    last step), plus the agent's forced inclusions that are eligible.
    """
    exclude = frozenset(options.exclude_listing_keys)
    steps = WIDENING_STEPS if options.auto_widen else WIDENING_STEPS[:1]
    best = None
    for widened, (rf, mf) in enumerate(steps):
        radius = min(options.radius_miles * rf, MAX_RADIUS_MILES)
        months = int(min(math.ceil(options.months * mf), MAX_MONTHS))
        band = data.rows_within(latitude, longitude, radius)
        band = band[(data.close_day[band] < as_of_day) & (data.close_day[band] >= as_of_day - months * MONTH_DAYS)]
        band = band[
            eligible_mask(
                data, band, as_of_day=as_of_day, listing_key=listing_key, parcel_number=parcel_number, exclude=exclude
            )
        ]
        dist = haversine_miles(latitude, longitude, data.latitude[band], data.longitude[band])
        inside = dist <= radius
        best = (band[inside], dist[inside], radius, months, widened)
        if inside.sum() >= options.min_comps:
            break
    rows, dist, radius, months, widened = best
    forced = np.zeros(len(rows), dtype=bool)
    if options.include_listing_keys:
        wanted = np.array(
            [r for r in (data.row_of_listing(k) for k in options.include_listing_keys) if r >= 0], dtype=np.int64
        )
        forced[np.isin(rows, wanted)] = True
        extra = np.setdiff1d(wanted, rows)
        extra = extra[
            eligible_mask(
                data, extra, as_of_day=as_of_day, listing_key=listing_key, parcel_number=parcel_number, exclude=exclude
            )
        ]
        if len(extra):
            rows = np.concatenate([rows, extra])
            dist = np.concatenate(
                [dist, haversine_miles(latitude, longitude, data.latitude[extra], data.longitude[extra])]
            )
            forced = np.concatenate([forced, np.ones(len(extra), dtype=bool)])
    return CompSearch(
        rows=rows,
        distance_miles=np.asarray(dist, dtype=float),
        radius_miles=radius,
        months=months,
        widened=widened,
        forced=forced,
    )


def prior_sale_row(data: SalesData, *, parcel_number: str | None, listing_key: str | None, as_of_day: int) -> int:
    """Return the newest earlier sale of the subject's parcel (closed before ``as_of_day``), or -1."""
    rows = data.rows_of_parcel(parcel_number)
    if not len(rows):
        return -1
    ok = (data.close_day[rows] < as_of_day) & (data.close_day[rows] >= as_of_day - PRIOR_SALE_MAX_YEARS * 365.2425)
    if listing_key:
        ok &= data.listing_key[rows] != listing_key
    rows = rows[ok]
    return int(rows[-1]) if len(rows) else -1


def similarity_scores(
    gross_log_adjustment: np.ndarray, distance_miles: np.ndarray, months_ago: np.ndarray, sub_type_differs: np.ndarray
) -> np.ndarray:
    """Return dissimilarity scores (log-price units; lower is more similar)."""
    return (
        gross_log_adjustment
        + DISTANCE_PENALTY_PER_MILE * distance_miles
        + RECENCY_PENALTY_PER_MONTH * months_ago
        + SUB_TYPE_PENALTY * sub_type_differs
    )
