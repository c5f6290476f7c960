"""Writes of CMAs, their PDFs, and the enrichment that keeps listing valuations fresh.

Every write is keyword-only, runs in one ``transaction.atomic()``, locks the CMA row where two
requests could race (two tabs adding comps), appends a :class:`CMAVersion`, writes an audit
row, and queues follow-up work with ``delay_on_commit``. The engine call (pure, in memory)
happens inside the lock so that a save always reflects the selection it was computed from.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from realtor.audit import record_audit
from realtor.exceptions import DomainError
from realtor.models import Agent, User

from . import cma_selectors, valuation_service
from .models import CMA, CMAVersion, Listing, ListingValuation, MarketStat

#: Agent-adjustable comp search options and their allowed ranges (miles, months, count).
OPTION_LIMITS = {"radius_miles": (0.05, 25.0), "months": (1, 120), "max_comps": (3, 25)}


#: The highest recommended list price a CMA takes, USD (the columns hold up to 10^12).
MAX_LIST_PRICE = Decimal("1000000000")
#: Money columns hold 14 digits with 2 decimals.
_MONEY_LIMIT = Decimal("1e12")


def _money(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def clean_options(options: dict | None) -> dict:
    """Keep the known comp-search options within :data:`OPTION_LIMITS`.

    Raises ``DomainError`` (with ``fields``) for a value outside its range.
    """
    cleaned: dict = {}
    errors: dict = {}
    for key, (low, high) in OPTION_LIMITS.items():
        value = (options or {}).get(key)
        if value in (None, ""):
            continue
        value = int(value) if isinstance(low, int) else float(value)
        if not low <= value <= high:
            errors[key] = [f"Must be between {low} and {high}."]
        cleaned[key] = value
    if errors:
        raise DomainError("Comp search options out of range.", fields=errors)
    return cleaned


def _engine_options(cma: CMA) -> dict:
    return {
        **cma.options,
        "include_listing_keys": list(cma.included_listing_keys),
        "exclude_listing_keys": list(cma.excluded_listing_keys),
        "adjustment_overrides": dict(cma.adjustment_overrides),
    }


def _apply_result(cma: CMA, result: dict) -> None:
    """Copy the engine's result onto the CMA; raises ``ValuationInputError`` for amounts a CMA cannot hold."""
    if any(abs(float(result.get(k) or 0)) >= _MONEY_LIMIT for k in ("estimate", "low", "high")):
        raise valuation_service.ValuationInputError(
            "This home's value is beyond what a CMA can record; check its living area and lot size.",
            fields={"living_area": ["Check this value."]},
        )
    cma.result = result
    cma.estimate = _money(result.get("estimate"))
    cma.low = _money(result.get("low"))
    cma.high = _money(result.get("high"))
    cma.confidence = result.get("confidence")
    cma.method = str(result.get("method") or "")[:120]
    cma.model_version = str(result.get("model_version") or "")[:64]


def _append_version(*, cma: CMA, actor: User | None, change: str) -> CMAVersion:
    return CMAVersion.objects.create(
        cma=cma,
        number=cma.version,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        change=change[:200],
        as_of=cma.as_of,
        options=cma.options,
        included_listing_keys=cma.included_listing_keys,
        excluded_listing_keys=cma.excluded_listing_keys,
        adjustment_overrides=cma.adjustment_overrides,
        result=cma.result,
        estimate=cma.estimate,
        low=cma.low,
        high=cma.high,
        recommended_list_price=cma.recommended_list_price,
        recommendation_note=cma.recommendation_note,
        status=cma.status,
    )


def _save_new_version(*, cma: CMA, actor: User | None, change: str, action: str, changes: dict) -> CMA:
    cma.version += 1
    cma.save()
    _append_version(cma=cma, actor=actor, change=change)
    record_audit(actor=actor, action=action, obj=cma, changes={"version": cma.version, **changes})
    return cma


def create_cma(
    *,
    agent: Agent,
    subject: dict,
    subject_listing: Listing | None = None,
    as_of: datetime.date,
    options: dict | None = None,
) -> CMA:
    """Value ``subject`` as of ``as_of`` and save it as a draft CMA of ``agent`` (version 1).

    ``subject`` is an engine subject record (see ``valuation_service.subject_from_listing`` /
    ``subject_from_attributes``). Raises ``ValuationInputError`` for a subject the engine
    cannot value and ``DomainError`` for options out of range; nothing is saved then.
    """
    options = clean_options(options)
    result = valuation_service.value_subject(subject=subject, as_of=as_of, options=options)
    with transaction.atomic():
        cma = CMA(
            brokerage_id=agent.brokerage_id,
            created_by=agent,
            subject_listing=subject_listing,
            subject=subject,
            as_of=as_of,
            options=options,
            version=1,
        )
        _apply_result(cma, result)
        cma.save()
        _append_version(cma=cma, actor=agent.user, change="Created")
        record_audit(
            actor=agent.user,
            action="cma.create",
            obj=cma,
            changes={"as_of": as_of.isoformat(), "estimate": str(cma.estimate), "version": 1},
        )
    return cma


def _locked(cma: CMA) -> CMA:
    return CMA.objects.select_for_update().get(pk=cma.pk)


def _recompute(cma: CMA) -> None:
    result = valuation_service.value_subject(subject=cma.subject, as_of=cma.as_of, options=_engine_options(cma))
    _apply_result(cma, result)


def add_cma_comp(*, cma: CMA, actor: User, listing_key: str) -> CMA:
    """Add a Closed sale to the CMA's comps and re-value; a new version.

    Raises ``DomainError`` when the key is not a Closed sale that closed before the CMA's
    as-of date (no look-ahead), or is the subject itself.
    """
    listing_key = (listing_key or "").strip()
    sale = Listing.objects.closed().filter(listing_key=listing_key).first()
    if sale is None:
        raise DomainError("No closed sale with that listing key.", fields={"listing_key": ["Unknown closed sale."]})
    if sale.close_date >= cma.as_of:
        raise DomainError(
            "That sale closed on or after the CMA's as-of date.",
            fields={"listing_key": [f"Closed {sale.close_date:%Y-%m-%d}, not before {cma.as_of:%Y-%m-%d}."]},
        )
    subject_parcel = cma.subject.get("parcel_number")
    if listing_key == cma.subject.get("listing_key") or (subject_parcel and sale.parcel_number == subject_parcel):
        raise DomainError("A home is not its own comparable.", fields={"listing_key": ["That is the subject."]})
    with transaction.atomic():
        cma = _locked(cma)
        if listing_key not in cma.included_listing_keys:
            cma.included_listing_keys = [*cma.included_listing_keys, listing_key]
        cma.excluded_listing_keys = [k for k in cma.excluded_listing_keys if k != listing_key]
        _recompute(cma)
        return _save_new_version(
            cma=cma,
            actor=actor,
            change=f"Added comp {sale.display_address}",
            action="cma.comp_add",
            changes={"listing_key": listing_key},
        )


def remove_cma_comp(*, cma: CMA, actor: User, listing_key: str) -> CMA:
    """Exclude a comp from the CMA and re-value (the engine picks another if one qualifies)."""
    listing_key = (listing_key or "").strip()
    if not listing_key:
        raise DomainError("Which comp?", fields={"listing_key": ["This field is required."]})
    with transaction.atomic():
        cma = _locked(cma)
        cma.included_listing_keys = [k for k in cma.included_listing_keys if k != listing_key]
        if listing_key not in cma.excluded_listing_keys:
            cma.excluded_listing_keys = [*cma.excluded_listing_keys, listing_key]
        cma.adjustment_overrides = {k: v for k, v in cma.adjustment_overrides.items() if k != listing_key}
        _recompute(cma)
        return _save_new_version(
            cma=cma,
            actor=actor,
            change=f"Removed comp {listing_key}",
            action="cma.comp_remove",
            changes={"listing_key": listing_key},
        )


def override_cma_adjustment(*, cma: CMA, actor: User, listing_key: str, adjustment: str, amount: Decimal | None) -> CMA:
    """Set (or clear, with ``amount=None``) the agent's USD amount for one comp's adjustment line.

    Lines are ``properties.valuation.features.LINE_LABELS`` (time, location, size…). Raises
    ``DomainError`` when the comp is not among the CMA's comps, the line is unknown, or the
    amount would leave a non-positive adjusted price (nothing is saved then).
    """
    comps = {c.get("listing_key"): c for c in cma.result.get("comps") or []}
    comp = comps.get(listing_key)
    if comp is None:
        raise DomainError("That sale is not one of this CMA's comps.", fields={"listing_key": ["Not a comp here."]})
    from .valuation.features import LINE_LABELS

    if adjustment not in LINE_LABELS:
        raise DomainError("Unknown adjustment.", fields={"adjustment": [f"{adjustment!r} is not an adjustment line."]})
    with transaction.atomic():
        cma = _locked(cma)
        overrides = {k: dict(v) for k, v in cma.adjustment_overrides.items()}
        if amount is None:
            overrides.get(listing_key, {}).pop(adjustment, None)
            if not overrides.get(listing_key):
                overrides.pop(listing_key, None)
            change = f"Cleared the {adjustment} adjustment of {comp.get('display_address', listing_key)}"
        else:
            overrides.setdefault(listing_key, {})[adjustment] = float(amount)
            change = f"Set the {adjustment} adjustment of {comp.get('display_address', listing_key)} to ${amount:,.0f}"
        cma.adjustment_overrides = overrides
        _recompute(cma)
        return _save_new_version(
            cma=cma,
            actor=actor,
            change=change,
            action="cma.adjustment_override",
            changes={
                "listing_key": listing_key,
                "adjustment": adjustment,
                "amount": None if amount is None else str(amount),
            },
        )


def set_cma_recommendation(*, cma: CMA, actor: User, price: Decimal, note: str = "") -> CMA:
    """Record the agent's recommended list price (USD) and the reasoning; a new version.

    Raises ``DomainError`` for a price that is not positive or above :data:`MAX_LIST_PRICE`.
    """
    if price is None or price <= 0:
        raise DomainError("The recommended price must be positive.", fields={"price": ["Must be more than 0."]})
    if price > MAX_LIST_PRICE:
        raise DomainError(
            "The recommended price is too high.", fields={"price": [f"Must be at most ${MAX_LIST_PRICE:,.0f}."]}
        )
    with transaction.atomic():
        cma = _locked(cma)
        cma.recommended_list_price = _money(price)
        cma.recommendation_note = note.strip()
        return _save_new_version(
            cma=cma,
            actor=actor,
            change=f"Recommended list price ${price:,.0f}",
            action="cma.recommend",
            changes={"recommended_list_price": str(cma.recommended_list_price)},
        )


def share_cma(*, cma: CMA, actor: User, recipient: User, recipient_name: str = "") -> CMA:
    """Share the CMA with a seller's portal login and queue its PDF; a new version.

    Raises ``DomainError`` when ``recipient`` is not a client.
    """
    if recipient is None or not recipient.is_client:
        raise DomainError("CMAs are shared with a client's portal login.", fields={"contact": ["Not a client."]})
    with transaction.atomic():
        cma = _locked(cma)
        cma.status = CMA.Status.SHARED
        cma.shared_with = recipient
        cma.shared_with_name = (recipient_name or recipient.get_full_name())[:200]
        cma.shared_at = timezone.now()
        cma = _save_new_version(
            cma=cma,
            actor=actor,
            change=f"Shared with {cma.shared_with_name}",
            action="cma.share",
            changes={"shared_with": recipient.pk},
        )
        request_cma_pdf(cma=cma)
    return cma


def unshare_cma(*, cma: CMA, actor: User) -> CMA:
    """Take the CMA back to draft: the seller no longer sees it."""
    with transaction.atomic():
        cma = _locked(cma)
        if cma.status == CMA.Status.DRAFT:
            return cma
        cma.status = CMA.Status.DRAFT
        cma.shared_with = None
        cma.shared_at = None
        return _save_new_version(cma=cma, actor=actor, change="Unshared", action="cma.unshare", changes={})


def request_cma_pdf(*, cma: CMA) -> None:
    """Queue the PDF of the CMA's current version once the transaction commits."""
    from . import tasks

    tasks.generate_cma_pdf.delay_on_commit(cma_id=cma.pk, version=cma.version)


def generate_cma_pdf(*, cma_id: int, version: int | None = None) -> CMA | None:
    """Render and store the CMA report PDF (``templates/pdf/cma_report.html``).

    Idempotent: does nothing when the stored PDF already shows the current version, or when
    ``version`` is older than the current one (a newer request is queued). Returns the CMA,
    None when it no longer exists.
    """
    from realtor.pdf import render_pdf

    from .cma_selectors import cma_report_context

    with transaction.atomic():
        cma = CMA.objects.select_for_update().select_related("created_by__user", "brokerage").filter(pk=cma_id).first()
        if cma is None or (version is not None and version < cma.version) or cma.pdf_is_current:
            return cma
        content = render_pdf("pdf/cma_report.html", cma_report_context(cma))
        previous = cma.pdf.name if cma.pdf else ""
        cma.pdf.save(f"cma-{cma.pk}-v{cma.version}.pdf", ContentFile(content), save=False)
        cma.pdf_version = cma.version
        cma.pdf_generated_at = timezone.now()
        CMA.objects.filter(pk=cma.pk).update(
            pdf=cma.pdf.name, pdf_version=cma.pdf_version, pdf_generated_at=cma.pdf_generated_at
        )
        record_audit(actor=None, action="cma.pdf", obj=cma, changes={"version": cma.version})
    if previous and previous != cma.pdf.name:
        cma.pdf.storage.delete(previous)
    return cma


# ----------------------------------------------------------------------------- enrichment
def record_listing_facts_changed(*, listing_id: int) -> None:
    """Queue the listing's enrichment (valuation, ZIP market statistics, deal score) on commit.

    Call after creating a listing or changing its facts (importer, admin, listing edits).
    """
    from . import tasks

    tasks.enrich_listing.delay_on_commit(listing_id=listing_id)


def refresh_listings(*, listing_keys: list[str]) -> int:
    """Queue enrichment for each listing in ``listing_keys`` (e.g. after an import); returns how many."""
    ids = list(Listing.objects.filter(listing_key__in=listing_keys).values_list("pk", flat=True))
    with transaction.atomic():
        for listing_id in ids:
            record_listing_facts_changed(listing_id=listing_id)
    return len(ids)


def enrich_listing(*, listing_id: int) -> ListingValuation | None:
    """Refresh a listing's valuation, its ZIP's monthly market statistics and its deal score.

    As of the listing's close date for a sale (its own sale excluded), else the day after the
    newest sale on file. Idempotent: the work is skipped when the fingerprint (facts, as-of
    date, sales data and model versions) matches the stored one. A listing that cannot be
    valued stores the reason in ``error``. Returns None when the listing is gone.
    """
    with transaction.atomic():
        listing = Listing.objects.select_for_update().filter(pk=listing_id).first()
        if listing is None:
            return None
        as_of = listing.close_date if listing.close_date else valuation_service.data_as_of()
        current = ListingValuation.objects.filter(listing=listing).first()
        try:
            subject = valuation_service.subject_from_listing(listing)
        except valuation_service.ValuationInputError as exc:
            return _store_failure(listing=listing, current=current, as_of=as_of, message=exc.message)
        fingerprint = valuation_service.subject_fingerprint(subject, as_of=as_of)
        if current is not None and current.fingerprint == fingerprint:
            return current
        try:
            result = valuation_service.value_subject(subject=subject, as_of=as_of)
        except valuation_service.ValuationInputError as exc:
            return _store_failure(listing=listing, current=current, as_of=as_of, message=exc.message)
        deal = cma_selectors.deal_analysis_for_listing(listing=listing, result=result)
        valuation, _ = ListingValuation.objects.update_or_create(
            listing=listing,
            defaults={
                "as_of": as_of,
                "estimate": _money(result.get("estimate")),
                "low": _money(result.get("low")),
                "high": _money(result.get("high")),
                "confidence": result.get("confidence"),
                "model_version": str(result.get("model_version") or "")[:64],
                "result": result,
                "deal": deal,
                "deal_grade": (deal.get("grade") or "")[:1] if deal else "",
                "error": "",
                "fingerprint": fingerprint,
                "computed_at": timezone.now(),
            },
        )
        if listing.postal_code:
            refresh_market_stats(postal_code=listing.postal_code)
        record_audit(
            actor=None,
            action="listing.enrich",
            obj=listing,
            changes={
                "estimate": str(valuation.estimate),
                "as_of": as_of.isoformat(),
                "deal_grade": valuation.deal_grade,
            },
        )
    return valuation


def _store_failure(*, listing: Listing, current, as_of, message: str) -> ListingValuation:
    fingerprint = f"error:{hash(message) & 0xFFFFFFFF:x}:{as_of.isoformat()}"
    if current is not None and current.fingerprint == fingerprint:
        return current
    valuation, _ = ListingValuation.objects.update_or_create(
        listing=listing,
        defaults={
            "as_of": as_of,
            "estimate": None,
            "low": None,
            "high": None,
            "confidence": None,
            "result": {},
            "deal": {},
            "deal_grade": "",
            "error": message[:300],
            "fingerprint": fingerprint,
            "computed_at": timezone.now(),
        },
    )
    return valuation


def refresh_market_stats(*, postal_code: str) -> int:
    """Recompute and upsert the ZIP's monthly statistics (one row per month); returns the row count."""
    rows = valuation_service.market_trend(postal_code=postal_code, months=0)
    now = timezone.now()
    objs = [
        MarketStat(
            postal_code=postal_code,
            month=r["month"],
            median_close_price=_money(r["median_close_price"]),
            median_price_per_sqft=_money(r["median_price_per_sqft"]),
            sales_count=int(r["count"] or 0),
            trend_index=r["trend_index"],
            computed_at=now,
        )
        for r in rows
    ]
    MarketStat.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["postal_code", "month"],
        update_fields=["median_close_price", "median_price_per_sqft", "sales_count", "trend_index", "computed_at"],
    )
    return len(objs)
