"""Valuation, market statistics and deal analysis endpoints for brokerage members."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from properties import cma_selectors, valuation_service
from properties.models import Listing
from realtor.api.views import error_responses
from realtor.permissions import IsBrokerageMember

from .valuation_serializers import (
    SUBJECT_ATTRIBUTES,
    DealAnalysisOutputSerializer,
    DealAnalysisRequestSerializer,
    DealAssumptionsSerializer,
    MarketStatsOutputSerializer,
    MarketStatsQuerySerializer,
    ValuationOutputSerializer,
    ValuationRequestSerializer,
)


def subject_of_request(data: dict) -> dict:
    """The engine subject of a validated valuation request: the listing's facts, then overrides."""
    listing = data.get("listing")
    given = {k: data[k] for k in SUBJECT_ATTRIBUTES if k in data and data[k] not in (None, "")}
    if listing is None:
        return valuation_service.subject_from_attributes(given)
    subject = valuation_service.subject_from_listing(listing)
    if given:
        merged = {**subject, **given}
        if "bathrooms_total_integer" in given and "bathrooms" not in given:
            merged["bathrooms"] = None
        subject = {**valuation_service.subject_from_attributes(merged), "listing_key": listing.listing_key}
        subject["display_address"] = listing.display_address
    return subject


class ValuationViewSet(viewsets.ViewSet):
    """Value a home as of a date (nothing is stored)."""

    permission_classes = [IsAuthenticated, IsBrokerageMember]

    @extend_schema(
        operation_id="valuations_create",
        summary="Value a home as of a date",
        description="Values a subject — a `listing_key`, or attributes with at least `latitude`, `longitude` "
        "and `living_area` — from Closed sales that closed strictly before `as_of` (default today, or the day "
        "after the newest sale when the data ends earlier), never the subject's own sale on or after it. Returns "
        "the estimate, an 80% range, a measured confidence and the comps with itemised adjustments. Invalid "
        "subjects, and dates with no prior sales, answer 400 with field errors.",
        request=ValuationRequestSerializer,
        responses={200: ValuationOutputSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        data = ValuationRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        subject = subject_of_request(params)
        options = {k: params.get(k) for k in valuation_service.ENGINE_OPTION_NAMES}
        result = valuation_service.value_subject(subject=subject, as_of=params["as_of"], options=options)
        return Response(ValuationOutputSerializer(result).data)


class MarketStatsViewSet(viewsets.ViewSet):
    """Monthly market statistics of a ZIP code from Closed sales."""

    permission_classes = [IsAuthenticated, IsBrokerageMember]

    @extend_schema(
        operation_id="market_stats_list",
        summary="Monthly market statistics of a ZIP code",
        description="One row per month (oldest first) for the `months` months before `as_of`'s month: sales "
        "count, median close price, median price per sq ft and a quality-adjusted trend index (100 at the first "
        "month). Empty `results` for a ZIP code with no sales.",
        parameters=[MarketStatsQuerySerializer],
        responses={200: MarketStatsOutputSerializer, **error_responses(400, 401, 403)},
    )
    def list(self, request):
        query = MarketStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rows = valuation_service.market_trend(
            postal_code=params["postal_code"], as_of=params.get("as_of"), months=params["months"]
        )
        return Response(MarketStatsOutputSerializer({"postal_code": params["postal_code"], "results": rows}).data)


def _assumptions(params: dict):
    from properties.cma_deal import DealAssumptions

    return DealAssumptions.from_mapping(params)


class DealAnalysisViewSet(viewsets.ViewSet):
    """Deal analysis of a price (nothing is stored)."""

    permission_classes = [IsAuthenticated, IsBrokerageMember]

    @extend_schema(
        operation_id="deal_analysis_create",
        summary="Analyse a deal",
        description="Scores a purchase at a price on four dimensions (value, price per sq ft, market, rental "
        "yield) with an A-F grade, and returns the after-repair value, the 70%-rule maximum allowable offer, a "
        "flip and (with `monthly_rent`) a rental scenario, and the owner's monthly payment. Give a `listing_key` "
        "(valued now) or `price`, `estimated_value` and `living_area`.",
        request=DealAnalysisRequestSerializer,
        responses={200: DealAnalysisOutputSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        data = DealAnalysisRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        listing = params.get("listing")
        if listing is not None:
            result, error = cma_selectors.current_listing_valuation(listing=listing)
            if result is None:
                raise valuation_service.ValuationInputError(error, fields={"listing_key": [error]})
            price = params.get("price") or listing.list_price or listing.close_price
            if price is None or not listing.living_area:
                raise valuation_service.ValuationInputError(
                    "The listing has no price or living area.", fields={"price": ["Give the price to analyse."]}
                )
            deal = cma_selectors.deal_analysis_for_listing(
                listing=listing, result=result, assumptions=_assumptions(params), price=price
            )
        else:
            deal = _analyse(params)
        return Response(DealAnalysisOutputSerializer(deal).data)


def _analyse(params: dict) -> dict:
    from properties.cma_deal import analyse_deal

    try:
        return analyse_deal(
            price=float(params["price"]),
            estimated_value=float(params["estimated_value"]),
            living_area=float(params["living_area"]),
            area_median_ppsf=params.get("area_median_price_per_sqft"),
            market_change_12m_pct=params.get("market_change_12m_pct"),
            days_on_market=params.get("days_on_market"),
            area_median_days_on_market=params.get("area_median_days_on_market"),
            assumptions=_assumptions(params),
        )
    except ValueError as exc:
        raise valuation_service.ValuationInputError(str(exc), fields={"non_field_errors": [str(exc)]}) from None


class ListingDealView(APIView):
    """The deal analysis of one listing at its list (or close) price."""

    permission_classes = [IsAuthenticated, IsBrokerageMember]

    @extend_schema(
        operation_id="properties_deal_retrieve",
        summary="Deal analysis of a listing",
        description="Values the listing as of the newest data and analyses a purchase at its list price (close "
        "price for a sale). Query parameters change the assumptions.",
        parameters=[DealAssumptionsSerializer],
        responses={200: DealAnalysisOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, listing_key: str):
        query = DealAssumptionsSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        listing = Listing.objects.filter(listing_key=listing_key).first()
        if listing is None:
            raise NotFound
        result, error = cma_selectors.current_listing_valuation(listing=listing)
        if result is None:
            raise valuation_service.ValuationInputError(error, fields={"listing_key": [error]})
        deal = cma_selectors.deal_analysis_for_listing(
            listing=listing, result=result, assumptions=_assumptions(query.validated_data)
        )
        if not deal:
            raise valuation_service.ValuationInputError(
                "The listing has no price to analyse.", fields={"listing_key": ["No list or close price."]}
            )
        return Response(DealAnalysisOutputSerializer(deal).data)
