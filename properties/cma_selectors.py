"""Reads of CMAs and cached valuations, scoped to the requesting user (DESIGN §7)."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import CMA, CMAVersion, Listing, ListingValuation, MarketStat, PropertySubType


def cmas_visible_to(*, user) -> QuerySet[CMA]:
    """CMAs ``user`` may open in the agent portal, newest change first.

    Brokers, staff and superusers: every CMA of their brokerage. Agents: their own and their
    team's. Clients and anonymous users: none (clients see shared CMAs through
    :func:`cmas_shared_with`).
    """
    if not user.is_authenticated or user.is_client or user.brokerage_id is None:
        return CMA.objects.none()
    scoped = CMA.objects.filter(brokerage_id=user.brokerage_id).select_related(
        "created_by__user", "subject_listing", "shared_with"
    )
    if user.is_broker or user.is_superuser:
        return scoped
    agent = getattr(user, "agent", None)
    if agent is None:
        return CMA.objects.none()
    if agent.team_id:
        return scoped.filter(Q(created_by=agent) | Q(created_by__team_id=agent.team_id))
    return scoped.filter(created_by=agent)


def get_cma_visible_to(*, user, pk) -> CMA:
    """One CMA ``user`` may open; raises ``Http404`` for anything else (a guessed id)."""
    try:
        return cmas_visible_to(user=user).select_related("created_by__office", "brokerage").get(pk=pk)
    except (CMA.DoesNotExist, ValueError, TypeError):
        raise Http404("No CMA with that id.") from None


def cmas_shared_with(*, user) -> QuerySet[CMA]:
    """CMAs an agent shared with ``user`` (a seller's portal login); never drafts."""
    if not user.is_authenticated:
        return CMA.objects.none()
    return (
        CMA.objects.shared()
        .filter(shared_with=user)
        .select_related("created_by__user", "created_by__office", "brokerage", "subject_listing")
        .order_by("-shared_at", "-id")
    )


def get_cma_shared_with(*, user, pk) -> CMA:
    """One CMA shared with ``user``; raises ``Http404`` for drafts and anything not shared with them."""
    try:
        return cmas_shared_with(user=user).get(pk=pk)
    except (CMA.DoesNotExist, ValueError, TypeError):
        raise Http404("No shared CMA with that id.") from None


def list_cma_versions(*, cma: CMA) -> QuerySet[CMAVersion]:
    """The saved versions of a CMA the caller has scoped, newest first."""
    return cma.versions.select_related("created_by").order_by("-number")


def listings_by_key(*, listing_keys) -> dict[str, Listing]:
    """Listings by ``listing_key`` for the given keys (one query)."""
    keys = [k for k in set(listing_keys) if k]
    if not keys:
        return {}
    return {row.listing_key: row for row in Listing.objects.filter(listing_key__in=keys)}


def get_listing_valuation(*, listing: Listing) -> ListingValuation | None:
    """The enrichment's latest valuation and deal analysis of a listing, or None."""
    return ListingValuation.objects.filter(listing=listing).first()


def market_stats_for(*, postal_code: str) -> QuerySet[MarketStat]:
    """Cached monthly statistics of a ZIP code, oldest month first."""
    return MarketStat.objects.filter(postal_code=postal_code).order_by("month")


# ----------------------------------------------------------------------------- presentation
def _float(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def adjustment_items(comp: dict, *, overrides: dict | None = None) -> list[dict]:
    """A comp's adjustment lines as ``[{"name", "label", "amount" (USD), "overridden"}]``.

    Accepts the engine's list of line dicts (``line``, ``label``, ``amount``, ``overridden``)
    or a plain ``{line: USD}`` mapping.
    """
    from .valuation.features import LINE_LABELS

    overrides = overrides or {}
    raw = comp.get("adjustments") or []
    if isinstance(raw, dict):
        raw = [{"line": name, "amount": amount} for name, amount in raw.items()]
    items = [
        {
            "name": item.get("line") or item.get("name"),
            "label": item.get("label") or LINE_LABELS.get(item.get("line") or item.get("name"), item.get("line")),
            "amount": _float(item.get("amount")),
            "overridden": bool(item.get("overridden")) or (item.get("line") or item.get("name")) in overrides,
        }
        for item in raw
    ]
    for item in items:
        amount = item["amount"] or 0.0
        item["sign"] = "+" if amount > 0 else ("−" if amount < 0 else "")
        item["abs_amount"] = abs(amount)
    return items


def comp_rows(*, result: dict, overrides: dict | None = None) -> list[dict]:
    """The comps of an engine result as table rows, heaviest weight first.

    Each row keeps the engine's comp fields and adds ``adjustment_items`` (``name``,
    ``amount`` USD, ``overridden``), ``price_per_sqft`` (close price / living area, USD/sq ft)
    and ``weight_pct`` (0-100).
    """
    overrides = overrides or {}
    rows = []
    for comp in result.get("comps") or []:
        key = comp.get("listing_key")
        close_price, area = _float(comp.get("close_price")), _float(comp.get("living_area"))
        items = adjustment_items(comp, overrides=overrides.get(key, {}))
        rows.append(
            {
                **comp,
                "adjustment_items": items,
                "price_per_sqft": round(close_price / area, 2) if close_price and area else None,
                "weight_pct": round(100 * (_float(comp.get("weight")) or 0), 1),
            }
        )
    rows.sort(key=lambda r: -(_float(r.get("weight")) or 0))
    return rows


def valuation_presentation(
    *, result: dict, overrides: dict | None = None, trend_rows: list[dict] | None = None
) -> dict:
    """Everything a page or PDF shows about a valuation: rows and chart geometry (SVG units).

    ``trend_rows`` come from ``valuation_service.market_trend``. Returns ``{"result", "subject",
    "subject_type", "comps", "location_plot", "ppsf_chart", "trend_chart", "trend_rows"}``
    (``subject_type``: the RESO sub-type's label, e.g. "Single Family Residence"); charts are
    None when there is nothing to draw.
    """
    from .cma_charts import location_plot, price_per_sqft_scatter, trend_chart

    subject = result.get("subject") or {}
    rows = comp_rows(result=result, overrides=overrides)
    located = [r for r in rows if r.get("latitude") is not None and r.get("longitude") is not None]
    plot = None
    if subject.get("latitude") is not None and located:
        plot = location_plot(
            subject=(float(subject["latitude"]), float(subject["longitude"])),
            comps=[
                {
                    "latitude": float(r["latitude"]),
                    "longitude": float(r["longitude"]),
                    "weight": _float(r.get("weight")) or 0,
                    "label": f"{r.get('display_address', '')} · weight {r['weight_pct']}%",
                }
                for r in located
            ],
        )
    estimate, area = _float(result.get("estimate")), _float(subject.get("living_area"))
    ppsf = price_per_sqft_scatter(
        points=[
            {
                "living_area": r.get("living_area"),
                "price_per_sqft": r["price_per_sqft"],
                "label": r.get("display_address"),
            }
            for r in rows
        ],
        subject_living_area=area,
        subject_price_per_sqft=estimate / area if estimate and area else None,
    )
    trend_rows = trend_rows or []
    sub_type = subject.get("property_sub_type") or ""
    return {
        "result": result,
        "subject": subject,
        "subject_type": PropertySubType(sub_type).label if sub_type in PropertySubType.values else sub_type,
        "comps": rows,
        "location_plot": plot,
        "ppsf_chart": ppsf,
        "trend_chart": trend_chart(rows=trend_rows) if trend_rows else None,
        "trend_rows": trend_rows,
    }


def cma_trend_rows(*, cma: CMA, months: int = 24) -> list[dict]:
    """The subject ZIP's monthly market statistics before the CMA's as-of date (may be empty)."""
    from . import valuation_service

    postal_code = cma.subject.get("postal_code")
    if not postal_code:
        return []
    try:
        return valuation_service.market_trend(postal_code=postal_code, as_of=cma.as_of, months=months)
    except valuation_service.ValuationInputError:
        return []


def cma_report_context(cma: CMA) -> dict:
    """The template context of the CMA report PDF and the shared-CMA portal page."""
    from . import valuation_service

    agent = cma.created_by
    return {
        "cma": cma,
        "agent": agent,
        "agent_user": agent.user,
        "office": agent.office,
        "brokerage": cma.brokerage,
        "generated_on": timezone.localdate(),
        "data_source": cma.result.get("data_source") or valuation_service.DATA_SOURCE,
        **valuation_presentation(
            result=cma.result, overrides=cma.adjustment_overrides, trend_rows=cma_trend_rows(cma=cma)
        ),
    }


def current_listing_valuation(*, listing: Listing) -> tuple[dict | None, str]:
    """The valuation of a listing as of the newest data: ``(result, error)``.

    Reuses the enrichment's stored result when its fingerprint is current, else values the
    listing now (nothing is written). ``result`` is None with a reason when it cannot be valued.
    """
    from . import valuation_service

    as_of = listing.close_date or valuation_service.data_as_of()
    try:
        subject = valuation_service.subject_from_listing(listing)
        stored = get_listing_valuation(listing=listing)
        if (
            stored is not None
            and stored.result
            and stored.fingerprint == valuation_service.subject_fingerprint(subject, as_of=as_of)
        ):
            return stored.result, ""
        return valuation_service.value_subject(subject=subject, as_of=as_of), ""
    except valuation_service.ValuationInputError as exc:
        return None, exc.message


def home_value_context(*, listing: Listing) -> dict:
    """What the seller portal shows about a home: the value range, comps and the ZIP's trend."""
    from . import valuation_service

    result, error = current_listing_valuation(listing=listing)
    if result is None:
        return {"home": listing, "valuation_error": error}
    trend = []
    if listing.postal_code:
        try:
            trend = valuation_service.market_trend(
                postal_code=listing.postal_code, as_of=datetime.date.fromisoformat(result["as_of"]), months=24
            )
        except valuation_service.ValuationInputError:
            trend = []
    return {"home": listing, "valuation_error": "", **valuation_presentation(result=result, trend_rows=trend)}


def deal_panel_context(*, listing: Listing, assumptions=None) -> dict:
    """The deal panel of a listing: its valuation and the deal analysis at its price.

    ``assumptions`` (a ``cma_deal.DealAssumptions``) replaces the defaults. Keys: ``listing``,
    ``result`` (or None), ``deal`` (``{}`` without a price), ``valuation_error``.
    """
    result, error = current_listing_valuation(listing=listing)
    deal = {}
    if result is not None:
        deal = deal_analysis_for_listing(listing=listing, result=result, assumptions=assumptions)
    return {"listing": listing, "result": result, "deal": deal, "valuation_error": error}


def deal_analysis_for_listing(*, listing: Listing, result: dict, assumptions=None, price=None) -> dict:
    """Deal score (A-F) and investor scenarios of a listing at ``price`` (default: list, else close price; USD).

    ``result`` is the listing's valuation (``valuation_service.value_subject``); its estimate,
    comps and area trend feed :func:`properties.cma_deal.analyse_deal`. Returns ``{}`` when the
    listing has no price or the valuation no estimate.
    """
    from . import valuation_service
    from .cma_deal import DEFAULT_ASSUMPTIONS, analyse_deal

    if price is None:
        price = listing.list_price if listing.list_price is not None else listing.close_price
    if price is None or not result.get("estimate") or not listing.living_area:
        return {}
    trend = []
    if listing.postal_code:
        as_of = datetime.date.fromisoformat(result["as_of"])
        trend = valuation_service.market_trend(postal_code=listing.postal_code, as_of=as_of, months=12)
    return analyse_deal(
        price=float(price),
        estimated_value=float(result["estimate"]),
        living_area=float(listing.living_area),
        comps=result.get("comps") or [],
        trend_rows=trend,
        market_change_12m_pct=(result.get("market") or {}).get("index_change_12m_pct"),
        assumptions=assumptions or DEFAULT_ASSUMPTIONS,
    )
