"""Import listings from RESO-shaped rows (CSV with RESO Data Dictionary headers, or dicts).

Headers are RESO names in PascalCase (``ListingKey``, ``ListPrice``, ``WaterfrontYN``…)
or their snake_case. Rows are upserted on ``ListingKey``: new keys are created,
changed rows updated (with price/status history), identical rows left alone, so a
re-run changes nothing. Every bad row is reported with its line number and reason,
and a batch with any bad row writes nothing.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from realtor.models import Agent, Office

from .geo import nearest_zips
from .hooks import is_market_event
from .models import Listing, ListingHistory, StandardStatus

#: Model fields an import may set, by snake_case RESO name.
_NOT_IMPORTED = {"id", "created_at", "updated_at", "list_agent", "list_office", "ai_description", "ai_description_call"}
IMPORT_FIELDS: dict[str, models.Field] = {
    f.name: f for f in Listing._meta.concrete_fields if f.name not in _NOT_IMPORTED
}
#: Related keys accepted by RESO name.
KEY_FIELDS = {"list_agent_key": "list_agent", "list_office_key": "list_office"}
#: Fields compared to decide whether an existing row changed.
_COMPARED = [n for n in IMPORT_FIELDS if n not in ("listing_key", "modification_timestamp", "data_source")] + [
    "list_agent_id",
    "list_office_id",
]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@lru_cache(maxsize=512)
def header_to_field(header: str) -> str:
    """Map a RESO header to its snake_case name: ``BathroomsTotalInteger`` → ``bathrooms_total_integer``.

    ``WaterfrontYN`` → ``waterfront_yn``; snake_case headers pass through.
    """
    header = header.strip().replace("YN", "Yn")
    return _CAMEL.sub("_", header).lower()


def field_to_header(name: str) -> str:
    """The RESO PascalCase header of a snake_case field (inverse of :func:`header_to_field`)."""
    return "".join("YN" if part == "yn" else part.capitalize() for part in name.split("_"))


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {field_to_header(self.field)}" if self.field else ""
        return f"line {self.line}:{where} {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_batches: int = 0
    rows_not_written: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    #: Keys of listings on or off the market (not Closed) that were created or changed:
    #: their valuation and deal score need refreshing (``cma_services.record_listing_facts_changed``).
    refresh_keys: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_value(name: str, raw: str):
    """Parse one cell for model field ``name``; raises ValueError with a readable reason."""
    model_field = IMPORT_FIELDS[name]
    raw = raw.strip()
    if raw == "":
        if isinstance(model_field, models.CharField | models.TextField):
            return ""
        if model_field.null:
            return None
        if model_field.has_default():
            return model_field.get_default()
        raise ValueError("is required")
    if isinstance(model_field, models.BooleanField):
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise ValueError(f"{raw!r} is not true/false")
    if isinstance(model_field, models.DecimalField):
        try:
            value = Decimal(raw.replace(",", "").replace("$", ""))
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
        if not value.is_finite():
            raise ValueError(f"{raw!r} is not a number")
        return value
    if isinstance(model_field, models.DateTimeField):
        try:
            value = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{raw!r} is not an ISO 8601 date-time") from None
        return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)
    if isinstance(model_field, models.DateField):
        try:
            return datetime.date.fromisoformat(raw[:10])
        except ValueError:
            raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)") from None
    if isinstance(model_field, models.IntegerField):
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
        if not number.is_integer():
            raise ValueError(f"{raw!r} is not a whole number")
        return int(number)
    if isinstance(model_field, models.FloatField):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
    return raw


def _check_row(values: dict, line: int) -> list[RowError]:
    """Business rules for one listing row (the model's constraints, with readable reasons)."""
    errors = []

    def err(name, message):
        errors.append(RowError(line, name, message))

    if not values.get("listing_key"):
        err("listing_key", "is required")
    status = values.get("standard_status")
    if not status:
        err("standard_status", "is required")
    elif status not in StandardStatus.values:
        err("standard_status", f"{status!r} is not a RESO StandardStatus")
    for name in ("property_type", "property_sub_type"):
        value = values.get(name)
        choices = IMPORT_FIELDS[name].choices
        if value and choices and value not in {c[0] for c in choices}:
            err(name, f"{value!r} is not a RESO {field_to_header(name)} value")
    for name in ("list_price", "original_list_price", "close_price"):
        if values.get(name) is not None and values[name] < 0:
            err(name, "must not be negative")
        if values.get(name) is not None and values[name] >= Decimal("1e12"):
            err(name, "is too large")
    for name, model_field in IMPORT_FIELDS.items():
        if isinstance(model_field, models.PositiveIntegerField | models.PositiveSmallIntegerField):
            value = values.get(name)
            if value is not None and value < 0:
                err(name, "must not be negative")
            elif value is not None and value > (
                32767 if isinstance(model_field, models.PositiveSmallIntegerField) else 2**31 - 1
            ):
                err(name, "is too large")
        if isinstance(model_field, models.CharField) and len(values.get(name) or "") > model_field.max_length:
            err(name, f"is longer than {model_field.max_length} characters")
    if status == StandardStatus.CLOSED:
        if values.get("close_price") is None:
            err("close_price", "is required for a Closed listing")
        if values.get("close_date") is None:
            err("close_date", "is required for a Closed listing")
    lat, lon = values.get("latitude"), values.get("longitude")
    if lat is not None and not -90 <= lat <= 90:
        err("latitude", "must be between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        err("longitude", "must be between -180 and 180")
    if (lat is None) != (lon is None):
        err("latitude" if lat is None else "longitude", "latitude and longitude go together")
    year = values.get("year_built")
    if year is not None and not 1600 <= year <= 2200:
        err("year_built", "must be a year between 1600 and 2200")
    if values.get("close_date") and values["close_date"] > timezone.localdate() + datetime.timedelta(days=366):
        err("close_date", "is more than a year in the future")
    return errors


def parse_row(raw: dict[str, str], line: int) -> tuple[dict, list[RowError]]:
    """Turn one CSV row (RESO header → text) into typed field values and errors."""
    values: dict = {}
    errors: list[RowError] = []
    for header, cell in raw.items():
        if header is None:
            errors.append(RowError(line, "", "has more cells than the header"))
            continue
        name = header_to_field(header)
        if name in KEY_FIELDS:
            values[name] = (cell or "").strip()
            continue
        if name not in IMPORT_FIELDS:
            continue
        try:
            values[name] = _parse_value(name, cell or "")
        except ValueError as exc:
            errors.append(RowError(line, name, str(exc)))
    failed = {e.field for e in errors}
    errors.extend(e for e in _check_row(values, line) if e.field not in failed)
    return values, errors


def read_reso_csv(path: Path | str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Open a RESO CSV; return its headers and an iterator of ``(line number, row)``.

    Line numbers count the header as line 1, as a spreadsheet shows them.
    Raises ``ValueError`` when the file has no header or no ``ListingKey`` column.
    """
    fh = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed when the iterator ends
    reader = csv.DictReader(fh)
    headers = reader.fieldnames or []
    if not headers:
        fh.close()
        raise ValueError("the file is empty or has no header row")
    if "listing_key" not in {header_to_field(h) for h in headers}:
        fh.close()
        raise ValueError("the header has no ListingKey column")

    def rows():
        with fh:
            for row in reader:
                yield reader.line_num, row

    return list(headers), rows()


def ignored_headers(headers: Iterable[str]) -> list[str]:
    """Headers that match no listing field (reported, not imported)."""
    return [h for h in headers if header_to_field(h) not in IMPORT_FIELDS and header_to_field(h) not in KEY_FIELDS]


def _resolve_keys(batch: list[tuple[int, dict]], errors: list[RowError]) -> None:
    agent_keys = {v["list_agent_key"] for _, v in batch if v.get("list_agent_key")}
    office_keys = {v["list_office_key"] for _, v in batch if v.get("list_office_key")}
    agents = dict(Agent.objects.filter(member_key__in=agent_keys).values_list("member_key", "pk")) if agent_keys else {}
    offices = (
        dict(Office.objects.filter(office_key__in=office_keys).values_list("office_key", "pk")) if office_keys else {}
    )
    for line, values in batch:
        for key_name, target, known in (
            ("list_agent_key", "list_agent_id", agents),
            ("list_office_key", "list_office_id", offices),
        ):
            key = values.pop(key_name, None)
            if key is None:
                continue
            if key and key not in known:
                errors.append(RowError(line, key_name, f"{key!r} matches no {key_name.split('_')[1]}"))
            values[target] = known.get(key) if key else None


def _fill_places(batch: list[tuple[int, dict]]) -> None:
    """Fill a missing ZIP code and city from coordinates (nearest ZIP centroid, offline)."""
    by_state: dict[str, list[dict]] = {}
    for _, v in batch:
        if not v.get("postal_code") and v.get("latitude") is not None:
            by_state.setdefault(v.get("state_or_province") or "", []).append(v)
    for state, missing in by_state.items():
        lats, lons = np.array([v["latitude"] for v in missing]), np.array([v["longitude"] for v in missing])
        # A known state narrows the search to its ZIPs (and keeps a point near a border in its state).
        try:
            places = nearest_zips(lats, lons, state=state or None)
        except ValueError:
            places = nearest_zips(lats, lons)
        _apply_places(missing, places)


def _apply_places(missing: list[dict], places) -> None:
    for values, place in zip(missing, places, strict=True):
        values["postal_code"] = place.postal_code
        values.setdefault("city", "")
        values["city"] = values["city"] or place.city
        values["state_or_province"] = values.get("state_or_province") or place.state_or_province
        values["county_or_parish"] = values.get("county_or_parish") or place.county


#: ``on_change(listing_id, previous_list_price, previous_status)``: see :func:`import_rows`.
ListingChangeHook = Callable[[int, Decimal | None, str | None], None]


def _market_event(current: Listing | None, values: dict) -> bool:
    """Whether writing ``values`` over ``current`` (None: a new listing) is a market event (``properties.hooks``)."""
    return is_market_event(
        previous_status=current.standard_status if current else None,
        previous_list_price=current.list_price if current else None,
        status=values.get("standard_status", current.standard_status if current else None),
        list_price=values.get("list_price", current.list_price if current else None),
    )


def _write_batch(
    batch: list[tuple[int, dict]], *, data_source: str, report: ImportReport, on_change: ListingChangeHook | None = None
) -> None:
    now = timezone.now()
    # (listing, previous list price, previous status) of each market event, reported after commit.
    events: list[tuple[Listing, Decimal | None, str | None]] = []
    keys = [v["listing_key"] for _, v in batch]
    existing = Listing.objects.in_bulk(keys, field_name="listing_key")
    to_create: list[Listing] = []
    to_update: list[Listing] = []
    history: list[ListingHistory] = []
    update_fields: set[str] = set()
    for _, values in batch:
        current = existing.get(values["listing_key"])
        if current is None:
            listing = Listing(**values)
            listing.data_source = values.get("data_source") or data_source
            if "modification_timestamp" not in values:
                listing.modification_timestamp = now
            to_create.append(listing)
            if on_change is not None and _market_event(None, values):
                events.append((listing, None, None))
            continue
        changed = [n for n in _COMPARED if n in values and getattr(current, n) != values[n]]
        if not changed:
            report.unchanged += 1
            continue
        for name in ("list_price", "standard_status"):
            if name in changed:
                history.append(
                    ListingHistory(
                        listing=current,
                        event=ListingHistory.Event.PRICE if name == "list_price" else ListingHistory.Event.STATUS,
                        at=values.get("modification_timestamp") or now,
                        previous_value=str(getattr(current, name) or ""),
                        new_value=str(values[name] or ""),
                    )
                )
        if on_change is not None and _market_event(current, values):
            events.append((current, current.list_price, current.standard_status))
        for name in changed:
            setattr(current, name, values[name])
        current.modification_timestamp = values.get("modification_timestamp") or now
        update_fields.update(changed)
        to_update.append(current)
    with transaction.atomic():
        Listing.objects.bulk_create(to_create, batch_size=2000)
        if to_update:
            Listing.objects.bulk_update(to_update, sorted(update_fields | {"modification_timestamp"}), batch_size=1000)
        ListingHistory.objects.bulk_create(history, batch_size=2000)
    report.created += len(to_create)
    report.updated += len(to_update)
    report.refresh_keys.extend(
        listing.listing_key for listing in (*to_create, *to_update) if listing.standard_status != StandardStatus.CLOSED
    )
    if events:
        _report_events(events, on_change)


def _report_events(events: list[tuple[Listing, Decimal | None, str | None]], on_change: ListingChangeHook) -> None:
    """Call ``on_change`` once per market event, with ids read back where the database did not return them."""
    missing = [listing.listing_key for listing, _, _ in events if listing.pk is None]
    ids = dict(Listing.objects.filter(listing_key__in=missing).values_list("listing_key", "pk")) if missing else {}
    for listing, previous_price, previous_status in events:
        on_change(listing.pk or ids[listing.listing_key], previous_price, previous_status)


def import_rows(
    rows: Iterable[tuple[int, dict]],
    *,
    parsed: bool = False,
    batch_size: int = 5000,
    data_source: str = "",
    progress: Callable[[int], None] | None = None,
    on_change: ListingChangeHook | None = None,
) -> ImportReport:
    """Validate and upsert rows in batches; a batch with any bad row writes nothing.

    ``rows`` yields ``(line number, row)``; a row is CSV text keyed by RESO header, or
    (``parsed=True``) typed values keyed by snake_case field name. ``progress(n)`` is
    called with the number of rows handled. Duplicate ``ListingKey`` within a batch is
    an error. Returns the :class:`ImportReport`; raises nothing for bad data.

    ``on_change(listing_id, previous_list_price, previous_status)`` is called after a
    batch is written, once for each listing that came on the market (new or re-listed as
    Active; previous values None for a new listing) or dropped its list price (USD)
    while Active. This is how other apps (buyer matching) learn of market events
    without ``properties`` importing them; see ``properties.hooks``.
    """
    report = ImportReport()
    batch: list[tuple[int, dict]] = []
    batch_errors: list[RowError] = []
    seen: dict[str, int] = {}

    def flush():
        _resolve_keys(batch, batch_errors)
        if batch_errors:
            report.errors.extend(batch_errors)
            report.rejected_batches += 1
            report.rows_not_written += len(batch)
        else:
            _fill_places(batch)
            try:
                _write_batch(batch, data_source=data_source, report=report, on_change=on_change)
            except IntegrityError as exc:
                # The row rules above mirror the model's constraints; should they ever drift,
                # the database's refusal rejects the batch (nothing written) instead of crashing.
                report.errors.append(RowError(batch[0][0], "", f"batch rejected by the database: {exc}"))
                report.rejected_batches += 1
                report.rows_not_written += len(batch)
        if progress:
            progress(len(batch))
        batch.clear()
        batch_errors.clear()
        seen.clear()

    for line, raw in rows:
        report.rows += 1
        if parsed:
            values, errors = dict(raw), _check_row(raw, line)
        else:
            values, errors = parse_row(raw, line)
        key = values.get("listing_key")
        if key and key in seen:
            errors.append(RowError(line, "listing_key", f"{key!r} repeats line {seen[key]}"))
        elif key:
            seen[key] = line
        batch_errors.extend(errors)
        batch.append((line, values))
        if batch_size and len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return report
