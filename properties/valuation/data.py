"""Columnar storage of closed sales and the subject being valued. Pure: no ORM imports.

Records are dicts keyed by snake_case RESO names, as :func:`properties.kc_data.read_seattle_sales`
and ``properties.selectors.closed_sales_records`` yield them. Money is USD, areas are square
feet, dates are ``datetime.date`` (a close date carries no time of day, so no time zone).
Internally a date is a day number (days since 1970-01-01) and a month is ``year * 12 + month - 1``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)

#: Fallback area when a sale has no postal code: a grid cell of this many degrees (~3.5 x 2.3 mi
#: at 47°N), about the size of an urban ZIP code.
AREA_GRID_DEGREES = 0.05
#: A region (one market index family and one set of adjustment rates) is a 1°x1° cell.
REGION_GRID_DEGREES = 1.0

#: Optional facts; the engine uses each one only where the sales data carries it.
OPTIONAL_COLUMNS = (
    "bedrooms_total",
    "bathrooms",
    "year_built",
    "lot_size_square_feet",
    "waterfront",
    "year_built_effective",
    "building_grade",
)
#: Every column of the store, in order: the required ones, then the optional facts.
COLUMNS = (
    "listing_key",
    "parcel_number",
    "postal_code",
    "sub_type_raw",
    "close_day",
    "close_price",
    "latitude",
    "longitude",
    "living_area",
    *OPTIONAL_COLUMNS,
)


def day_number(value: date) -> int:
    """Return days since 1970-01-01 for a date."""
    return (value - EPOCH).days


def date_from_day(day: int) -> date:
    """Return the date of a day number (inverse of :func:`day_number`)."""
    return EPOCH + timedelta(days=int(day))


def month_number(value: date) -> int:
    """Return ``year * 12 + month - 1`` for a date (consecutive months differ by one)."""
    return value.year * 12 + value.month - 1


def month_start(month: int) -> date:
    """Return the first day of a month number (inverse of :func:`month_number`)."""
    return date(month // 12, month % 12 + 1, 1)


def days_to_months(days: np.ndarray) -> np.ndarray:
    """Vectorised month number of day numbers (int array in, int array out)."""
    as_dates = (np.asarray(days, dtype="int64")).astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]").astype("int64")  # months since 1970-01
    return months + 1970 * 12


def bathrooms_decimal(
    *,
    full: float | None = 0,
    three_quarter: float | None = 0,
    half: float | None = 0,
    one_quarter: float | None = 0,
) -> float:
    """Return a decimal bathroom count from RESO counts.

    ``full + 0.75 * three_quarter + 0.5 * half + 0.25 * one_quarter`` (the assessor
    convention: a three-quarter bath has a shower but no tub, a half bath a toilet and sink,
    a quarter bath one fixture). ``None`` counts as zero. Raises ``ValueError`` on a negative count.
    """
    counts = {"full": full, "three_quarter": three_quarter, "half": half, "one_quarter": one_quarter}
    for name, count in counts.items():
        if count is not None and float(count) < 0:
            raise ValueError(f"bathroom count {name} must not be negative, got {count}")
    return float(full or 0) + 0.75 * float(three_quarter or 0) + 0.5 * float(half or 0) + 0.25 * float(one_quarter or 0)


def record_bathrooms(record: Mapping) -> float | None:
    """Return a record's decimal bathroom count, or ``None`` when it has no bathroom facts.

    Uses ``bathrooms`` when present (already decimal), else the RESO counts
    (``bathrooms_full``, ``bathrooms_three_quarter``, ``bathrooms_half``,
    ``bathrooms_one_quarter``) via :func:`bathrooms_decimal`, else
    ``bathrooms_total_integer`` as a rough count.
    """
    if record.get("bathrooms") is not None:
        return float(record["bathrooms"])
    keys = ("bathrooms_full", "bathrooms_three_quarter", "bathrooms_half", "bathrooms_one_quarter")
    if any(record.get(k) is not None for k in keys):
        return bathrooms_decimal(
            full=record.get("bathrooms_full"),
            three_quarter=record.get("bathrooms_three_quarter"),
            half=record.get("bathrooms_half"),
            one_quarter=record.get("bathrooms_one_quarter"),
        )
    if record.get("bathrooms_total_integer") is not None:
        return float(record["bathrooms_total_integer"])
    return None


def _num(value) -> float:
    """Return a float, NaN for a missing or unparseable value."""
    if value is None or value == "":
        return math.nan
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def _yes_no(value) -> float:
    """Return 1.0/0.0 for a boolean-ish value, NaN when unknown."""
    if value is None or value == "":
        return math.nan
    if isinstance(value, str):
        low = value.strip().lower()
        if low in {"true", "t", "yes", "y", "1"}:
            return 1.0
        if low in {"false", "f", "no", "n", "0"}:
            return 0.0
        return math.nan
    return 1.0 if bool(value) else 0.0


def _clean_postal_code(value) -> str:
    """Return the 5-digit ZIP of a postal code (``"98105-1234"`` -> ``"98105"``), ``""`` if none."""
    if value is None:
        return ""
    text = str(value).strip()
    return text[:5] if len(text) >= 5 and text[:5].isdigit() else ""


def grid_area_name(latitude: float, longitude: float) -> str:
    """Return the fallback area name (a ``AREA_GRID_DEGREES`` cell) of a point."""
    return f"grid:{math.floor(latitude / AREA_GRID_DEGREES)}:{math.floor(longitude / AREA_GRID_DEGREES)}"


def region_name(latitude: float, longitude: float) -> str:
    """Return the region (``REGION_GRID_DEGREES`` cell) of a point."""
    return f"{math.floor(latitude / REGION_GRID_DEGREES)}:{math.floor(longitude / REGION_GRID_DEGREES)}"


def area_name(postal_code: str | None, latitude: float, longitude: float) -> str:
    """Return the market-index area of a point: its ZIP code when known, else a grid cell."""
    zip5 = _clean_postal_code(postal_code)
    return f"zip:{zip5}" if zip5 else grid_area_name(latitude, longitude)


@dataclass(frozen=True)
class Subject:
    """The home being valued.

    Required: ``latitude``/``longitude`` (degrees) and ``living_area`` (sq ft, > 0).
    Optional facts improve the estimate when given: ``bedrooms_total``, ``bathrooms``
    (decimal count, see :func:`bathrooms_decimal`), ``year_built``, ``lot_size_square_feet``,
    ``property_sub_type`` (RESO, e.g. "SingleFamilyResidence", "Townhouse"),
    ``waterfront_yn``, ``year_built_effective``, ``building_grade`` (a quality grade, higher is
    better), ``postal_code``. ``parcel_number`` and ``listing_key`` identify the subject so that
    its own sale is never used as a comparable. Raises ``ValueError`` on invalid values.
    """

    latitude: float
    longitude: float
    living_area: float
    bedrooms_total: int | None = None
    bathrooms: float | None = None
    year_built: int | None = None
    lot_size_square_feet: float | None = None
    property_sub_type: str | None = None
    parcel_number: str | None = None
    listing_key: str | None = None
    waterfront_yn: bool | None = None
    year_built_effective: int | None = None
    building_grade: float | None = None
    postal_code: str | None = None

    def __post_init__(self) -> None:
        if not (-90.0 <= float(self.latitude) <= 90.0):
            raise ValueError(f"latitude must be within -90..90 degrees, got {self.latitude}")
        if not (-180.0 <= float(self.longitude) <= 180.0):
            raise ValueError(f"longitude must be within -180..180 degrees, got {self.longitude}")
        if not (float(self.living_area) > 0):
            raise ValueError(f"living_area must be a positive number of sq ft, got {self.living_area}")
        for name in ("bedrooms_total", "bathrooms", "lot_size_square_feet", "building_grade"):
            value = getattr(self, name)
            if value is not None and float(value) < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        for name in ("year_built", "year_built_effective"):
            value = getattr(self, name)
            if value is not None and not (1600 <= int(value) <= 2200):
                raise ValueError(f"{name} must be a calendar year, got {value}")

    @classmethod
    def from_record(cls, record: Mapping) -> Subject:
        """Build a subject from a RESO-named record (the shape kc_data and the selectors yield).

        Missing or blank optional values become ``None``. Raises ``ValueError`` as the
        constructor does, or when latitude, longitude or living_area is missing.
        """
        for key in ("latitude", "longitude", "living_area"):
            if record.get(key) is None:
                raise ValueError(f"{key} is required to value a home")

        def opt(key, kind=float):
            value = record.get(key)
            if value is None or value == "":
                return None
            return kind(value)

        lot = opt("lot_size_square_feet")
        return cls(
            latitude=float(record["latitude"]),
            longitude=float(record["longitude"]),
            living_area=float(record["living_area"]),
            bedrooms_total=opt("bedrooms_total", int),
            bathrooms=record_bathrooms(record),
            year_built=opt("year_built", int),
            lot_size_square_feet=lot if lot else None,
            property_sub_type=record.get("property_sub_type") or None,
            parcel_number=record.get("parcel_number") or None,
            listing_key=record.get("listing_key") or None,
            waterfront_yn=None if record.get("waterfront_yn") is None else bool(record.get("waterfront_yn")),
            year_built_effective=opt("year_built_effective", int),
            building_grade=opt("building_grade"),
            postal_code=_clean_postal_code(record.get("postal_code")) or None,
        )

    def to_dict(self) -> dict:
        """Return the subject as a JSON-friendly dict."""
        return asdict(self)


class SalesData:
    """Closed sales as parallel numpy columns, sorted by close date (then listing key).

    Numeric columns are float64 with NaN for unknown values: ``close_price`` (USD),
    ``latitude``/``longitude`` (degrees), ``living_area`` and ``lot_size_square_feet`` (sq ft),
    ``bedrooms_total``, ``bathrooms`` (decimal), ``year_built``, ``year_built_effective``,
    ``building_grade``, ``waterfront`` (1/0). ``close_day`` and ``close_month`` are int64 day and
    month numbers. ``listing_key``, ``parcel_number`` and ``postal_code`` are object arrays of
    str (``""`` when unknown); ``sub_type``, ``area`` and ``region`` are int codes into
    ``sub_type_names``, ``area_names`` and ``region_names``.
    """

    def __init__(self, columns: dict[str, np.ndarray], *, skipped: int = 0) -> None:
        order = np.lexsort((columns["listing_key"], columns["close_day"]))
        for name, values in columns.items():
            setattr(self, name, values[order])
        self.skipped = skipped
        self.close_month = days_to_months(self.close_day)
        self.sub_type_names, self.sub_type = np.unique(self.sub_type_raw, return_inverse=True)
        names = [
            area_name(pc, la, lo) for pc, la, lo in zip(self.postal_code, self.latitude, self.longitude, strict=True)
        ]
        self.area_names, self.area = np.unique(np.array(names, dtype=object), return_inverse=True)
        regions = [region_name(la, lo) for la, lo in zip(self.latitude, self.longitude, strict=True)]
        self.region_names, self.region = np.unique(np.array(regions, dtype=object), return_inverse=True)
        self._area_code = {name: i for i, name in enumerate(self.area_names)}
        self._region_code = {name: i for i, name in enumerate(self.region_names)}
        self._sub_type_code = {name: i for i, name in enumerate(self.sub_type_names)}
        # Spatial lookup: row numbers sorted by latitude, for band queries.
        self.lat_order = np.argsort(self.latitude, kind="stable")
        self.lat_sorted = self.latitude[self.lat_order]
        self._by_listing_key = {key: i for i, key in enumerate(self.listing_key) if key}
        by_parcel: dict[str, list[int]] = {}
        for i, parcel in enumerate(self.parcel_number):
            if parcel:
                by_parcel.setdefault(parcel, []).append(i)
        self._by_parcel = {k: np.array(v, dtype=np.int64) for k, v in by_parcel.items()}
        self.log_price = np.log(self.close_price)

    # ----------------------------------------------------------------- building
    @classmethod
    def from_records(cls, records: Iterable[Mapping]) -> SalesData:
        """Build the store from RESO-named sale records.

        Keeps a record when it is Closed (``standard_status`` absent or "Closed") and has a
        positive ``close_price``, a ``close_date``, ``latitude``/``longitude`` and a positive
        ``living_area``; the others are counted in ``skipped``. Optional keys may be absent or
        ``None``. Raises ``ValueError`` when no record is usable.
        """
        cols: dict[str, list] = {k: [] for k in COLUMNS}
        skipped = 0
        for rec in records:
            status = rec.get("standard_status")
            price = _num(rec.get("close_price"))
            close = rec.get("close_date")
            lat, lon, area = _num(rec.get("latitude")), _num(rec.get("longitude")), _num(rec.get("living_area"))
            if (
                (status not in (None, "", "Closed"))
                or not price > 0
                or close is None
                or math.isnan(lat)
                or math.isnan(lon)
                or not area > 0
            ):
                skipped += 1
                continue
            if isinstance(close, str):
                close = date.fromisoformat(close[:10])
            elif hasattr(close, "date") and callable(close.date):  # a datetime
                close = close.date()
            lot = _num(rec.get("lot_size_square_feet"))
            baths = record_bathrooms(rec)
            cols["listing_key"].append(str(rec.get("listing_key") or ""))
            cols["parcel_number"].append(str(rec.get("parcel_number") or ""))
            cols["postal_code"].append(_clean_postal_code(rec.get("postal_code")))
            cols["sub_type_raw"].append(str(rec.get("property_sub_type") or ""))
            cols["close_day"].append(day_number(close))
            cols["close_price"].append(price)
            cols["latitude"].append(lat)
            cols["longitude"].append(lon)
            cols["living_area"].append(area)
            cols["bedrooms_total"].append(_num(rec.get("bedrooms_total")))
            cols["bathrooms"].append(math.nan if baths is None else baths)
            cols["year_built"].append(_num(rec.get("year_built")))
            cols["year_built_effective"].append(_num(rec.get("year_built_effective")))
            cols["lot_size_square_feet"].append(lot if lot > 0 else math.nan)
            cols["waterfront"].append(_yes_no(rec.get("waterfront_yn")))
            cols["building_grade"].append(_num(rec.get("building_grade")))
        if not cols["close_day"]:
            raise ValueError(f"no usable closed sales among the records ({skipped} skipped)")
        arrays: dict[str, np.ndarray] = {}
        for name, values in cols.items():
            if name in ("listing_key", "parcel_number", "postal_code", "sub_type_raw"):
                arrays[name] = np.array(values, dtype=object)
            elif name == "close_day":
                arrays[name] = np.array(values, dtype=np.int64)
            else:
                arrays[name] = np.array(values, dtype=np.float64)
        return cls(arrays, skipped=skipped)

    def without_columns(self, *names: str) -> SalesData:
        """Return a copy with the named optional facts (or ``postal_code``) made unknown.

        For testing graceful degradation: a market whose feed lacks those fields.
        Raises ``ValueError`` for a column that cannot be dropped.
        """
        allowed = set(OPTIONAL_COLUMNS) | {"postal_code", "parcel_number", "sub_type_raw"}
        cols = {}
        for name in COLUMNS:
            cols[name] = getattr(self, name).copy()
        for name in names:
            if name not in allowed:
                raise ValueError(f"cannot drop column {name!r}; droppable: {sorted(allowed)}")
            if cols[name].dtype == object:
                cols[name] = np.full(len(self), "", dtype=object)
            else:
                cols[name] = np.full(len(self), np.nan)
        return SalesData(cols, skipped=self.skipped)

    def subset(self, rows: np.ndarray) -> SalesData:
        """Return a new store holding only the given rows (indices or a boolean mask)."""
        cols = {}
        for name in COLUMNS:
            cols[name] = getattr(self, name)[rows]
        return SalesData(cols, skipped=self.skipped)

    # ----------------------------------------------------------------- lookups
    def __len__(self) -> int:
        return len(self.close_day)

    def rows_before(self, day: int) -> int:
        """Return how many sales closed strictly before a day number (they are rows ``[0, n)``)."""
        return int(np.searchsorted(self.close_day, day, side="left"))

    def last_fit_month(self, before_day: int, month: int) -> int:
        """Return ``month``, or the month after the newest sale closed before ``before_day`` when
        that is earlier: later months add no sale, so fits and indexes stop there (a date years
        past the data must not size a regression by every empty month in between).
        """
        n = self.rows_before(before_day)
        return month if n == 0 else min(month, int(self.close_month[n - 1]) + 1)

    def last_fit_day(self, before_day: int) -> int:
        """Return ``before_day``, or the first day of :meth:`last_fit_month` when that is earlier."""
        month = month_number(date_from_day(before_day))
        fit_month = self.last_fit_month(before_day, month)
        return before_day if fit_month == month else day_number(month_start(fit_month))

    def coverage(self, column: str, end: int | None = None) -> float:
        """Return the share (0..1) of the first ``end`` rows that know ``column``."""
        values = getattr(self, column)[:end]
        if len(values) == 0:
            return 0.0
        if values.dtype == object:
            return float(np.mean(values != ""))
        return float(np.mean(~np.isnan(values)))

    def area_code(self, name: str) -> int:
        """Return the code of an area name, -1 when no sale lies in it."""
        return self._area_code.get(name, -1)

    def region_code(self, name: str) -> int:
        """Return the code of a region name, -1 when no sale lies in it."""
        return self._region_code.get(name, -1)

    def sub_type_code(self, name: str | None) -> int:
        """Return the code of a property sub-type, -1 when unknown."""
        return self._sub_type_code.get(name or "", -1)

    def row_of_listing(self, listing_key: str | None) -> int:
        """Return the row of a listing key, -1 when absent."""
        return self._by_listing_key.get(listing_key, -1) if listing_key else -1

    def rows_of_parcel(self, parcel_number: str | None) -> np.ndarray:
        """Return the rows (oldest first) of a parcel's sales; empty when unknown."""
        if not parcel_number:
            return np.empty(0, dtype=np.int64)
        return self._by_parcel.get(parcel_number, np.empty(0, dtype=np.int64))

    def rows_within(self, latitude: float, longitude: float, radius_miles: float) -> np.ndarray:
        """Return rows whose latitude lies within ``radius_miles`` of a point (a band, unsorted).

        A superset of the disc: callers filter by haversine distance. One degree of
        latitude is ~69.05 miles.
        """
        dlat = radius_miles / 69.0
        lo = np.searchsorted(self.lat_sorted, latitude - dlat, side="left")
        hi = np.searchsorted(self.lat_sorted, latitude + dlat, side="right")
        return self.lat_order[lo:hi]
