"""Feature vectors shared by the market index, the adjustment rates and the model. Pure.

A *facts* mapping holds parallel float arrays for one or many homes: the optional facts of
:data:`properties.valuation.data.OPTIONAL_COLUMNS` (NaN when unknown) plus ``latitude``,
``longitude``, ``living_area`` (sq ft), ``day`` (day number of the sale or valuation date),
``sub_type``, ``area`` and ``region`` (int codes, -1 when unknown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .data import OPTIONAL_COLUMNS, SalesData, Subject, area_name, days_to_months, region_name

#: Mean month length in days (365.2425 / 12).
MONTH_DAYS = 30.436875
#: A fact takes part in regressions and the model when at least this share of sales knows it.
MIN_COVERAGE = 0.5

#: Adjustment lines in the order they are applied (appraisal grid order: market conditions,
#: location, then physical characteristics).
LINE_LABELS = {
    "time": "Market conditions (time)",
    "location": "Location",
    "size": "Living area",
    "bedrooms": "Bedrooms",
    "bathrooms": "Bathrooms",
    "age": "Age",
    "effective_age": "Effective age (renovation)",
    "lot": "Lot size",
    "waterfront": "Waterfront",
    "quality": "Quality grade",
    "property_type": "Property type",
}
#: Lines whose rates come from the hedonic regression, and the optional fact each needs.
HEDONIC_TERMS = {
    "size": None,
    "bedrooms": "bedrooms_total",
    "bathrooms": "bathrooms",
    "age": "year_built",
    "effective_age": "year_built_effective",
    "lot": "lot_size_square_feet",
    "waterfront": "waterfront",
    "quality": "building_grade",
}


def fractional_month(days: np.ndarray) -> np.ndarray:
    """Return a continuous month number for day numbers; mid-month days land on whole months."""
    return 1970 * 12 + (np.asarray(days, dtype=float) - 14.5) / MONTH_DAYS


def facts_of_rows(data: SalesData, rows: np.ndarray | slice) -> dict[str, np.ndarray]:
    """Return the facts of sales rows (their own close day as ``day``)."""
    out = {name: getattr(data, name)[rows] for name in OPTIONAL_COLUMNS}
    out["latitude"] = data.latitude[rows]
    out["longitude"] = data.longitude[rows]
    out["living_area"] = data.living_area[rows]
    out["day"] = data.close_day[rows].astype(float)
    out["sub_type"] = data.sub_type[rows]
    out["area"] = data.area[rows]
    out["region"] = data.region[rows]
    return out


def facts_of_subject(data: SalesData, subject: Subject, as_of_day: int) -> dict[str, np.ndarray]:
    """Return the facts of a subject as length-1 arrays, dated at the valuation day."""

    def f(value) -> np.ndarray:
        return np.array([math.nan if value is None else float(value)])

    waterfront = None if subject.waterfront_yn is None else (1.0 if subject.waterfront_yn else 0.0)
    return {
        "bedrooms_total": f(subject.bedrooms_total),
        "bathrooms": f(subject.bathrooms),
        "year_built": f(subject.year_built),
        "lot_size_square_feet": f(subject.lot_size_square_feet if subject.lot_size_square_feet else None),
        "waterfront": f(waterfront),
        "year_built_effective": f(subject.year_built_effective),
        "building_grade": f(subject.building_grade),
        "latitude": f(subject.latitude),
        "longitude": f(subject.longitude),
        "living_area": f(subject.living_area),
        "day": f(as_of_day),
        "sub_type": np.array([data.sub_type_code(subject.property_sub_type)]),
        "area": np.array([data.area_code(area_name(subject.postal_code, subject.latitude, subject.longitude))]),
        "region": np.array([data.region_code(region_name(subject.latitude, subject.longitude))]),
    }


@dataclass
class HedonicSpec:
    """Which hedonic terms a region's regression uses, and how missing facts are imputed.

    ``terms`` lists line names of :data:`HEDONIC_TERMS` that the data supports;
    ``medians`` holds the imputation value of each raw column; ``sub_types`` the sub-type
    codes that get a dummy (the most common one is the baseline).
    """

    terms: list[str]
    medians: dict[str, float]
    sub_types: list[int] = field(default_factory=list)

    @classmethod
    def from_facts(cls, facts: dict[str, np.ndarray]) -> HedonicSpec:
        """Choose terms by coverage (>= :data:`MIN_COVERAGE`) and variation in the given sales."""
        terms, medians = [], {}
        for term, column in HEDONIC_TERMS.items():
            if column is None:
                terms.append(term)
                continue
            values = facts[column]
            known = values[~np.isnan(values)]
            if len(values) and len(known) / len(values) >= MIN_COVERAGE and np.ptp(known) > 0:
                terms.append(term)
                medians[column] = float(np.median(known))
        codes, counts = np.unique(facts["sub_type"], return_counts=True)
        keep = [(int(c), n) for c, n in zip(codes, counts, strict=True) if c >= 0 and n >= 0.01 * len(facts["day"])]
        keep.sort(key=lambda cn: -cn[1])
        sub_types = [c for c, _ in keep[1:]] if len(keep) > 1 else []
        if sub_types:
            terms.append("property_type")
        return cls(terms=terms, medians=medians, sub_types=sub_types)

    def columns(self, facts: dict[str, np.ndarray], *, impute: bool = True) -> dict[str, np.ndarray]:
        """Return each term's design columns (n x k arrays) for the facts.

        With ``impute`` unknown facts take the region median; without, they stay NaN.
        """
        out: dict[str, np.ndarray] = {}
        n = len(facts["day"])

        def col(name: str) -> np.ndarray:
            values = facts[name]
            if impute and name in self.medians:
                values = np.where(np.isnan(values), self.medians[name], values)
            return values

        for term in self.terms:
            if term == "size":
                out[term] = np.log(facts["living_area"])[:, None]
            elif term == "bedrooms":
                out[term] = np.minimum(col("bedrooms_total"), 8.0)[:, None]
            elif term == "bathrooms":
                out[term] = np.minimum(col("bathrooms"), 6.0)[:, None]
            elif term == "age":
                year = 1970 + facts["day"] / 365.2425
                age = np.clip(year - col("year_built"), 0.0, 150.0) / 100.0
                out[term] = np.column_stack([age, age**2])
            elif term == "effective_age":
                year = 1970 + facts["day"] / 365.2425
                out[term] = (np.clip(year - col("year_built_effective"), 0.0, 150.0) / 100.0)[:, None]
            elif term == "lot":
                out[term] = np.log(np.maximum(col("lot_size_square_feet"), 100.0))[:, None]
            elif term == "waterfront":
                out[term] = col("waterfront")[:, None]
            elif term == "quality":
                out[term] = col("building_grade")[:, None]
            elif term == "property_type":
                st = facts["sub_type"]
                out[term] = (
                    np.column_stack([(st == c).astype(float) for c in self.sub_types])
                    if self.sub_types
                    else np.zeros((n, 0))
                )
        return out

    def matrix(self, facts: dict[str, np.ndarray]) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
        """Return the imputed design matrix and ``(term, first column, end column)`` slices."""
        cols = self.columns(facts, impute=True)
        blocks, slices, start = [], [], 0
        for term in self.terms:
            block = cols[term]
            blocks.append(block)
            slices.append((term, start, start + block.shape[1]))
            start += block.shape[1]
        n = len(facts["day"])
        return (np.column_stack(blocks) if blocks else np.zeros((n, 0))), slices


#: Columns of the gradient-boosting model, in order.
MODEL_COLUMNS = (
    "latitude",
    "longitude",
    "diag_ne",
    "diag_nw",
    "log_living_area",
    "bedrooms_total",
    "bathrooms",
    "year_built",
    "log_lot",
    "year_built_effective",
    "building_grade",
    "waterfront",
    "sub_type",
    "months_before_cutoff",
)


def model_matrix(facts: dict[str, np.ndarray], cutoff_month: int, *, at_cutoff: bool = False) -> np.ndarray:
    """Return the model's feature matrix (n x len(MODEL_COLUMNS)); NaN marks unknown facts.

    ``months_before_cutoff`` is how many months the sale preceded the fit's cutoff month
    (0 for valuations: ``at_cutoff=True`` prices everything at the newest market level).
    """
    lat, lon = facts["latitude"], facts["longitude"]
    # Rotated axes (in latitude-degree units) let axis-aligned tree splits follow diagonal features.
    kx = np.cos(np.radians(lat))
    n = len(lat)
    months = np.zeros(n) if at_cutoff else (cutoff_month - days_to_months(facts["day"].astype(np.int64))).astype(float)
    sub_type = facts["sub_type"].astype(float)
    sub_type[sub_type < 0] = np.nan
    lot = facts["lot_size_square_feet"]
    return np.column_stack(
        [
            lat,
            lon,
            lat + lon * kx,
            lat - lon * kx,
            np.log(facts["living_area"]),
            facts["bedrooms_total"],
            facts["bathrooms"],
            facts["year_built"],
            np.log(np.where(lot > 0, lot, np.nan)),
            facts["year_built_effective"],
            facts["building_grade"],
            facts["waterfront"],
            sub_type,
            months,
        ]
    )
