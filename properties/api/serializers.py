"""API representations of listings. Read-only: listings change through imports, not the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from properties.models import Listing

#: Response fields, RESO Data Dictionary names in snake_case.
LISTING_FIELDS = (
    "listing_key",
    "listing_id",
    "standard_status",
    "property_type",
    "property_sub_type",
    "list_price",
    "original_list_price",
    "close_price",
    "close_date",
    "listing_contract_date",
    "on_market_date",
    "days_on_market",
    "bedrooms_total",
    "bathrooms_total_integer",
    "bathrooms_full",
    "bathrooms_three_quarter",
    "bathrooms_half",
    "bathrooms_one_quarter",
    "living_area",
    "lot_size_square_feet",
    "year_built",
    "year_built_effective",
    "unparsed_address",
    "city",
    "state_or_province",
    "postal_code",
    "county_or_parish",
    "mls_area_major",
    "latitude",
    "longitude",
    "parcel_number",
    "public_remarks",
    "waterfront_yn",
    "building_grade",
    "list_agent",
    "list_office",
    "modification_timestamp",
    "is_synthetic",
    "data_source",
)


@extend_schema_serializer(component_name="Listing")
class ListingOutputSerializer(serializers.ModelSerializer):
    """One listing (RESO *Property*). Money as decimal strings in USD, areas in sq ft, WGS84 degrees.

    ``list_agent`` is the agent's RESO ``member_key`` and ``list_office`` the ``office_key``
    (null when unknown, e.g. assessor sales). ``is_synthetic`` marks demo figures.
    """

    list_agent = serializers.SlugRelatedField(
        slug_field="member_key",
        read_only=True,
        allow_null=True,
        help_text="RESO MemberKey of the listing agent, or null.",
    )
    list_office = serializers.SlugRelatedField(
        slug_field="office_key",
        read_only=True,
        allow_null=True,
        help_text="RESO OfficeKey of the listing office, or null.",
    )

    class Meta:
        model = Listing
        fields = LISTING_FIELDS
        read_only_fields = LISTING_FIELDS
