"""Contacts (leads and clients) and their activities, for brokerage members.

Reads go through ``leads.selectors`` (scoped by ``visible_to``: a contact you cannot
see answers 404), writes through ``leads.services``.

There is no DELETE (405). Deleting a contact would cascade into its consent ledger and
marketing deliveries, the evidence that email and SMS were sent with consent (TCPA,
CAN-SPAM), and would orphan offers. Retire a lead with ``stage=lost``; erasure requests
are a broker action in the admin, not an integration's.
"""

from __future__ import annotations

import re

import django_filters
from django.db.models import Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from leads.models import Contact
from leads.selectors import (
    get_contact_detail_visible_to,
    get_contact_visible_to,
    list_activities,
    list_contacts_visible_to,
)
from leads.services import add_activity, create_contact, update_contact
from realtor.api.pagination import StandardPagination
from realtor.api.views import error_responses
from realtor.permissions import IsBrokerageMember

from .serializers import (
    ActivityInputSerializer,
    ActivityOutputSerializer,
    ContactDetailSerializer,
    ContactInputSerializer,
    ContactOutputSerializer,
    ContactReplaceSerializer,
)

_PHONE_QUERY = re.compile(r"^[\d\s().+-]+$")
_CONTACT_ID = re.compile(r"[0-9]{1,18}")


class ContactFilterSet(django_filters.FilterSet):
    """Contact filters: stage, type, a free-text ``q`` over name, email and phone, and ordering."""

    stage = django_filters.ChoiceFilter(choices=Contact.Stage.choices)
    contact_type = django_filters.ChoiceFilter(choices=Contact.ContactType.choices)
    q = django_filters.CharFilter(
        method="search", max_length=100, label="Search first/last name, email or phone (every word must match)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("last_name", "last_name"),
            ("score", "score"),
            ("last_contacted_at", "last_contacted_at"),
        )
    )

    class Meta:
        model = Contact
        fields: list[str] = []

    def search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        """Every word in a name or email; or, for phone-like input, digits within the E.164 number."""
        match = Q()
        for word in value.split():
            match &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        digits = re.sub(r"\D", "", value)
        if _PHONE_QUERY.match(value) and len(digits) >= 4:
            match |= Q(phone_e164__contains=digits)
        return queryset.filter(match)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A stable tiebreaker keeps pages from overlapping when the sort key repeats.
        ordering = list(queryset.query.order_by) or ["-created_at"]
        return queryset.order_by(*ordering, "-id")


CONTACT_ERRORS = error_responses(401, 403, 404)
# The URL takes any segment so that a malformed id answers the JSON 404 too; the schema says integer.
CONTACT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The contact's id.")


@extend_schema_view(
    list=extend_schema(
        summary="List the contacts you can see",
        description="Agents see their own and their team's contacts; brokers and staff every contact of "
        "their brokerage. Newest first unless `ordering` says otherwise.",
        responses={200: ContactOutputSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary="One contact, with its score breakdown, consent, routing history and tasks",
        description="`score_breakdown` lists the points of each scoring factor with the reason; "
        "`routing_history` says why the lead went to each agent; `speed_to_lead_seconds` is the time "
        "from arrival to first contact. Activities are at `/api/v1/leads/{id}/activities/`.",
        parameters=[CONTACT_ID],
        responses={200: ContactDetailSerializer, **CONTACT_ERRORS},
    ),
    create=extend_schema(
        summary="Create a contact",
        description="Assigned to you unless `assigned_agent` names another agent of your brokerage. "
        "Needs an email or a phone (422 otherwise).",
        request=ContactInputSerializer,
        responses={201: ContactOutputSerializer, **error_responses(400, 401, 403, 422)},
    ),
    update=extend_schema(
        summary="Replace a contact's editable fields",
        parameters=[CONTACT_ID],
        request=ContactReplaceSerializer,
        responses={200: ContactOutputSerializer, **error_responses(400, 401, 403, 404, 422)},
    ),
    partial_update=extend_schema(
        summary="Change some of a contact's editable fields",
        parameters=[CONTACT_ID],
        request=ContactInputSerializer,
        responses={200: ContactOutputSerializer, **error_responses(400, 401, 403, 404, 422)},
    ),
)
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Leads and clients of your brokerage (RESO *Contacts*); clients get 403, unseen contacts 404."""

    permission_classes = [IsAuthenticated, IsBrokerageMember]
    serializer_class = ContactOutputSerializer
    # The filterset owns ordering (with an ``id`` tiebreaker), so DRF's OrderingFilter stays out.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilterSet
    lookup_value_regex = r"[^/]+"  # any segment: a malformed id gets the JSON 404 from get_object

    def get_queryset(self) -> QuerySet[Contact]:
        return list_contacts_visible_to(user=self.request.user)

    def get_object(self) -> Contact:
        pk = self.kwargs["pk"]
        if not _CONTACT_ID.fullmatch(pk):
            raise NotFound
        contact = get_contact_visible_to(user=self.request.user, pk=int(pk))
        self.check_object_permissions(self.request, contact)
        return contact

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        pk = self.kwargs["pk"]
        if not _CONTACT_ID.fullmatch(pk):
            raise NotFound
        contact = get_contact_detail_visible_to(user=request.user, pk=int(pk))
        self.check_object_permissions(request, contact)
        return Response(ContactDetailSerializer(contact).data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = ContactInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        contact = create_contact(actor=request.user, data=data.validated_data)
        location = reverse("api:contact-detail", kwargs={"pk": contact.pk}, request=request)
        return Response(
            ContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        contact = self.get_object()
        input_class = ContactInputSerializer if partial else ContactReplaceSerializer
        data = input_class(data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        contact = update_contact(actor=request.user, contact=contact, data=data.validated_data)
        return Response(ContactOutputSerializer(contact).data)

    @extend_schema(
        methods=["GET"],
        summary="A contact's activities, newest first",
        parameters=[CONTACT_ID],
        responses={200: ActivityOutputSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Log an activity on a contact",
        parameters=[CONTACT_ID],
        description="A call, email, text, meeting or showing marks the contact contacted: it sets "
        "`first_contact_at` once, `last_contacted_at` every time, and moves a new lead to `contacted`.",
        request=ActivityInputSerializer,
        responses={201: ActivityOutputSerializer, **error_responses(400, 401, 403, 404, 422)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="activities",
        filter_backends=[],
        pagination_class=StandardPagination,
    )
    def activities(self, request: Request, pk: str | None = None) -> Response:
        contact = self.get_object()
        if request.method == "POST":
            data = ActivityInputSerializer(data=request.data, context=self.get_serializer_context())
            data.is_valid(raise_exception=True)
            activity = add_activity(actor=request.user, contact=contact, **data.validated_data)
            return Response(ActivityOutputSerializer(activity).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(list_activities(contact=contact))
        return self.get_paginated_response(ActivityOutputSerializer(page, many=True).data)
