"""The valuation engine: comps + model + prior sale, reconciled and calibrated on past errors. Pure.

For a valuation as of day D in month P the engine uses a *period fit* made from the sales closed
before the first day of P (market index, hedonic rates, gradient-boosting model; cached per
month) and comparables closed strictly before D. Nothing on or after D is ever read: not the
subject's own sale, not a later sale of anything. A month after the newest sale on file is
valued with the fit of the month after that sale (:meth:`ValuationEngine.effective_month`): it
is made from exactly the same sales, and its index is extrapolated for at most
``MAX_EXTRAPOLATION_MONTHS`` (see :mod:`properties.valuation.index`) instead of being carried
flat through empty months.

Reconciliation (stacking; Wolpert, "Stacked generalization", 1992) combines three log
estimates — the model ``m``, the comps' weighted mean ``c`` and the subject's own prior sale
``r`` brought to date — as ``m + w_c (c - m) + w_r (r - m)``. The weights, the error scale and
the error distribution are learned from the engine's own out-of-sample errors on the
``CALIBRATION_MONTHS`` months before P (a sample of each month's sales valued as of their close
date with that month's period fit), so the 80% range and the confidence are measured, not
assumed. The error scale of a valuation is ``s = sqrt(s0^2 + b_v v + b_d d^2 + b_q q^2)``,
with ``v`` the squared standard error of the comps' mean (dispersion^2 / effective count),
``d`` the comps-model disagreement and ``q`` the comps' mean dissimilarity (distance, age,
adjustments; see :mod:`properties.valuation.comps`); the coefficients maximise a Laplace
likelihood of the calibration errors, with ``b_v >= max(w_c^2, MIN_SCARCITY_RATE)`` and
``b_d, b_q >= 0``, so the range widens when comps are few, scattered or far. The interval is
the estimate times ``exp(-z90 s) .. exp(-z10 s)`` for the 10th and 90th percentiles ``z`` of
the calibration errors divided by their own scale. ``confidence`` is the share of those scaled
errors that would put the price within ±10% of this estimate.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np

from ..geo import haversine_miles
from .adjustments import AdjustmentLine, hedonic_log_lines, itemise, net_gross_pct
from .comps import (
    DEFAULT_OPTIONS,
    MAX_RADIUS_MILES,
    ValuationOptions,
    prior_sale_row,
    search_comps,
    similarity_scores,
)
from .data import SalesData, Subject, date_from_day, day_number, month_number, month_start
from .features import LINE_LABELS, MONTH_DAYS, facts_of_rows, facts_of_subject
from .index import MarketIndex, RegionIndex
from .model import MIN_MODEL_SALES, MODEL_PARAMS, PriceModel

ENGINE_VERSION = "avm-1.0"
CALIBRATION_MONTHS = 3
CALIBRATION_SAMPLE = 300
MIN_CALIBRATION_ROWS = 60
MIN_INDEX_SALES = 30
INTERVAL_LEVEL = 0.80
#: Stacking weights used before enough calibration rows exist, and the ridge prior after.
PRIOR_WEIGHTS = {"comps": 0.3, "prior_sale": 0.4, "prior_flip": 0.1}
#: A prior sale less than this many years before the valuation is treated as a likely flip.
FLIP_YEARS = 1.0
#: Floor of the error-scale rate on the comps' standard error, so that fewer or more scattered
#: comps always widen the range (see the module docstring).
MIN_SCARCITY_RATE = 0.05
#: Comps are weighted by 1 / (score + WEIGHT_SOFTENER)^2 (score in log-price units).
WEIGHT_SOFTENER = 0.05


class InsufficientData(ValueError):  # noqa: N818 - reads better at call sites
    """Too few prior sales around the subject to value it as of the date."""


@dataclass
class PeriodFit:
    """Everything fitted for one month: index and rates, and the model (None when too few sales)."""

    month: int
    cutoff_day: int
    index: MarketIndex
    model: PriceModel | None
    fit_seconds: float

    @property
    def version(self) -> str:
        start = month_start(self.month)
        return f"{ENGINE_VERSION}/{start:%Y-%m}/n{self.index.n_sales}"


@dataclass
class Calibration:
    """Reconciliation weights and error model learned from past out-of-sample valuations."""

    w_comps: float
    w_prior: float
    w_flip: float
    s0_sq: float
    b_v: float
    b_d: float
    b_q: float
    v_none: float
    q_none: float
    z: np.ndarray  # sorted normalised errors (estimate - truth) / scale, in logs
    n_rows: int
    calibrated: bool

    def weights(self, has_c: bool, has_r: bool, flip: bool) -> tuple[float, float]:
        wc = self.w_comps if has_c else 0.0
        wr = (self.w_flip if flip else self.w_prior) if has_r else 0.0
        return wc, wr

    def scale(self, v: np.ndarray, d: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Return the log error scale for comps-mean variance ``v``, disagreement ``d``, dissimilarity ``q``."""
        return np.sqrt(self.s0_sq + self.b_v * v + self.b_d * d**2 + self.b_q * q**2)


@dataclass
class ComparableSale:
    """A comparable with its itemised adjustments (USD) and its weight in the final estimate."""

    listing_key: str
    parcel_number: str
    close_date: date
    close_price: float
    distance_miles: float
    latitude: float
    longitude: float
    living_area: float
    bedrooms_total: float | None
    bathrooms: float | None
    year_built: int | None
    lot_size_square_feet: float | None
    property_sub_type: str
    postal_code: str
    adjustments: list[AdjustmentLine]
    net_adjustment: float
    net_adjustment_pct: float
    gross_adjustment_pct: float
    adjusted_price: float
    weight: float
    similarity_score: float
    is_prior_sale_of_subject: bool = False
    included_by_agent: bool = False

    def to_dict(self) -> dict:
        out = asdict(self)
        out["close_date"] = self.close_date.isoformat()
        return out


@dataclass
class Valuation:
    """A valuation as of a date. Money in USD; ``low``-``high`` is an 80% range.

    ``confidence`` (0..1) is the measured probability that the sale price lands within ±10% of
    ``estimate`` for valuations like this one; ``expected_error_pct`` the median absolute error
    expected. ``components`` holds the model, comps and prior-sale estimates and their weights.
    """

    as_of: date
    estimate: float
    low: float
    high: float
    interval_level: float
    confidence: float
    confidence_label: str
    expected_error_pct: float
    method: str
    model_version: str
    comps: list[ComparableSale]
    components: dict
    search: dict
    market: dict
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict (dates as ISO strings)."""
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        out["comps"] = [c.to_dict() for c in self.comps]
        return out


@dataclass
class _Work:
    facts: dict
    as_of_day: int
    listing_key: str | None
    parcel_number: str | None
    region: RegionIndex
    rows: np.ndarray
    dist: np.ndarray
    forced: np.ndarray
    lines: dict
    score: np.ndarray
    search: dict
    prior: int
    prior_lines: dict
    offset: int = 0
    # filled by _finish
    m: float = math.nan
    c: float = math.nan
    r: float = math.nan
    gap_years: float = math.nan
    v: float = math.nan
    q: float = math.nan
    weights: np.ndarray | None = None
    log_adjusted: np.ndarray | None = None
    location: np.ndarray | None = None
    prior_location: float = 0.0


def _stable_rank(keys: np.ndarray) -> np.ndarray:
    """Return a deterministic pseudo-random rank per key (BLAKE2b of the key); no RNG involved."""
    digests = [int.from_bytes(hashlib.blake2b(str(k).encode(), digest_size=8).digest(), "big") for k in keys]
    return np.argsort(np.argsort(np.array(digests, dtype=np.uint64)))


class ValuationEngine:
    """Value homes as of a date from a :class:`SalesData` store. Thread-safe; cache one per process.

    ``value(subject, as_of, options)`` returns a :class:`Valuation`. Period fits are computed on
    first use and kept for the ``cache_periods`` most recent months used.
    """

    def __init__(
        self,
        data: SalesData,
        *,
        calibration_months: int = CALIBRATION_MONTHS,
        calibration_sample: int = CALIBRATION_SAMPLE,
        cache_periods: int = 24,
    ) -> None:
        self.data = data
        self.calibration_months = calibration_months
        self.calibration_sample = calibration_sample
        self.cache_periods = cache_periods
        self._lock = threading.RLock()
        self._fits: OrderedDict[int, PeriodFit] = OrderedDict()
        self._selfeval: dict[int, dict[str, np.ndarray]] = {}
        self._calibrations: dict[int, Calibration] = {}
        self._rank = _stable_rank(data.listing_key)
        self.fit_seconds = 0.0

    # --------------------------------------------------------------- period fits
    def effective_month(self, month: int) -> int:
        """Return the month whose fit values dates in ``month``: ``month`` itself, or for a month
        after the newest earlier sale, the month after that sale (the same sales, no empty
        months: a date years past the data must not build an index over every month between).
        """
        return self.data.last_fit_month(day_number(month_start(month)), month)

    def period_fit(self, month: int) -> PeriodFit:
        """Return (fitting on first use) the fit for a month number: sales before its first day.

        A month after the newest sale gets the fit of :meth:`effective_month` (same sales).
        """
        month = self.effective_month(month)
        with self._lock:
            fit = self._fits.get(month)
            if fit is not None:
                self._fits.move_to_end(month)
                return fit
            started = time.perf_counter()
            cutoff = day_number(month_start(month))
            n = self.data.rows_before(cutoff)
            if n < MIN_INDEX_SALES:
                raise InsufficientData(
                    f"only {n} closed sales before {month_start(month)}; need {MIN_INDEX_SALES} to value homes"
                )
            index = MarketIndex(self.data, cutoff)
            model = PriceModel(self.data, index) if n >= MIN_MODEL_SALES else None
            elapsed = time.perf_counter() - started
            self.fit_seconds += elapsed
            fit = PeriodFit(month=month, cutoff_day=cutoff, index=index, model=model, fit_seconds=elapsed)
            self._fits[month] = fit
            while len(self._fits) > self.cache_periods:
                self._fits.popitem(last=False)
            return fit

    def prepare(self, as_of: date) -> int:
        """Fit and calibrate the period of ``as_of`` ahead of time (warms the cache); returns its
        effective month number (see :meth:`effective_month`)."""
        month = self.effective_month(month_number(as_of))
        self.period_fit(month)
        self.calibration(month)
        return month

    # --------------------------------------------------------------- calibration
    def _self_evaluation(self, month: int) -> dict[str, np.ndarray]:
        """Value a deterministic sample of the month's sales as of their close dates (own sale excluded)."""
        with self._lock:
            if month in self._selfeval:
                return self._selfeval[month]
            rows = np.flatnonzero(self.data.close_month == month)
            empty = {k: np.zeros(0) for k in ("y", "m", "c", "r", "gap", "v", "q")}
            if not len(rows):
                self._selfeval[month] = empty
                return empty
            try:
                fit = self.period_fit(month)
            except InsufficientData:
                self._selfeval[month] = empty
                return empty
            rows = rows[np.argsort(self._rank[rows])][: self.calibration_sample]
            rows = np.sort(rows)
            works = []
            for i in rows:
                facts = facts_of_rows(self.data, np.array([i]))
                work = self._prepare(
                    fit,
                    facts,
                    int(self.data.close_day[i]),
                    self.data.listing_key[i] or None,
                    self.data.parcel_number[i] or None,
                    DEFAULT_OPTIONS,
                )
                works.append(work)
            self._predict(fit, works)
            keep = [k for k, w in enumerate(works) if not (math.isnan(w.m) and math.isnan(w.c))]
            out = {
                "y": self.data.log_price[rows[keep]],
                "m": np.array([works[k].m for k in keep]),
                "c": np.array([works[k].c for k in keep]),
                "r": np.array([works[k].r for k in keep]),
                "gap": np.array([works[k].gap_years for k in keep]),
                "v": np.array([works[k].v for k in keep]),
                "q": np.array([works[k].q for k in keep]),
            }
            self._selfeval[month] = out
            return out

    def calibration(self, month: int) -> Calibration:
        """Return (learning on first use) the reconciliation and error model for valuations in a month."""
        month = self.effective_month(month)
        with self._lock:
            if month in self._calibrations:
                return self._calibrations[month]
            parts = [self._self_evaluation(m) for m in range(month - self.calibration_months, month)]
            rows = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
            cal = _fit_calibration(rows)
            self._calibrations[month] = cal
            return cal

    # --------------------------------------------------------------- valuation
    def value(self, subject: Subject, as_of: date, options: ValuationOptions | None = None) -> Valuation:
        """Value ``subject`` as of ``as_of`` using only sales closed strictly before that date.

        Raises ``InsufficientData`` (a ``ValueError``) when there are too few prior sales, and
        ``ValueError`` on invalid options.
        """
        options = options or DEFAULT_OPTIONS
        as_of_day = day_number(as_of)
        month = month_number(as_of)
        fit = self.period_fit(month)
        cal = self.calibration(month)
        facts = facts_of_subject(self.data, subject, as_of_day)
        work = self._prepare(fit, facts, as_of_day, subject.listing_key, subject.parcel_number, options)
        self._predict(fit, [work])
        return self._assemble(fit, cal, work, subject, as_of, options)

    def _prepare(self, fit, facts, as_of_day, listing_key, parcel_number, options) -> _Work:
        data = self.data
        region = fit.index.for_region(int(facts["region"][0]))
        lat, lon = float(facts["latitude"][0]), float(facts["longitude"][0])
        search = search_comps(
            data,
            latitude=lat,
            longitude=lon,
            as_of_day=as_of_day,
            listing_key=listing_key,
            parcel_number=parcel_number,
            options=options,
        )
        rows, dist, forced = search.rows, search.distance_miles, search.forced
        prior = (
            prior_sale_row(data, parcel_number=parcel_number, listing_key=listing_key, as_of_day=as_of_day)
            if options.use_prior_sale
            else -1
        )
        if prior >= 0 and data.listing_key[prior] in options.exclude_listing_keys:
            prior = -1
        all_rows = np.concatenate([rows, [prior]]) if prior >= 0 else rows
        cf = facts_of_rows(data, all_rows)
        cf_at = dict(cf)
        cf_at["day"] = np.full(len(all_rows), float(as_of_day))
        hed = hedonic_log_lines(region, facts, cf_at)
        when = np.full(len(all_rows), float(as_of_day))
        time_line = region.log_level(cf["area"], when) - region.log_level(cf["area"], cf["day"])
        gross = np.sum(np.abs(np.array(list(hed.values()))), axis=0) if hed else np.zeros(len(all_rows))
        months_ago = (as_of_day - cf["day"]) / MONTH_DAYS
        s_st = int(facts["sub_type"][0])
        differs = (cf["sub_type"] != s_st) & (cf["sub_type"] >= 0) & (s_st >= 0)
        dist_all = np.concatenate([dist, [0.0]]) if prior >= 0 else dist
        score = similarity_scores(gross, dist_all, months_ago, differs.astype(float))
        n = len(rows)
        order = np.argsort(score[:n], kind="stable")
        chosen = [i for i in order if not forced[i]][: options.max_comps]
        chosen = np.array(sorted(set(chosen) | set(np.flatnonzero(forced).tolist())), dtype=np.int64)
        if len(chosen):
            chosen = chosen[np.argsort(score[chosen], kind="stable")]
        lines = {"time": time_line[chosen], **{k: v[chosen] for k, v in hed.items()}}
        prior_lines = {}
        if prior >= 0:
            prior_lines = {"time": float(time_line[-1]), **{k: float(v[-1]) for k, v in hed.items()}}
        return _Work(
            facts=facts,
            as_of_day=as_of_day,
            listing_key=listing_key,
            parcel_number=parcel_number,
            region=region,
            rows=rows[chosen],
            dist=dist[chosen],
            forced=forced[chosen],
            lines=lines,
            score=score[chosen],
            search={
                "radius_miles": search.radius_miles,
                "months": search.months,
                "widened_steps": search.widened,
                "candidates": int(n),
            },
            prior=prior,
            prior_lines=prior_lines,
        )

    def _predict(self, fit: PeriodFit, works: list[_Work]) -> None:
        """Run the model once for all subjects and location-swapped rows; finish each work item."""
        data = self.data
        blocks = []
        offset = 0
        for w in works:
            locs = w.rows if w.prior < 0 else np.concatenate([w.rows, [w.prior]])
            k = len(locs) + 1
            block = {key: np.repeat(val, k) for key, val in w.facts.items()}
            block["latitude"] = np.concatenate([w.facts["latitude"], data.latitude[locs]])
            block["longitude"] = np.concatenate([w.facts["longitude"], data.longitude[locs]])
            blocks.append(block)
            w.offset = offset
            offset += k
        preds = None
        if fit.model is not None and blocks:
            merged = {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}
            preds = fit.model.predict_log_ppsf(merged)
        for w, block in zip(works, blocks, strict=True):
            self._finish(fit, w, None if preds is None else preds[w.offset : w.offset + len(block["day"])])

    def _finish(self, fit: PeriodFit, w: _Work, pred: np.ndarray | None) -> None:
        data = self.data
        region = w.region
        day = np.array([float(w.as_of_day)])
        s_area = w.facts["area"]
        s_level = float(region.log_level(s_area, day)[0])
        locs = w.rows if w.prior < 0 else np.concatenate([w.rows, [w.prior]])
        c_level = region.log_level(data.area[locs], np.full(len(locs), float(w.as_of_day)))
        if pred is not None:
            w.m = float(pred[0] + math.log(float(w.facts["living_area"][0])) + s_level)
            location = (pred[0] - pred[1:]) + (s_level - c_level)
        else:
            local_s = region.local_areas(s_area)
            fe_s = region.area_fe[local_s[0]] if local_s[0] >= 0 else 0.0
            local_c = region.local_areas(data.area[locs])
            fe_c = np.where(local_c >= 0, region.area_fe[np.maximum(local_c, 0)], 0.0)
            location = (fe_s - fe_c) + (s_level - c_level)
        n = len(w.rows)
        w.location = location[:n]
        w.lines["location"] = w.location
        if w.prior >= 0:
            w.prior_location = float(location[n])
            w.prior_lines["location"] = w.prior_location
            total = sum(w.prior_lines.values())
            w.r = float(data.log_price[w.prior] + total)
            w.gap_years = (w.as_of_day - float(data.close_day[w.prior])) / 365.2425
        if n:
            total = np.sum(np.array([w.lines[k] for k in w.lines]), axis=0)
            w.log_adjusted = data.log_price[w.rows] + total
            wt = 1.0 / (w.score + WEIGHT_SOFTENER) ** 2
            w.weights = wt / wt.sum()
            w.c = float(np.sum(w.weights * w.log_adjusted))
            disp2 = float(np.sum(w.weights * (w.log_adjusted - w.c) ** 2))
            n_eff = 1.0 / float(np.sum(w.weights**2))
            # One comp says nothing about spread: borrow the typical single-sale spread.
            w.v = (disp2 + 0.2**2 / n_eff) / n_eff if n > 1 else 0.2**2
            w.q = float(np.sum(w.weights * w.score))

    def _assemble(self, fit, cal, w: _Work, subject, as_of, options) -> Valuation:
        data = self.data
        notes = []
        comps: list[ComparableSale] = []
        overrides = options.adjustment_overrides
        # Agent overrides change the comps' adjusted prices, hence their mean.
        if len(w.rows) and overrides:
            for j, row in enumerate(w.rows):
                key = data.listing_key[row]
                if key in overrides:
                    log_lines = {k: float(v[j]) for k, v in w.lines.items()}
                    _, adjusted = itemise(float(data.close_price[row]), log_lines, overrides[key])
                    w.log_adjusted[j] = math.log(adjusted)
            w.c = float(np.sum(w.weights * w.log_adjusted))
        has_m, has_c, has_r = not math.isnan(w.m), not math.isnan(w.c), not math.isnan(w.r)
        if not (has_c or has_r):
            self._require_sales_nearby(w, as_of, options)
            if not has_m:
                raise InsufficientData("no comparable sales and too few prior sales for the model")
            notes.append("No comparable sale met the search; the estimate is the model's alone.")
        flip = has_r and w.gap_years < FLIP_YEARS
        wc, wr = cal.weights(has_c, has_r, flip)
        if has_m:
            log_est = w.m + (wc * (w.c - w.m) if has_c else 0.0) + (wr * (w.r - w.m) if has_r else 0.0)
            wm = 1.0 - wc - wr
        else:  # comps-only market: comps and prior sale share the whole weight
            wm = 0.0
            wc, wr = ((1.0 - wr), wr) if has_c else (0.0, 1.0)
            log_est = (wc * w.c if has_c else 0.0) + (wr * w.r if has_r else 0.0)
        v = w.v if has_c else cal.v_none
        q = w.q if has_c else cal.q_none
        d = (w.c - w.m) if (has_c and has_m) else 0.0
        s = float(cal.scale(np.array([v]), np.array([d]), np.array([q]))[0])
        q_lo, q_hi = np.quantile(cal.z, [(1 - INTERVAL_LEVEL) / 2, (1 + INTERVAL_LEVEL) / 2])
        estimate = math.exp(log_est)
        low, high = estimate * math.exp(-q_hi * s), estimate * math.exp(-q_lo * s)
        err = cal.z * s
        confidence = float(np.mean((err >= -math.log(1.1)) & (err <= -math.log(0.9))))
        expected = float(np.median(np.abs(np.expm1(-err)))) * 100.0
        label = "high" if confidence >= 0.7 else ("medium" if confidence >= 0.5 else "low")
        for j, row in enumerate(w.rows):
            key = data.listing_key[row]
            log_lines = {k: float(v[j]) for k, v in w.lines.items()}
            lines, adjusted = itemise(float(data.close_price[row]), log_lines, overrides.get(key))
            comps.append(
                self._comp(
                    row,
                    float(w.dist[j]),
                    lines,
                    adjusted,
                    wc * float(w.weights[j]),
                    float(w.score[j]),
                    prior=False,
                    forced=bool(w.forced[j]),
                )
            )
        if has_r:
            lines, adjusted = itemise(
                float(data.close_price[w.prior]), w.prior_lines, overrides.get(data.listing_key[w.prior])
            )
            comps.append(self._comp(w.prior, 0.0, lines, adjusted, wr, 0.0, prior=True, forced=False))
            if flip:
                notes.append("The subject's prior sale is less than a year old (a possible flip); it is down-weighted.")
        if not has_m:
            notes.append(f"Too few prior sales for the model (need {MIN_MODEL_SALES}); comps only.")
        if w.search["widened_steps"]:
            notes.append(
                f"Comp search widened to {w.search['radius_miles']:g} miles and {w.search['months']} months "
                "to find enough sales."
            )
        newest = int(data.close_day[max(data.rows_before(w.as_of_day) - 1, 0)])
        if w.as_of_day - newest > 183:
            notes.append(
                f"The newest sale on file closed on {date_from_day(newest)}; market movement since then is "
                "extrapolated for at most three months."
            )
        if not cal.calibrated:
            notes.append("Too little history to measure the engine's own error here; the range is approximate.")
        method = "+".join(p for p, ok in (("model", has_m), ("comps", has_c), ("prior_sale", has_r)) if ok)
        return Valuation(
            as_of=as_of,
            estimate=_round100(estimate),
            low=_round100(low),
            high=_round100(high),
            interval_level=INTERVAL_LEVEL,
            confidence=round(confidence, 3),
            confidence_label=label,
            expected_error_pct=round(expected, 2),
            method=method,
            model_version=fit.version,
            comps=comps,
            components={
                "model_estimate": _round100(math.exp(w.m)) if has_m else None,
                "comps_estimate": _round100(math.exp(w.c)) if has_c else None,
                "prior_sale_estimate": _round100(math.exp(w.r)) if has_r else None,
                "weights": {"model": round(wm, 4), "comps": round(wc, 4), "prior_sale": round(wr, 4)},
                "log_scale": round(s, 5),
                "calibration_rows": cal.n_rows,
            },
            search=w.search,
            market=self._market(fit, w),
            notes=notes,
        )

    def _require_sales_nearby(self, w: _Work, as_of: date, options: ValuationOptions) -> None:
        """Raise ``InsufficientData`` when the widest search, or a 50-mile disc, holds no earlier sale."""
        if options.auto_widen:
            raise InsufficientData(
                f"no closed sale within {w.search['radius_miles']:g} miles in the {w.search['months']} months "
                f"before {as_of}"
            )
        lat, lon = float(w.facts["latitude"][0]), float(w.facts["longitude"][0])
        band = self.data.rows_within(lat, lon, MAX_RADIUS_MILES)
        band = band[self.data.close_day[band] < w.as_of_day]
        dist = haversine_miles(lat, lon, self.data.latitude[band], self.data.longitude[band])
        if not np.any(dist <= MAX_RADIUS_MILES):
            raise InsufficientData(f"no closed sale within {MAX_RADIUS_MILES:g} miles before {as_of}")

    def _comp(self, row, dist, lines, adjusted, weight, score, *, prior, forced) -> ComparableSale:
        data = self.data
        price = float(data.close_price[row])
        net_pct, gross_pct = net_gross_pct(price, lines)

        def opt(values, cast=float):
            value = values[row]
            return None if (isinstance(value, float) and math.isnan(value)) else cast(value)

        return ComparableSale(
            listing_key=str(data.listing_key[row]),
            parcel_number=str(data.parcel_number[row]),
            close_date=date_from_day(int(data.close_day[row])),
            close_price=price,
            distance_miles=round(dist, 3),
            latitude=float(data.latitude[row]),
            longitude=float(data.longitude[row]),
            living_area=float(data.living_area[row]),
            bedrooms_total=opt(data.bedrooms_total),
            bathrooms=opt(data.bathrooms),
            year_built=opt(data.year_built, int),
            lot_size_square_feet=opt(data.lot_size_square_feet),
            property_sub_type=str(data.sub_type_names[data.sub_type[row]]),
            postal_code=str(data.postal_code[row]),
            adjustments=lines,
            net_adjustment=round(sum(line.amount for line in lines), 2),
            net_adjustment_pct=round(net_pct, 2),
            gross_adjustment_pct=round(gross_pct, 2),
            adjusted_price=round(adjusted, 2),
            weight=round(weight, 4),
            similarity_score=round(score, 4),
            is_prior_sale_of_subject=prior,
            included_by_agent=forced,
        )

    def _market(self, fit: PeriodFit, w: _Work) -> dict:
        region = w.region
        area = w.facts["area"]
        day = float(w.as_of_day)
        now, year_ago = region.log_level(np.array([area[0], area[0]]), np.array([day, day - 365.2425]))
        name = str(self.data.area_names[area[0]]) if area[0] >= 0 else "region"
        return {
            "area": name,
            "index_change_12m_pct": round(100.0 * math.expm1(now - year_ago), 2),
            "trend_pct_per_month": round(100.0 * math.expm1(region.slope), 2),
        }

    # --------------------------------------------------------------- persistence
    def has_period(self, month: int) -> bool:
        """Whether the fit and the calibration of a month number are in memory."""
        month = self.effective_month(month)
        with self._lock:
            return month in self._fits and month in self._calibrations

    def period_snapshot(self, month: int) -> dict:
        """Return a prepared month's fit and calibration (picklable) for :meth:`restore_period`.

        Raises ``KeyError`` when the month has not been prepared (see :meth:`prepare`).
        """
        month = self.effective_month(month)
        with self._lock:
            return {
                "engine_version": ENGINE_VERSION,
                "month": month,
                "fit": self._fits[month],
                "calibration": self._calibrations[month],
            }

    def restore_period(self, snapshot: dict) -> None:
        """Adopt a month's fit and calibration saved by :meth:`period_snapshot` over the same sales.

        The caller guarantees the sales are the same (``properties.valuation_service`` keys saved
        snapshots by a fingerprint of the sales and of this code). Raises ``ValueError`` for a
        snapshot of another engine version.
        """
        if snapshot.get("engine_version") != ENGINE_VERSION:
            raise ValueError(f"snapshot of {snapshot.get('engine_version')!r}, engine is {ENGINE_VERSION!r}")
        month = int(snapshot["month"])
        with self._lock:
            self._fits[month] = snapshot["fit"]
            self._fits.move_to_end(month)
            while len(self._fits) > self.cache_periods:
                self._fits.popitem(last=False)
            self._calibrations[month] = snapshot["calibration"]


def _round100(x: float) -> float:
    return float(round(x / 100.0) * 100.0)


def _fit_calibration(rows: dict[str, np.ndarray]) -> Calibration:
    """Learn stacking weights and the error scale from out-of-sample rows (logs of USD)."""
    y, m, c, r, gap, v, q = (rows[k] for k in ("y", "m", "c", "r", "gap", "v", "q"))
    if np.sum(~np.isnan(m)) < MIN_CALIBRATION_ROWS:
        m = np.where(np.isnan(m), c, m)  # a comps-only market: measure the comps' own error
    ok = ~np.isnan(m)
    y, m, c, r, gap, v, q = y[ok], m[ok], c[ok], r[ok], gap[ok], v[ok], q[ok]
    n = len(y)
    has_c, has_r = ~np.isnan(c), ~np.isnan(r)
    flip = has_r & (gap < FLIP_YEARS)
    # Without comps, count the comps' part of the error as the worst seen with comps.
    v_none = float(np.max(v[has_c])) if has_c.sum() >= 10 else 0.04
    q_none = float(np.max(q[has_c])) if has_c.sum() >= 10 else 1.0
    if n < MIN_CALIBRATION_ROWS:
        # Fallback: prior weights and a Laplace error model with the observed spread (or a wide one).
        spread = float(np.median(np.abs(m - y))) / math.log(2) if n >= 10 else 0.15
        u = (np.arange(199) + 0.5) / 199 - 0.5
        z = np.sort(-np.sign(u) * np.log(1 - 2 * np.abs(u)))
        return Calibration(
            PRIOR_WEIGHTS["comps"],
            PRIOR_WEIGHTS["prior_sale"],
            PRIOR_WEIGHTS["prior_flip"],
            spread**2,
            MIN_SCARCITY_RATE,
            0.0,
            0.0,
            v_none,
            q_none,
            z,
            n,
            calibrated=False,
        )
    design = np.column_stack(
        [
            np.where(has_c, c - m, 0.0),
            np.where(has_r & ~flip, r - m, 0.0),
            np.where(flip, r - m, 0.0),
        ]
    )
    t = y - m
    prior = np.array([PRIOR_WEIGHTS["comps"], PRIOR_WEIGHTS["prior_sale"], PRIOR_WEIGHTS["prior_flip"]])
    # Ridge toward the prior weights, worth 20 rows of data per weight; then IRLS toward an L1 fit
    # (medians, like the model) with a 0.02 floor on |residual|.
    lam = 20.0 * np.maximum(np.mean(design**2, axis=0), 1e-6)
    sw = np.ones(n)
    for _ in range(5):
        gram = (design * sw[:, None]).T @ design + np.diag(lam)
        wts = np.linalg.solve(gram, (design * sw[:, None]).T @ t + lam * prior)
        wts = np.clip(wts, 0.0, 1.0)
        sw = 1.0 / np.maximum(np.abs(t - design @ wts), 0.02)
    if wts[0] + wts[1] > 1.0:
        wts[:2] = wts[:2] / (wts[0] + wts[1])
    e = m + design @ wts - y
    vv = np.where(has_c, v, v_none)
    qq = np.where(has_c, q, q_none)
    dd = np.where(has_c, c - m, 0.0)
    b_v_min = max(float(wts[0]) ** 2, MIN_SCARCITY_RATE)

    def terms(theta):
        return np.exp(theta[0]), b_v_min + np.exp(theta[1]), np.exp(theta[2]), np.exp(theta[3])

    def nll(theta):  # Laplace negative log-likelihood of e with scale sqrt(s0^2 + b_v v + b_d d^2 + b_q q^2)
        s0_sq, b_v, b_d, b_q = terms(theta)
        s = np.sqrt(s0_sq + b_v * vv + b_d * dd**2 + b_q * qq**2)
        return float(np.mean(np.abs(e) / s + np.log(s)))

    start = [math.log(max(float(np.median(np.abs(e))) ** 2 * 2, 1e-4)), math.log(0.1), math.log(0.1), math.log(0.01)]
    theta = _coordinate_descent(nll, start, bounds=[(-14.0, 2.0), (-14.0, 6.0), (-14.0, 4.0), (-14.0, 4.0)])
    s0_sq, b_v, b_d, b_q = terms(theta)
    s = np.sqrt(s0_sq + b_v * vv + b_d * dd**2 + b_q * qq**2)
    z = np.sort(e / s)
    return Calibration(
        float(wts[0]),
        float(wts[1]),
        float(wts[2]),
        float(s0_sq),
        float(b_v),
        float(b_d),
        float(b_q),
        v_none,
        q_none,
        z,
        n,
        calibrated=True,
    )


def _coordinate_descent(f, start: list[float], *, bounds: list[tuple[float, float]], sweeps: int = 6) -> np.ndarray:
    """Minimise ``f`` over a box by golden-section searches along each coordinate in turn."""
    x = np.array(start, dtype=float)
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(sweeps):
        for i, (lo, hi) in enumerate(bounds):

            def along(t, i=i):
                y = x.copy()
                y[i] = t
                return f(y)

            a, b = lo, hi
            c, d = b - ratio * (b - a), a + ratio * (b - a)
            fc, fd = along(c), along(d)
            for _ in range(40):
                if fc < fd:
                    b, d, fd = d, c, fc
                    c = b - ratio * (b - a)
                    fc = along(c)
                else:
                    a, c, fc = c, d, fd
                    d = a + ratio * (b - a)
                    fd = along(d)
            best = (a + b) / 2.0
            if along(best) < f(x):
                x[i] = best
    return x


__all__ = [
    "ENGINE_VERSION",
    "MODEL_PARAMS",
    "Calibration",
    "ComparableSale",
    "InsufficientData",
    "PeriodFit",
    "Valuation",
    "ValuationEngine",
    "ValuationOptions",
    "LINE_LABELS",
]
