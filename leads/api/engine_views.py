"""REST endpoints of the lead engine: saved searches and matches (``/api/v1/saved-searches/``, ``/api/v1/matches/``).

Agents and brokers see the records of contacts they may see (``visible_to``); clients
see their own. A record you cannot see answers 404. Writes go through ``leads.services``.
"""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from leads import services
from leads.engine_selectors import matches_visible_to, saved_searches_visible_to
from leads.models import Contact, Match, SavedSearch
from realtor.exceptions import DomainError


class SavedSearchSerializer(serializers.ModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.none(), required=False)

    class Meta:
        model = SavedSearch
        fields = ["id", "contact", *services.SAVED_SEARCH_FIELDS, "alerts_paused_at", "created_at"]
        read_only_fields = ["id", "alerts_paused_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and not request.user.is_client:
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


class SavedSearchViewSet(viewsets.ModelViewSet):
    """Buyers' saved searches; creating one counts as engagement and rescores the contact."""

    serializer_class = SavedSearchSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
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


class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Listings matched to saved searches, with reasons; PATCH ``status`` to favourite or dismiss."""

    serializer_class = MatchSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        qs = matches_visible_to(user=self.request.user).order_by("-created_at", "-id")
        if status := self.request.query_params.get("status"):
            qs = qs.filter(status=status)
        return qs

    def perform_update(self, serializer):
        match = serializer.instance
        serializer.instance = services.set_match_status(
            contact=match.contact, match=match, status=serializer.validated_data.get("status", match.status)
        )
