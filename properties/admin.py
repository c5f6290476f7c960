"""Admin for listings (shared MLS data: every staff user sees all of them) and their children."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from realtor.admin import BrokerageScopedAdmin, ScopedTabularInline, ViewOnlyMixin, year_filter

from . import cma_services
from .hooks import is_market_event, notify_listing_change
from .models import (
    CMA,
    CMAVersion,
    Listing,
    ListingHistory,
    ListingMedia,
    ListingValuation,
    MarketStat,
    OpenHouse,
    StandardStatus,
)


class ListingHistoryInline(ViewOnlyMixin, ScopedTabularInline):
    model = ListingHistory
    fields = ("at", "event", "previous_value", "new_value")


class ListingMediaInline(ScopedTabularInline):
    model = ListingMedia
    fields = ("order", "media_key", "media_category", "media_url", "short_description")


class OpenHouseInline(ScopedTabularInline):
    model = OpenHouse
    fields = ("open_house_key", "open_house_start_time", "open_house_end_time", "open_house_remarks")


@admin.register(Listing)
class ListingAdmin(BrokerageScopedAdmin):
    """43k+ rows: keyed searches, no full count, and no select of all listings anywhere."""

    brokerage_path = None
    list_display = (
        "listing_key",
        "address",
        "standard_status",
        "property_sub_type",
        "list_price",
        "close_price",
        "close_date",
        "bedrooms_total",
        "bathrooms_total_integer",
        "living_area",
        "year_built",
        "list_agent",
        "is_synthetic",
    )
    list_select_related = ("list_agent__user",)
    list_filter = (
        "standard_status",
        year_filter("close_date", "close year"),
        "property_type",
        "property_sub_type",
        "is_synthetic",
        "waterfront_yn",
        "city",
    )
    search_fields = ("^listing_key", "^listing_id", "unparsed_address", "^postal_code", "^parcel_number", "city")
    show_full_result_count = False
    autocomplete_fields = ("list_agent", "list_office")
    readonly_fields = ("price_per_square_foot", "ai_description_call", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {"fields": ("listing_key", "listing_id", "standard_status", "property_type", "property_sub_type")},
        ),
        (
            "Price and dates",
            {
                "fields": (
                    "list_price",
                    "original_list_price",
                    "close_price",
                    "close_date",
                    "price_per_square_foot",
                    "listing_contract_date",
                    "on_market_date",
                    "days_on_market",
                )
            },
        ),
        (
            "Home",
            {
                "fields": (
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
                    "building_grade",
                    "waterfront_yn",
                )
            },
        ),
        (
            "Location",
            {
                "fields": (
                    "unparsed_address",
                    "city",
                    "state_or_province",
                    "postal_code",
                    "county_or_parish",
                    "mls_area_major",
                    "latitude",
                    "longitude",
                    "parcel_number",
                )
            },
        ),
        ("Agent and source", {"fields": ("list_agent", "list_office", "data_source", "is_synthetic")}),
        ("Remarks", {"fields": ("public_remarks", "ai_description", "ai_description_call")}),
        ("Record", {"fields": ("modification_timestamp", "created_at", "updated_at")}),
    )
    inlines = (ListingHistoryInline, ListingMediaInline, OpenHouseInline)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        # The listing agent and office come from the MLS feed and may belong to another
        # brokerage, which a broker can neither see nor pick.
        return (*readonly, "list_agent", "list_office")

    def save_model(self, request: HttpRequest, obj: Listing, form, change: bool) -> None:
        """Save, then report a listing put on the market or cut in price to the hooks (buyer matching)."""
        before = Listing.objects.filter(pk=obj.pk).values("standard_status", "list_price").first() if change else None
        super().save_model(request, obj, form, change)
        previous_status = before["standard_status"] if before else None
        previous_price = before["list_price"] if before else None
        if is_market_event(
            previous_status=previous_status,
            previous_list_price=previous_price,
            status=obj.standard_status,
            list_price=obj.list_price,
        ):
            notify_listing_change(obj.pk, previous_price, previous_status)
        if obj.standard_status != StandardStatus.CLOSED and (not change or form is None or form.changed_data):
            # New facts or price: refresh the valuation, market statistics and deal score.
            cma_services.record_listing_facts_changed(listing_id=obj.pk)

    @admin.display(description="Address", ordering="unparsed_address")
    def address(self, obj: Listing) -> str:
        return obj.display_address

    @admin.display(description="Price per sq ft (USD)")
    def price_per_square_foot(self, obj: Listing):
        return obj.price_per_square_foot


@admin.register(ListingHistory)
class ListingHistoryAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    brokerage_path = None
    list_display = ("at", "listing", "event", "previous_value", "new_value")
    list_select_related = ("listing",)
    list_filter = ("event", year_filter("at", "year"))
    search_fields = ("^listing__listing_key", "listing__unparsed_address")
    show_full_result_count = False


@admin.register(ListingMedia)
class ListingMediaAdmin(BrokerageScopedAdmin):
    brokerage_path = None
    list_display = ("media_key", "listing", "media_category", "order", "short_description")
    list_select_related = ("listing",)
    list_filter = ("media_category",)
    search_fields = ("^media_key", "^listing__listing_key", "short_description")
    autocomplete_fields = ("listing",)
    show_full_result_count = False


@admin.register(OpenHouse)
class OpenHouseAdmin(BrokerageScopedAdmin):
    brokerage_path = None
    list_display = ("open_house_start_time", "open_house_end_time", "listing", "open_house_key")
    list_select_related = ("listing",)
    search_fields = ("^open_house_key", "^listing__listing_key", "listing__unparsed_address")
    autocomplete_fields = ("listing",)
    date_hierarchy = "open_house_start_time"


class CMAVersionInline(ViewOnlyMixin, ScopedTabularInline):
    model = CMAVersion
    fields = (
        "number",
        "created_at",
        "created_by",
        "change",
        "estimate",
        "low",
        "high",
        "recommended_list_price",
        "status",
    )
    readonly_fields = fields
    extra = 0


@admin.register(CMA)
class CMAAdmin(BrokerageScopedAdmin):
    """CMAs are written through the agent portal (every save is a version); staff review them here."""

    brokerage_path = "brokerage"
    list_display = ("id", "display_address", "created_by", "status", "estimate", "recommended_list_price", "version",
                    "updated_at")  # fmt: skip
    list_select_related = ("created_by__user", "brokerage")
    list_filter = ("status", year_filter("updated_at", "year"))
    search_fields = ("subject__display_address", "^subject_listing__listing_key", "created_by__user__email")
    readonly_fields = ("subject", "result", "estimate", "low", "high", "confidence", "method", "model_version",
                       "version", "pdf", "pdf_version", "pdf_generated_at", "shared_at")  # fmt: skip
    raw_id_fields = ("subject_listing", "created_by", "shared_with")
    inlines = [CMAVersionInline]


@admin.register(ListingValuation)
class ListingValuationAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """Automated valuations written by the enrichment task (read-only; they are recomputed)."""

    brokerage_path = None
    list_display = ("listing", "as_of", "estimate", "low", "high", "confidence", "deal_grade", "model_version", "error")
    list_select_related = ("listing",)
    list_filter = ("deal_grade",)
    search_fields = ("^listing__listing_key",)
    show_full_result_count = False


@admin.register(MarketStat)
class MarketStatAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """Monthly ZIP statistics computed from Closed sales (read-only cache)."""

    brokerage_path = None
    list_display = ("postal_code", "month", "sales_count", "median_close_price", "median_price_per_sqft", "trend_index")
    list_filter = (year_filter("month", "year"),)
    search_fields = ("^postal_code",)
