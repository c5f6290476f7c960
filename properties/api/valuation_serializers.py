"""API shapes of valuations, market statistics and deal analysis.

Money in USD (numbers), areas in sq ft, distances in miles, dates ISO 8601. Field names are
the snake_case of RESO Data Dictionary names where one exists.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from properties import valuation_service
from properties.models import Listing, PropertySubType, PropertyType

#: Subject facts the request may carry (RESO names; ``bathrooms`` is a decimal count).
SUBJECT_ATTRIBUTES = (
    "latitude",
    "longitude",
    "living_area",
    "bedrooms_total",
    "bathrooms",
    "bathrooms_total_integer",
    "year_built",
    "lot_size_square_feet",
    "property_type",
    "property_sub_type",
    "parcel_number",
    "postal_code",
    "waterfront_yn",
    "year_built_effective",
    "building_grade",
    "unparsed_address",
)


class ValuationRequestSerializer(serializers.Serializer):
    """A subject (``listing_key``, or attributes) and the date to value it as of.

    With ``listing_key`` the listing's facts are used and any attribute given overrides one of
    them ("what if it had 4 bedrooms"); without it ``latitude``, ``longitude`` and
    ``living_area`` are required.
    """

    listing_key = serializers.CharField(required=False, max_length=64, help_text="RESO ListingKey of the subject.")
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90, help_text="WGS84 degrees.")
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180, help_text="WGS84 degrees.")
    living_area = serializers.FloatField(
        required=False, min_value=1, max_value=valuation_service.MAX_LIVING_AREA, help_text="Square feet."
    )
    bedrooms_total = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=50)
    bathrooms = serializers.DecimalField(
        required=False, allow_null=True, min_value=0, max_value=50, max_digits=5, decimal_places=2,
        help_text="Decimal count: full + 0.75 three-quarter + 0.5 half + 0.25 quarter.",
    )  # fmt: skip
    bathrooms_total_integer = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=50)
    year_built = serializers.IntegerField(required=False, allow_null=True, min_value=1600, max_value=2200)
    lot_size_square_feet = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=valuation_service.MAX_LOT_SIZE
    )
    property_type = serializers.ChoiceField(choices=PropertyType.choices, required=False, allow_blank=True)
    property_sub_type = serializers.ChoiceField(choices=PropertySubType.choices, required=False, allow_blank=True)
    parcel_number = serializers.CharField(required=False, allow_blank=True, max_length=50)
    postal_code = serializers.RegexField(r"^\d{5}(-\d{4})?$", required=False, allow_blank=True)
    waterfront_yn = serializers.BooleanField(required=False, allow_null=True, default=None)
    year_built_effective = serializers.IntegerField(required=False, allow_null=True, min_value=1600, max_value=2200)
    building_grade = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=20)
    unparsed_address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    as_of = serializers.DateField(
        required=False,
        help_text=(
            "Only sales closed strictly before this date are used. Default: today, or the day after the newest "
            "sale on file when the data ends earlier."
        ),
    )
    radius_miles = serializers.FloatField(
        required=False, min_value=0.05, max_value=50, help_text="Initial comp radius."
    )
    months = serializers.IntegerField(required=False, min_value=1, max_value=120, help_text="Initial comp look-back.")
    max_comps = serializers.IntegerField(required=False, min_value=1, max_value=50)
    include_listing_keys = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50, help_text="Force these sales in."
    )
    exclude_listing_keys = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=200, help_text="Leave these sales out."
    )

    def validate(self, attrs: dict) -> dict:
        key = (attrs.get("listing_key") or "").strip()
        if key:
            listing = Listing.objects.filter(listing_key=key).first()
            if listing is None:
                raise serializers.ValidationError({"listing_key": ["Unknown listing_key."]})
            attrs["listing"] = listing
        else:
            missing = {
                name: ["This field is required when no listing_key is given."]
                for name in ("latitude", "longitude", "living_area")
                if attrs.get(name) is None
            }
            if missing:
                raise serializers.ValidationError(missing)
        if "as_of" not in attrs:
            attrs["as_of"] = valuation_service.data_as_of()  # today while the sales data is current
        return attrs


class AdjustmentLineSerializer(serializers.Serializer):
    line = serializers.CharField(help_text="time, location, size, bedrooms, bathrooms, age, lot, waterfront…")
    label = serializers.CharField()
    amount = serializers.FloatField(help_text="USD; positive when the subject is superior to the comp.")
    overridden = serializers.BooleanField(help_text="Set by an agent rather than computed.")


class ComparableSaleSerializer(serializers.Serializer):
    listing_key = serializers.CharField()
    parcel_number = serializers.CharField(allow_blank=True)
    display_address = serializers.CharField()
    close_date = serializers.DateField()
    close_price = serializers.FloatField(help_text="USD.")
    distance_miles = serializers.FloatField(help_text="Great-circle miles from the subject.")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    living_area = serializers.FloatField(help_text="Square feet.")
    bedrooms_total = serializers.FloatField(allow_null=True)
    bathrooms = serializers.FloatField(allow_null=True)
    year_built = serializers.IntegerField(allow_null=True)
    lot_size_square_feet = serializers.FloatField(allow_null=True)
    property_sub_type = serializers.CharField(allow_blank=True)
    postal_code = serializers.CharField(allow_blank=True)
    adjustments = AdjustmentLineSerializer(many=True)
    net_adjustment = serializers.FloatField(help_text="USD.")
    net_adjustment_pct = serializers.FloatField(help_text="Percent of the close price.")
    gross_adjustment_pct = serializers.FloatField(help_text="Percent of the close price (sum of absolute lines).")
    adjusted_price = serializers.FloatField(help_text="USD.")
    weight = serializers.FloatField(help_text="Share (0..1) of the estimate this comp carries.")
    similarity_score = serializers.FloatField()
    is_prior_sale_of_subject = serializers.BooleanField()
    included_by_agent = serializers.BooleanField()
    is_synthetic = serializers.BooleanField(default=False)


@extend_schema_serializer(component_name="Valuation")
class ValuationOutputSerializer(serializers.Serializer):
    """A valuation as of a date: ``estimate`` with an 80% ``low``-``high`` range (USD).

    ``confidence`` (0..1) is the measured probability that the sale price lands within ±10% of
    the estimate for valuations like this one (from the engine's back-tested errors).
    """

    as_of = serializers.DateField()
    estimate = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()
    interval_level = serializers.FloatField(help_text="0.8: the range is an 80% interval.")
    confidence = serializers.FloatField()
    confidence_label = serializers.CharField(help_text="high, medium or low.")
    expected_error_pct = serializers.FloatField(help_text="Median absolute error expected, percent.")
    method = serializers.CharField(help_text="Which estimates were reconciled: model, comps, prior_sale.")
    model_version = serializers.CharField()
    comps = ComparableSaleSerializer(many=True)
    components = serializers.DictField(help_text="The model, comps and prior-sale estimates and their weights.")
    search = serializers.DictField(help_text="The comp search as run (radius, months, widening).")
    market = serializers.DictField(help_text="The area's index change over 12 months and monthly trend, percent.")
    notes = serializers.ListField(child=serializers.CharField())
    subject = serializers.DictField(help_text="The subject facts used.")
    data_source = serializers.CharField()


class MarketStatsQuerySerializer(serializers.Serializer):
    postal_code = serializers.RegexField(r"^\d{5}$", help_text="Five-digit ZIP code.")
    months = serializers.IntegerField(required=False, default=24, min_value=1, max_value=240)
    as_of = serializers.DateField(
        required=False, help_text="Sales before the first day of this month count. Default: all data."
    )


class MarketMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="First day of the month.")
    median_close_price = serializers.FloatField(allow_null=True, help_text="USD.")
    median_price_per_sqft = serializers.FloatField(allow_null=True, help_text="USD per sq ft.")
    sales_count = serializers.IntegerField(source="count")
    trend_index = serializers.FloatField(allow_null=True, help_text="Quality-adjusted index, 100 at the first month.")


class MarketStatsOutputSerializer(serializers.Serializer):
    postal_code = serializers.CharField()
    results = MarketMonthSerializer(many=True)


class DealAssumptionsSerializer(serializers.Serializer):
    """What the analysis may assume (USD, percent, months); omitted means the documented default."""

    monthly_rent = serializers.DecimalField(
        required=False, allow_null=True, min_value=0, max_digits=12, decimal_places=2,
        help_text="USD per month; without it there is no rental scenario or yield dimension.",
    )  # fmt: skip
    repair_costs = serializers.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2)
    after_repair_value = serializers.DecimalField(
        required=False, allow_null=True, min_value=1, max_digits=14, decimal_places=2,
        help_text="USD; default: the median of the upper half of the comps' adjusted prices.",
    )  # fmt: skip
    holding_months = serializers.DecimalField(required=False, min_value=1, max_value=60, max_digits=4, decimal_places=1)
    monthly_holding_cost = serializers.DecimalField(
        required=False, allow_null=True, min_value=0, max_digits=12, decimal_places=2,
        help_text="USD; default 1.2% of the price per year / 12.",
    )  # fmt: skip
    annual_operating_expenses = serializers.DecimalField(
        required=False, allow_null=True, min_value=0, max_digits=12, decimal_places=2,
        help_text="USD; default half the gross scheduled rent (the 50% rule).",
    )  # fmt: skip
    down_payment_pct = serializers.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    annual_rate_pct = serializers.DecimalField(
        required=False, min_value=0, max_value=30, max_digits=6, decimal_places=3
    )
    term_years = serializers.IntegerField(required=False, min_value=1, max_value=50)


class DealAnalysisRequestSerializer(DealAssumptionsSerializer):
    """A price to analyse: a ``listing_key`` (valued now, at its list or close price unless
    ``price`` is given) or ``price``, ``estimated_value`` and ``living_area``."""

    listing_key = serializers.CharField(required=False, max_length=64)
    price = serializers.DecimalField(required=False, min_value=1, max_digits=14, decimal_places=2, help_text="USD.")
    estimated_value = serializers.DecimalField(required=False, min_value=1, max_digits=14, decimal_places=2)
    living_area = serializers.FloatField(required=False, min_value=1, help_text="Square feet.")
    area_median_price_per_sqft = serializers.FloatField(required=False, min_value=0.01, help_text="USD per sq ft.")
    market_change_12m_pct = serializers.FloatField(required=False, min_value=-100, max_value=1000)
    days_on_market = serializers.IntegerField(required=False, min_value=0)
    area_median_days_on_market = serializers.FloatField(required=False, min_value=0.5)

    def validate(self, attrs: dict) -> dict:
        key = (attrs.get("listing_key") or "").strip()
        if key:
            listing = Listing.objects.filter(listing_key=key).first()
            if listing is None:
                raise serializers.ValidationError({"listing_key": ["Unknown listing_key."]})
            attrs["listing"] = listing
            return attrs
        missing = {
            name: ["This field is required when no listing_key is given."]
            for name in ("price", "estimated_value", "living_area")
            if attrs.get(name) is None
        }
        if missing:
            raise serializers.ValidationError(missing)
        if (attrs.get("days_on_market") is None) != (attrs.get("area_median_days_on_market") is None):
            raise serializers.ValidationError(
                {"area_median_days_on_market": ["Give days_on_market and area_median_days_on_market together."]}
            )
        return attrs


class DealDimensionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="value, price_per_sqft, market or rental_yield.")
    score = serializers.FloatField(help_text="0..100; 50 is a market-rate deal.")
    weight = serializers.FloatField()
    explanation = serializers.CharField()


class FlipScenarioSerializer(serializers.Serializer):
    purchase_price = serializers.FloatField()
    purchase_closing_costs = serializers.FloatField()
    repair_costs = serializers.FloatField()
    holding_costs = serializers.FloatField()
    total_cost = serializers.FloatField()
    sale_price = serializers.FloatField()
    selling_costs = serializers.FloatField()
    profit = serializers.FloatField()
    roi_pct = serializers.FloatField()
    annualized_roi_pct = serializers.FloatField()
    maximum_allowable_offer = serializers.FloatField()


class RentalScenarioSerializer(serializers.Serializer):
    gross_scheduled_rent = serializers.FloatField()
    vacancy_loss = serializers.FloatField()
    effective_gross_income = serializers.FloatField()
    operating_expenses = serializers.FloatField()
    net_operating_income = serializers.FloatField()
    loan_amount = serializers.FloatField()
    monthly_mortgage_payment = serializers.FloatField()
    annual_debt_service = serializers.FloatField()
    annual_cash_flow = serializers.FloatField()
    monthly_cash_flow = serializers.FloatField()
    cash_invested = serializers.FloatField()
    cap_rate_pct = serializers.FloatField()
    cash_on_cash_pct = serializers.FloatField()
    debt_service_coverage_ratio = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="DealAnalysis")
class DealAnalysisOutputSerializer(serializers.Serializer):
    """Deal score (0..100, grade A-F, four dimensions), ARV, 70%-rule offer, flip and rental (USD, %)."""

    score = serializers.FloatField()
    grade = serializers.CharField()
    dimensions = DealDimensionSerializer(many=True)
    after_repair_value = serializers.FloatField()
    arv_source = serializers.CharField()
    maximum_allowable_offer = serializers.FloatField(help_text="0.70 x ARV - repair costs; may be negative.")
    flip = FlipScenarioSerializer()
    rental = RentalScenarioSerializer(allow_null=True)
    owner_monthly_payment = serializers.FloatField(help_text="Principal and interest, 20% down.")
    owner_down_payment_pct = serializers.FloatField()
    inputs = serializers.DictField()
    assumptions = serializers.DictField()
