"""Comparable adjustments: log-scale rates from the hedonic regression, itemised in USD. Pure.

Each line is a log-price difference ``beta_k * (x_k(subject) - x_k(comp))`` with ``beta_k`` the
region's hedonic coefficient (:mod:`properties.valuation.index`), so rates are derived from
the prior sales, not set by hand; the time line is the change of the comp's area index between
its close date and the valuation date; the location line is the model's price difference
between the subject's and the comp's location (same facts). Lines are applied in grid order
(:data:`properties.valuation.features.LINE_LABELS`), each on the running adjusted price, so the
USD lines add up exactly to the net adjustment (the multiplicative "sequential adjustment" of
the sales comparison approach; Appraisal Institute, *The Appraisal of Real Estate*, 15th ed.,
ch. 19). Net adjustment % = sum of lines / close price; gross % = sum of |lines| / close price.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from .features import LINE_LABELS
from .index import RegionIndex

HEDONIC_LINES = (
    "size",
    "bedrooms",
    "bathrooms",
    "age",
    "effective_age",
    "lot",
    "waterfront",
    "quality",
    "property_type",
)


@dataclass(frozen=True)
class AdjustmentLine:
    """One adjustment of a comp: ``amount`` in USD (positive when the subject is superior)."""

    line: str
    label: str
    amount: float
    overridden: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def hedonic_log_lines(
    region: RegionIndex, subject: Mapping[str, np.ndarray], comps: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Return each hedonic line's log adjustment for every comp (arrays of len(comps)).

    Both sides must be dated at the valuation day (ages are compared at that date). A line is
    0 when the subject's or the comp's fact is unknown, or when the region's data lacks the fact.
    """
    spec = region.spec
    s_cols = spec.columns(subject, impute=False)
    c_cols = spec.columns(comps, impute=False)
    n = len(comps["day"])
    out = {}
    for term in spec.terms:
        diff = s_cols[term] - c_cols[term]
        if term == "property_type":
            unknown = (comps["sub_type"] < 0) | (subject["sub_type"][0] < 0)
            diff = np.where(unknown[:, None], 0.0, diff)
        value = diff @ region.beta[term] if diff.shape[1] else np.zeros(n)
        out[term] = np.where(np.isnan(value), 0.0, value)
    return out


def itemise(
    close_price: float, log_lines: Mapping[str, float], overrides: Mapping[str, float] | None = None
) -> tuple[list[AdjustmentLine], float]:
    """Turn log adjustments into USD lines applied sequentially; return (lines, adjusted price USD).

    ``overrides`` maps a line to a USD amount that replaces the computed one.
    Raises ``ValueError`` when overrides would bring the adjusted price to zero or below.
    """
    overrides = overrides or {}
    running = float(close_price)
    lines = []
    for line, label in LINE_LABELS.items():
        if line in overrides:
            amount = float(overrides[line])
            lines.append(AdjustmentLine(line, label, round(amount, 2), True))
            running += amount
            if running <= 0:
                raise ValueError(f"adjustment override on {line} leaves a non-positive adjusted price")
            continue
        value = float(log_lines.get(line, 0.0))
        if value == 0.0 and line not in log_lines:
            continue
        new = running * math.exp(value)
        lines.append(AdjustmentLine(line, label, round(new - running, 2)))
        running = new
    return lines, running


def net_gross_pct(close_price: float, lines: list[AdjustmentLine]) -> tuple[float, float]:
    """Return (net %, gross %) of adjustment lines relative to the comp's close price."""
    net = sum(line.amount for line in lines)
    gross = sum(abs(line.amount) for line in lines)
    return 100.0 * net / close_price, 100.0 * gross / close_price
