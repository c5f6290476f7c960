"""Listing search filters, shared by the agent portal search form and the API."""

from __future__ import annotations

import django_filters
from django import forms

from .models import Listing, PropertySubType, PropertyType, StandardStatus

ORDERING_FIELDS = (
    ("list_price", "list_price"),
    ("close_price", "close_price"),
    ("close_date", "close_date"),
    ("living_area", "living_area"),
    ("year_built", "year_built"),
    ("bedrooms_total", "bedrooms_total"),
    ("days_on_market", "days_on_market"),
    ("modification_timestamp", "modification_timestamp"),
)


class ListingFilterSet(django_filters.FilterSet):
    """Filters by RESO field name; ranges as ``<field>_min``/``_max`` (USD, sq ft) and dates as ``_after``/``_before``."""

    standard_status = django_filters.ChoiceFilter(choices=StandardStatus.choices)
    property_type = django_filters.ChoiceFilter(choices=PropertyType.choices)
    property_sub_type = django_filters.ChoiceFilter(choices=PropertySubType.choices)
    city = django_filters.CharFilter(lookup_expr="iexact")
    postal_code = django_filters.CharFilter()
    list_price_min = django_filters.NumberFilter(field_name="list_price", lookup_expr="gte", min_value=0)
    list_price_max = django_filters.NumberFilter(field_name="list_price", lookup_expr="lte", min_value=0)
    close_price_min = django_filters.NumberFilter(field_name="close_price", lookup_expr="gte", min_value=0)
    close_price_max = django_filters.NumberFilter(field_name="close_price", lookup_expr="lte", min_value=0)
    close_date_after = django_filters.DateFilter(
        field_name="close_date", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    close_date_before = django_filters.DateFilter(
        field_name="close_date", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    bedrooms_total_min = django_filters.NumberFilter(field_name="bedrooms_total", lookup_expr="gte", min_value=0)
    bathrooms_total_min = django_filters.NumberFilter(
        field_name="bathrooms_total_integer", lookup_expr="gte", min_value=0
    )
    living_area_min = django_filters.NumberFilter(field_name="living_area", lookup_expr="gte", min_value=0)
    living_area_max = django_filters.NumberFilter(field_name="living_area", lookup_expr="lte", min_value=0)
    year_built_min = django_filters.NumberFilter(field_name="year_built", lookup_expr="gte", min_value=1600)
    year_built_max = django_filters.NumberFilter(field_name="year_built", lookup_expr="lte", max_value=2200)
    ordering = django_filters.OrderingFilter(fields=ORDERING_FIELDS)

    class Meta:
        model = Listing
        fields: list[str] = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A stable tiebreaker keeps pages from overlapping when the sort key repeats.
        ordering = list(queryset.query.order_by) or ["-modification_timestamp"]
        return queryset.order_by(*ordering, "id")
