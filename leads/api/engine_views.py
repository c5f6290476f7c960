"""REST endpoints of the lead engine: saved searches and matches (``/api/v1/saved-searches/``, ``/api/v1/matches/``).

Agents and brokers see the records of contacts they may see (``visible_to``); clients
see their own. A record you cannot see answers 404. Writes go through ``leads.services``.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from leads import services
from leads.engine_selectors import matches_visible_to, saved_searches_visible_to
from leads.models import Contact, Match, SavedSearch
from properties.models import PropertySubType
from realtor.api.views import error_responses
from realtor.exceptions import DomainError


class SavedSearchSerializer(serializers.ModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.none(), required=False)
    # Lists, never null: the model's JSON columns hold lists only.
    postal_codes = serializers.ListField(child=serializers.RegexField(r"^\d{5}$"), required=False, max_length=50)
    property_sub_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PropertySubType.choices), required=False, max_length=len(PropertySubType)
    )
    must_haves = serializers.ListField(
        child=serializers.CharField(max_length=40, allow_blank=False), required=False, max_length=20
    )

    class Meta:
        model = SavedSearch
        fields = ["id", "contact", *services.SAVED_SEARCH_FIELDS, "alerts_paused_at", "created_at"]
        read_only_fields = ["id", "alerts_paused_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # Schema generation passes an anonymous user: it keeps the empty queryset.
        if request is not None and request.user.is_authenticated and not request.user.is_client:
            self.fields["contact"].queryset = Contact.objects.visible_to(request.user)


class MatchSerializer(serializers.ModelSerializer):
    listing_key = serializers.CharField(source="listing.listing_key", read_only=True)
    address = serializers.CharField(source="listing.display_address", read_only=True)
    list_price = serializers.DecimalField(source="listing.list_price", max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "saved_search",
            "contact",
            "listing",
            "listing_key",
            "address",
            "list_price",
            "score",
            "reasons",
            "trigger",
            "status",
            "created_at",
            "alerted_at",
        ]
        read_only_fields = [f for f in fields if f != "status"]


SEARCH_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The saved search's id.")
MATCH_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The match's id.")


@extend_schema_view(
    list=extend_schema(
        operation_id="saved_searches_list",
        summary="List the saved searches you can see",
        description="Agents and brokers: searches of the contacts they may see. Clients: their own. Newest first.",
        responses={200: SavedSearchSerializer(many=True), **error_responses(401, 404)},
    ),
    retrieve=extend_schema(
        summary="One saved search",
        parameters=[SEARCH_ID],
        responses={200: SavedSearchSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Save a search",
        description="Agents name the `contact`; a client's search is their own. Counts as engagement "
        "(rescores the contact). A reversed price range or a radius without a centre answers 422.",
        responses={201: SavedSearchSerializer, **error_responses(400, 401, 422)},
    ),
    partial_update=extend_schema(
        summary="Change a saved search (criteria, alert frequency, active)",
        description="Re-activating a search whose alerts were paused resumes them.",
        parameters=[SEARCH_ID],
        responses={200: SavedSearchSerializer, **error_responses(400, 401, 404, 422)},
    ),
    destroy=extend_schema(
        summary="Delete a saved search", parameters=[SEARCH_ID], responses={204: None, **error_responses(401, 404)}
    ),
)
class SavedSearchViewSet(viewsets.ModelViewSet):
    """Buyers' saved searches; creating one counts as engagement and rescores the contact."""

    serializer_class = SavedSearchSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user to scope by
            return SavedSearch.objects.none()
        return saved_searches_visible_to(user=self.request.user).order_by("-created_at", "-id")

    def _contact_for_create(self, serializer) -> Contact:
        user = self.request.user
        if user.is_client:
            contact = Contact.objects.filter(user=user).first()
            if contact is None:
                raise DomainError("Your login has no client record.")
            return contact
        contact = serializer.validated_data.get("contact")
        if contact is None:
            raise serializers.ValidationError({"contact": ["This field is required."]})
        return contact

    def perform_create(self, serializer):
        contact = self._contact_for_create(serializer)
        data = {k: v for k, v in serializer.validated_data.items() if k != "contact"}
        serializer.instance = services.save_search(contact=contact, data=data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "contact"}
        serializer.instance = services.save_search(
            contact=serializer.instance.contact, data=data, saved_search=serializer.instance
        )


@extend_schema_view(
    list=extend_schema(
        summary="List matched listings with their reasons",
        description="Agents and brokers: matches of the contacts they may see. Clients: their own. Newest first.",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=Match.Status.values, description="Only matches in this status."
            )
        ],
        responses={200: MatchSerializer(many=True), **error_responses(401)},
    ),
    retrieve=extend_schema(
        summary="One match", parameters=[MATCH_ID], responses={200: MatchSerializer, **error_responses(401, 404)}
    ),
    partial_update=extend_schema(
        summary="Favourite or dismiss a match",
        description="`status`: new, favorited (also adds the listing to the buyer's favourites) or dismissed.",
        parameters=[MATCH_ID],
        responses={200: MatchSerializer, **error_responses(400, 401, 404, 422)},
    ),
)
class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Listings matched to saved searches, with reasons; PATCH ``status`` to favourite or dismiss."""

    serializer_class = MatchSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user to scope by
            return Match.objects.none()
        qs = matches_visible_to(user=self.request.user).order_by("-created_at", "-id")
        if status := self.request.query_params.get("status"):
            qs = qs.filter(status=status)
        return qs

    def perform_update(self, serializer):
        match = serializer.instance
        serializer.instance = services.set_match_status(
            contact=match.contact, match=match, status=serializer.validated_data.get("status", match.status)
        )
