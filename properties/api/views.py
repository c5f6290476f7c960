"""Listing search and detail for brokerage members (read-only)."""

from __future__ import annotations

import base64
import binascii
import datetime
import json

from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from properties.filters import ListingFilterSet
from properties.models import Listing
from properties.selectors import get_listing, listing_search_queryset
from realtor.api.pagination import StandardPagination
from realtor.api.views import error_responses
from realtor.permissions import IsBrokerageMember

from .serializers import ListingOutputSerializer

#: ``?ordering=`` values cursor pagination can follow (a non-null column, with ``id`` as tiebreaker).
CURSOR_ORDERINGS = ("-modification_timestamp", "modification_timestamp")


class ListingPagination(StandardPagination):
    """Page numbers by default; ``?cursor=`` switches to keyset pagination for deep reads.

    ``OFFSET`` gets slower with depth on large tables (DESIGN.md §9), so integrators that
    walk the whole table (replication) start with an empty ``?cursor=`` and follow ``next``.
    Cursor pages skip the ``COUNT(*)`` (``count`` is null), go forward only (``previous`` is
    null), and follow ``modification_timestamp`` (descending by default, or ``?ordering=
    modification_timestamp``) with ``id`` as the tiebreaker.
    """

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_mode = self.cursor_query_param in request.query_params
        if not self.cursor_mode:
            return super().paginate_queryset(queryset, request, view)
        return self._paginate_by_cursor(queryset, request)

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return super().get_paginated_response(data)
        return Response({"count": None, "next": self.next_link, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "Rows matching the filters; null on cursor pages.",
        }
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Keyset pagination for deep reads: pass it empty for the first page, then follow "
                "`next`. Allowed orderings: " + ", ".join(CURSOR_ORDERINGS) + ".",
                "schema": {"type": "string"},
            },
        ]

    def _paginate_by_cursor(self, queryset: QuerySet[Listing], request) -> list[Listing]:
        ordering = request.query_params.get("ordering") or CURSOR_ORDERINGS[0]
        if ordering not in CURSOR_ORDERINGS:
            raise serializers.ValidationError(
                {"cursor": [f"Cursor pagination follows ordering {' or '.join(CURSOR_ORDERINGS)} only."]}
            )
        descending = ordering.startswith("-")
        queryset = queryset.order_by(
            *(("-modification_timestamp", "-id") if descending else ("modification_timestamp", "id"))
        )
        if position := request.query_params[self.cursor_query_param]:
            timestamp, pk = self._decode(position)
            op = "lt" if descending else "gt"
            queryset = queryset.filter(
                Q(**{f"modification_timestamp__{op}": timestamp})
                | Q(modification_timestamp=timestamp, **{f"id__{op}": pk})
            )
        size = self.get_page_size(request)
        rows = list(queryset[: size + 1])
        self.next_link = None
        if len(rows) > size:
            rows = rows[:size]
            url = remove_query_param(request.build_absolute_uri(), self.page_query_param)
            self.next_link = replace_query_param(url, self.cursor_query_param, self._encode(rows[-1]))
        return rows

    @staticmethod
    def _encode(row: Listing) -> str:
        raw = json.dumps([row.modification_timestamp.isoformat(), row.pk]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode(position: str) -> tuple[datetime.datetime, int]:
        try:
            if len(position) > 200:  # ours are ~60 characters; bounds the work on hostile input
                raise ValueError(position)
            raw = base64.urlsafe_b64decode(position + "=" * (-len(position) % 4))
            timestamp, pk = json.loads(raw)
            timestamp = datetime.datetime.fromisoformat(timestamp)
            if timestamp.tzinfo is None or type(pk) is not int or not 0 < pk < 2**63:
                raise ValueError(position)
        except (ValueError, TypeError, RecursionError, binascii.Error):
            raise serializers.ValidationError({"cursor": ["Invalid cursor."]}) from None
        return timestamp, pk


@extend_schema_view(
    list=extend_schema(
        summary="Search listings",
        description="Active listings and closed sales, filtered by RESO field names; newest change first "
        "unless `ordering` says otherwise. Page numbers (`page`, `page_size` up to 500) or, for deep "
        "reads, keyset pagination with `cursor`.",
        responses={200: ListingOutputSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary="One listing by its RESO ListingKey",
        responses={200: ListingOutputSerializer, **error_responses(401, 403, 404)},
    ),
)
class ListingViewSet(viewsets.ReadOnlyModelViewSet):
    """Listings (RESO *Property*) for agents, brokers and staff; clients get 403."""

    permission_classes = [IsAuthenticated, IsBrokerageMember]
    serializer_class = ListingOutputSerializer
    pagination_class = ListingPagination
    # The filterset owns ordering (with an ``id`` tiebreaker), so DRF's OrderingFilter stays out.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ListingFilterSet
    lookup_field = "listing_key"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self) -> QuerySet[Listing]:
        return listing_search_queryset()

    def get_object(self) -> Listing:
        listing_key = self.kwargs[self.lookup_field]
        # PostgreSQL rejects NUL in text parameters; no key holds one (or is longer than the column).
        if "\x00" in listing_key or len(listing_key) > Listing._meta.get_field("listing_key").max_length:
            raise NotFound
        try:
            listing = get_listing(listing_key=listing_key)
        except Listing.DoesNotExist:
            raise NotFound from None
        self.check_object_permissions(self.request, listing)
        return listing
