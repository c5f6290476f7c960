"""Demo data for listings: the real Seattle sales, and synthetic Active listings built from them.

Synthetic Active listings are real homes from the sales data (real parcel, location and
facts) put on the market at the demo market date with a generated list price:

    list_price = round_to_list(last_close_price × A_zip / r)

where ``A_zip`` is the ZIP's appreciation from the sale's year to the last full year on
file (ratio of median close $/sq ft, from the same data) and ``r`` is a sale-to-list
ratio drawn from Normal(1.00, 0.03) clipped to [0.92, 1.08] — an assumption of a
balanced market, not a measured figure. Draws use ``numpy.random.default_rng(seed)``
so a re-run produces identical rows. Every such row has ``is_synthetic=True``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from statistics import median

import numpy as np

from .importers import ImportReport, import_rows
from .kc_data import SOURCE_LABEL, read_seattle_sales
from .models import Listing, StandardStatus

DEMO_SEED = 20161229
SYNTHETIC_SOURCE = "Synthetic demo listing (real home and facts; generated list price)"
_FACT_FIELDS = (
    "parcel_number", "property_type", "property_sub_type", "mls_area_major", "lot_size_square_feet",
    "waterfront_yn", "building_grade", "living_area", "bedrooms_total", "bathrooms_full",
    "bathrooms_three_quarter", "bathrooms_half", "bathrooms_one_quarter", "bathrooms_total_integer",
    "year_built", "year_built_effective", "latitude", "longitude",
)  # fmt: skip


def load_seattle_sales(*, progress: Callable[[int], None] | None = None, batch_size: int = 5000) -> ImportReport:
    """Upsert the 43,313 King County sales as Closed listings (idempotent; ZIP/city from coordinates)."""

    def rows() -> Iterable[tuple[int, dict]]:
        for line, record in enumerate(read_seattle_sales(), start=2):
            record.update(
                standard_status=StandardStatus.CLOSED,
                listing_id=record["listing_key"].removeprefix("KC-"),
                state_or_province="WA",
                county_or_parish="King",
                data_source=SOURCE_LABEL,
            )
            yield line, record

    return import_rows(rows(), parsed=True, batch_size=batch_size, data_source=SOURCE_LABEL, progress=progress)


def _round_to_list(price: float) -> Decimal:
    """Round like a list price: to $5,000 above $1M, else to $1,000, minus $50 below $1M (…,950)."""
    if price >= 1_000_000:
        return Decimal(int(round(price / 5000) * 5000))
    return Decimal(int(round(price / 1000) * 1000) - 50)


def synthetic_active_listings(
    *, count: int, agent_keys: list[str], seed: int = DEMO_SEED
) -> tuple[datetime.date, list[dict]]:
    """Build ``count`` synthetic Active listings from the newest sale of distinct parcels.

    Returns the demo market date (the day after the last sale on file) and RESO-named
    rows ready for :func:`properties.importers.import_rows` (``parsed=True``). Raises
    ``ValueError`` when there are no sales to build from.
    """
    sales = list(
        Listing.objects.closed()
        .exclude(living_area=None)
        .exclude(postal_code="")
        .order_by("close_date", "id")
        .values("listing_key", "close_price", "close_date", "postal_code", "city", "state_or_province", *_FACT_FIELDS)
    )
    if not sales:
        raise ValueError("no closed sales loaded")
    market_date = sales[-1]["close_date"] + datetime.timedelta(days=1)
    last_year = market_date.year - 1 if market_date.month < 12 else market_date.year
    ppsf: dict[tuple[str, int], list[float]] = defaultdict(list)
    newest_by_parcel: dict[str, dict] = {}
    for sale in sales:
        ppsf[(sale["postal_code"], sale["close_date"].year)].append(float(sale["close_price"]) / sale["living_area"])
        newest_by_parcel[sale["parcel_number"]] = sale
    medians = {k: median(v) for k, v in ppsf.items() if len(v) >= 10}
    rng = np.random.default_rng(seed)
    # Deterministic order: parcels sorted by key, then a seeded sample.
    parcels = sorted(newest_by_parcel)
    picks = rng.choice(len(parcels), size=min(count, len(parcels)), replace=False)
    ratios = np.clip(rng.normal(1.00, 0.03, size=len(picks)), 0.92, 1.08)
    days_listed = rng.integers(1, 90, size=len(picks))
    rows = []
    for n, (idx, ratio, dom) in enumerate(zip(sorted(picks), ratios, days_listed, strict=True)):
        sale = newest_by_parcel[parcels[idx]]
        now_m = medians.get((sale["postal_code"], last_year))
        then_m = medians.get((sale["postal_code"], sale["close_date"].year))
        appreciation = now_m / then_m if now_m and then_m else 1.0
        list_price = _round_to_list(float(sale["close_price"]) * appreciation / float(ratio))
        contract_date = market_date - datetime.timedelta(days=int(dom))
        row = {name: sale[name] for name in _FACT_FIELDS}
        row.update(
            listing_key=f"DEMO-A{n + 1:04d}",
            listing_id=f"DEMO{n + 1:04d}",
            standard_status=StandardStatus.ACTIVE,
            list_price=list_price,
            original_list_price=list_price,
            listing_contract_date=contract_date,
            on_market_date=contract_date,
            days_on_market=int(dom),
            postal_code=sale["postal_code"],
            city=sale["city"],
            state_or_province=sale["state_or_province"],
            is_synthetic=True,
            data_source=SYNTHETIC_SOURCE,
            list_agent_key=agent_keys[n % len(agent_keys)] if agent_keys else "",
        )
        rows.append(row)
    return market_date, rows


def load_synthetic_active_listings(*, count: int, agent_keys: list[str]) -> ImportReport:
    """Upsert the synthetic Active listings (idempotent: same seed, same rows)."""
    _, rows = synthetic_active_listings(count=count, agent_keys=agent_keys)
    return import_rows(
        ((i + 1, r) for i, r in enumerate(rows)), parsed=True, batch_size=0, data_source=SYNTHETIC_SOURCE
    )


#: The recommendation note of the demo CMA; it marks the CMA as synthetic demo data in the UI.
DEMO_CMA_NOTE = (
    "Synthetic demo CMA: the recommended price is the engine's estimate rounded to the nearest $5,000, "
    "to show how a shared CMA looks to a seller. An agent would set it from the comps and the home's condition."
)


def ensure_demo_shared_cma(*, agent, listing: Listing, seller_user, as_of: datetime.date):
    """Create the demo agent's CMA of the seller's home and share it with the seller (idempotent).

    ``agent`` is a ``realtor.Agent``, ``seller_user`` the seller's client login. Returns the CMA
    (an existing one shared with the seller is returned unchanged), or ``None`` when the home
    cannot be valued (``ValuationInputError``: e.g. no sales are loaded).
    """
    from . import cma_services, valuation_service
    from .models import CMA

    existing = CMA.objects.filter(subject_listing=listing, created_by=agent, shared_with=seller_user).first()
    if existing is not None:
        return existing
    try:
        cma = cma_services.create_cma(
            agent=agent, subject=valuation_service.subject_from_listing(listing), subject_listing=listing, as_of=as_of
        )
    except valuation_service.ValuationInputError:
        return None
    price = (cma.estimate / 5000).quantize(Decimal("1")) * 5000
    cma = cma_services.set_cma_recommendation(cma=cma, actor=agent.user, price=price, note=DEMO_CMA_NOTE)
    return cma_services.share_cma(cma=cma, actor=agent.user, recipient=seller_user)
