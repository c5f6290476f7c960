"""Market index by area and month, and hedonic adjustment rates, fitted on past sales only. Pure.

One regression per region (a 1°x1° cell with enough sales) on the sales closed before a
cutoff day (Court, 1939; Griliches, 1961 — the time-dummy hedonic method):

    log(close_price) = I[month] + a[area] + sum_k beta_k * x_k + e

``I`` is the region's monthly log index, smoothed as a random walk (a penalty
``RW_PENALTY * (I[t] - I[t-1])**2`` keeps empty or thin months sensible); ``a`` is an area
fixed effect (ridge-shrunk); ``x_k`` are the hedonic terms of
:class:`properties.valuation.features.HedonicSpec` whose coefficients become the adjustment
rates. An area's own trend is the region index plus a kernel-smoothed mean of its sales'
residuals around each month, shrunk toward zero by ``AREA_SHRINK`` pseudo-sales
(empirical-Bayes style). Between month midpoints the index is interpolated linearly; after the
last month it is extrapolated along the region's trend of the last six months, for at most
``MAX_EXTRAPOLATION_MONTHS`` months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import SalesData, days_to_months
from .features import HedonicSpec, facts_of_rows, fractional_month

RW_PENALTY = 10.0
AREA_RIDGE = 2.0
AREA_BANDWIDTH_MONTHS = 3.0
AREA_SHRINK = 20.0
MAX_EXTRAPOLATION_MONTHS = 3.0
TREND_MONTHS = 6
MIN_REGION_SALES = 150


@dataclass
class RegionIndex:
    """One region's monthly log index, area deviations and hedonic rates.

    ``level[t]`` is the log index of month ``first_month + t`` (0 at the last month);
    ``area_dev[j, t]`` the deviation of local area ``j`` (global code ``areas[j]``);
    ``slope`` the log change per month used after the last month; ``beta`` maps each hedonic
    term to its coefficients (log price per unit of the term's design columns).
    """

    first_month: int
    level: np.ndarray
    areas: np.ndarray
    area_dev: np.ndarray
    area_fe: np.ndarray
    slope: float
    spec: HedonicSpec
    beta: dict[str, np.ndarray]
    n_sales: int
    residual_sd: float

    @property
    def last_month(self) -> int:
        return self.first_month + len(self.level) - 1

    def local_areas(self, area_codes: np.ndarray) -> np.ndarray:
        """Map global area codes to rows of ``area_dev`` (-1 when the area has no sales here)."""
        area_codes = np.asarray(area_codes, dtype=np.int64)
        if len(self.areas) == 0:
            return np.full(len(area_codes), -1)
        pos = np.clip(np.searchsorted(self.areas, area_codes), 0, len(self.areas) - 1)
        return np.where(self.areas[pos] == area_codes, pos, -1)

    def log_level(self, area_codes: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Return the log index level of each (area, day); unknown areas follow the region."""
        local = self.local_areas(area_codes)
        pos = fractional_month(days) - self.first_month
        last = len(self.level) - 1
        inside = np.clip(pos, 0.0, float(last))
        i0 = np.minimum(np.floor(inside).astype(np.int64), max(last - 1, 0))
        i1 = np.minimum(i0 + 1, last)
        w = inside - i0
        value = (1.0 - w) * self.level[i0] + w * self.level[i1]
        known = local >= 0
        if known.any():
            rows = local[known]
            value[known] += (1.0 - w[known]) * self.area_dev[rows, i0[known]] + w[known] * self.area_dev[
                rows, i1[known]
            ]
        ahead = np.clip(pos - last, 0.0, MAX_EXTRAPOLATION_MONTHS)
        return value + self.slope * ahead


def _fit_region(data: SalesData, rows: np.ndarray, cutoff_month: int) -> RegionIndex:
    facts = facts_of_rows(data, rows)
    spec = HedonicSpec.from_facts(facts)
    hed, slices = spec.matrix(facts)
    y = data.log_price[rows]
    months = data.close_month[rows]
    m0 = int(months.min())
    nm = cutoff_month - m0  # months m0 .. cutoff_month - 1
    mi = (months - m0).astype(np.int64)
    areas, ai = np.unique(data.area[rows], return_inverse=True)
    na, p = len(areas), hed.shape[1]
    k = nm + na + p
    # Normal equations built block by block (one-hot blocks via bincount): O(n p^2).
    gram = np.zeros((k, k))
    b = np.zeros(k)
    gram[np.arange(nm), np.arange(nm)] = np.bincount(mi, minlength=nm)
    gram[nm + np.arange(na), nm + np.arange(na)] = np.bincount(ai, minlength=na)
    cross = np.bincount(mi * na + ai, minlength=nm * na).reshape(nm, na)
    gram[:nm, nm : nm + na] = cross
    gram[nm : nm + na, :nm] = cross.T
    if p:
        mh = np.stack([np.bincount(mi, weights=hed[:, j], minlength=nm) for j in range(p)], axis=1)
        ah = np.stack([np.bincount(ai, weights=hed[:, j], minlength=na) for j in range(p)], axis=1)
        gram[:nm, nm + na :] = mh
        gram[nm + na :, :nm] = mh.T
        gram[nm : nm + na, nm + na :] = ah
        gram[nm + na :, nm : nm + na] = ah.T
        gram[nm + na :, nm + na :] = hed.T @ hed
        b[nm + na :] = hed.T @ y
    b[:nm] = np.bincount(mi, weights=y, minlength=nm)
    b[nm : nm + na] = np.bincount(ai, weights=y, minlength=na)
    if nm > 1:
        diff = np.diff(np.eye(nm), axis=0)
        gram[:nm, :nm] += RW_PENALTY * (diff.T @ diff)
    gram[nm : nm + na, nm : nm + na] += AREA_RIDGE * np.eye(na)
    gram += 1e-8 * np.eye(k)
    coef = np.linalg.solve(gram, b)
    level = coef[:nm]
    area_fe = coef[nm : nm + na]
    beta_vec = coef[nm + na :]
    fitted = level[mi] + area_fe[ai] + (hed @ beta_vec if p else 0.0)
    resid = y - fitted
    # Area deviations: triangular-kernel smoothed residual means, shrunk toward 0.
    resid_sum = np.bincount(ai * nm + mi, weights=resid, minlength=na * nm).reshape(na, nm)
    counts = np.bincount(ai * nm + mi, minlength=na * nm).reshape(na, nm).astype(float)
    t = np.arange(nm)
    kernel = np.maximum(0.0, 1.0 - np.abs(t[:, None] - t[None, :]) / AREA_BANDWIDTH_MONTHS)
    area_dev = (resid_sum @ kernel) / (counts @ kernel + AREA_SHRINK)
    level = level - level[-1]
    if nm > TREND_MONTHS + 2:
        slope = float((level[-3:].mean() - level[-3 - TREND_MONTHS : -TREND_MONTHS].mean()) / TREND_MONTHS)
    else:
        slope = 0.0
    beta = {term: beta_vec[s:e] for term, s, e in slices}
    return RegionIndex(
        first_month=m0,
        level=level,
        areas=areas.astype(np.int64),
        area_dev=area_dev,
        area_fe=area_fe,
        slope=slope,
        spec=spec,
        beta=beta,
        n_sales=len(rows),
        residual_sd=float(np.std(resid)),
    )


class MarketIndex:
    """Monthly log price index by region and area, plus hedonic rates, from sales before a cutoff.

    ``MarketIndex(data, cutoff_day)`` uses only rows closed strictly before ``cutoff_day``
    (day number) — nothing on or after it; its months end with the month of the newest of those
    sales (later days are extrapolated, see the module docstring). Regions with fewer than
    ``MIN_REGION_SALES`` sales use a pooled fit over all those rows. Raises ``ValueError`` when
    no sale precedes the cutoff.
    """

    def __init__(self, data: SalesData, cutoff_day: int) -> None:
        n = data.rows_before(cutoff_day)
        if n == 0:
            raise ValueError("no closed sales before the cutoff to build a market index from")
        self.cutoff_day = int(cutoff_day)
        self.cutoff_month = int(days_to_months(np.array([cutoff_day]))[0])
        # A cutoff after the month following the newest sale adds only empty months; when the
        # cutoff is mid-month, the month in progress is part of the fit.
        self.cutoff_month = data.last_fit_month(cutoff_day, self.cutoff_month)
        if data.close_month[n - 1] >= self.cutoff_month:
            self.cutoff_month = int(data.close_month[n - 1]) + 1
        self.n_sales = n
        rows = np.arange(n)
        regions, counts = np.unique(data.region[:n], return_counts=True)
        self.regions: dict[int, RegionIndex] = {}
        big = [int(r) for r, c in zip(regions, counts, strict=True) if c >= MIN_REGION_SALES]
        for r in big:
            self.regions[r] = _fit_region(data, rows[data.region[:n] == r], self.cutoff_month)
        if len(big) == len(regions) and len(big) == 1:
            self.pooled = self.regions[big[0]]
        else:
            self.pooled = _fit_region(data, rows, self.cutoff_month)

    def for_region(self, region: int) -> RegionIndex:
        """Return the region's index, or the pooled one for a small or unknown region."""
        return self.regions.get(int(region), self.pooled)

    def log_level(self, regions: np.ndarray, areas: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Return log index levels for parallel arrays of region codes, area codes and day numbers."""
        regions = np.asarray(regions)
        areas = np.asarray(areas)
        days = np.asarray(days, dtype=float)
        out = np.empty(len(days))
        for r in np.unique(regions):
            sel = regions == r
            out[sel] = self.for_region(int(r)).log_level(areas[sel], days[sel])
        return out
