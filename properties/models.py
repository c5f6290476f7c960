"""Listings (RESO *Property*), their history, media and open houses.

Field names are the snake_case of RESO Data Dictionary 2.x names. Money in USD
(``Decimal``), areas in square feet, coordinates in WGS84 degrees.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from realtor.models import Agent, AICall, Office, TimeStampedModel

from .managers import ListingQuerySet


class StandardStatus(models.TextChoices):
    """RESO ``StandardStatus`` enumeration."""

    ACTIVE = "Active", "Active"
    ACTIVE_UNDER_CONTRACT = "ActiveUnderContract", "Active Under Contract"
    PENDING = "Pending", "Pending"
    CLOSED = "Closed", "Closed"
    COMING_SOON = "ComingSoon", "Coming Soon"
    HOLD = "Hold", "Hold"
    WITHDRAWN = "Withdrawn", "Withdrawn"
    EXPIRED = "Expired", "Expired"
    CANCELED = "Canceled", "Canceled"
    DELETE = "Delete", "Delete"
    INCOMPLETE = "Incomplete", "Incomplete"


class PropertyType(models.TextChoices):
    """RESO ``PropertyType`` enumeration."""

    RESIDENTIAL = "Residential", "Residential"
    RESIDENTIAL_INCOME = "ResidentialIncome", "Residential Income"
    RESIDENTIAL_LEASE = "ResidentialLease", "Residential Lease"
    LAND = "Land", "Land"
    FARM = "Farm", "Farm"
    COMMERCIAL_SALE = "CommercialSale", "Commercial Sale"
    COMMERCIAL_LEASE = "CommercialLease", "Commercial Lease"
    BUSINESS_OPPORTUNITY = "BusinessOpportunity", "Business Opportunity"
    MANUFACTURED_IN_PARK = "ManufacturedInPark", "Manufactured In Park"


class PropertySubType(models.TextChoices):
    """The RESO ``PropertySubType`` values used for residential listings."""

    SINGLE_FAMILY = "SingleFamilyResidence", "Single Family Residence"
    TOWNHOUSE = "Townhouse", "Townhouse"
    CONDOMINIUM = "Condominium", "Condominium"
    DUPLEX = "Duplex", "Duplex"
    MANUFACTURED = "ManufacturedHome", "Manufactured Home"
    OTHER = "Other", "Other"


class Listing(TimeStampedModel):
    """A listing or a recorded sale of one parcel (RESO *Property* resource).

    Closed rows are sales (``close_price``/``close_date`` required); Active rows are
    homes for sale. ``is_synthetic`` marks figures generated for the demo.
    """

    listing_key = models.CharField(max_length=64, unique=True)
    listing_id = models.CharField(max_length=64, blank=True, db_index=True)
    standard_status = models.CharField(max_length=24, choices=StandardStatus.choices, db_index=True)
    property_type = models.CharField(max_length=24, choices=PropertyType.choices, default=PropertyType.RESIDENTIAL)
    property_sub_type = models.CharField(max_length=32, choices=PropertySubType.choices, blank=True)
    list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    original_list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    close_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    listing_contract_date = models.DateField(null=True, blank=True)
    on_market_date = models.DateField(null=True, blank=True)
    days_on_market = models.PositiveIntegerField(null=True, blank=True)
    bedrooms_total = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms_total_integer = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms_full = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms_three_quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms_half = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms_one_quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    living_area = models.PositiveIntegerField(null=True, blank=True, help_text="Square feet.")
    lot_size_square_feet = models.PositiveIntegerField(null=True, blank=True)
    year_built = models.PositiveSmallIntegerField(null=True, blank=True)
    year_built_effective = models.PositiveSmallIntegerField(null=True, blank=True)
    unparsed_address = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_or_province = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    county_or_parish = models.CharField(max_length=100, blank=True)
    mls_area_major = models.CharField(max_length=50, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    parcel_number = models.CharField(max_length=50, blank=True, db_index=True)
    public_remarks = models.TextField(blank=True)
    waterfront_yn = models.BooleanField(null=True, blank=True)
    building_grade = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Local extension: assessor construction-quality grade (King County 1-13)."
    )
    list_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings")
    list_office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings")
    modification_timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    is_synthetic = models.BooleanField(default=False, help_text="Figures generated for the demo, not a real listing.")
    data_source = models.CharField(max_length=120, blank=True, help_text="Where the record came from.")
    ai_description = models.TextField(blank=True)
    ai_description_call = models.ForeignKey(AICall, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-modification_timestamp"]
        indexes = [
            models.Index(fields=["standard_status", "close_date"], name="listing_status_close"),
            models.Index(fields=["standard_status", "list_price"], name="listing_status_price"),
            models.Index(fields=["standard_status", "-modification_timestamp"], name="listing_status_mod"),
            models.Index(fields=["postal_code", "standard_status"], name="listing_zip_status"),
            models.Index(fields=["city", "standard_status"], name="listing_city_status"),
            models.Index(fields=["latitude", "longitude"], name="listing_lat_lon"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__isnull=True) | Q(list_price__gte=0), name="listing_list_price_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(close_price__isnull=True) | Q(close_price__gte=0), name="listing_close_price_nonneg"
            ),
            models.CheckConstraint(
                condition=~Q(standard_status="Closed") | (Q(close_price__isnull=False) & Q(close_date__isnull=False)),
                name="listing_closed_has_close_price_and_date",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="listing_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="listing_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(year_built__isnull=True) | (Q(year_built__gte=1600) & Q(year_built__lte=2200)),
                name="listing_year_built_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_address

    @property
    def display_address(self) -> str:
        """The street address, or the parcel number where records carry none (assessor data)."""
        place = ", ".join(p for p in (self.city, f"{self.state_or_province} {self.postal_code}".strip()) if p)
        street = self.unparsed_address or (f"Parcel {self.parcel_number}" if self.parcel_number else self.listing_key)
        return f"{street}, {place}" if place else street

    @property
    def bathrooms_decimal(self) -> float | None:
        """Bathrooms as a decimal count: full + 0.75 three-quarter + 0.5 half + 0.25 quarter."""
        if self.bathrooms_full is None and self.bathrooms_total_integer is None:
            return None
        if self.bathrooms_full is None:
            return float(self.bathrooms_total_integer)
        return (
            self.bathrooms_full
            + 0.75 * (self.bathrooms_three_quarter or 0)
            + 0.5 * (self.bathrooms_half or 0)
            + 0.25 * (self.bathrooms_one_quarter or 0)
        )

    @property
    def price(self):
        """The price that describes this record: close price when sold, else list price (USD)."""
        return self.close_price if self.standard_status == StandardStatus.CLOSED else self.list_price

    @property
    def price_per_square_foot(self):
        if self.price and self.living_area:
            return round(self.price / self.living_area, 2)
        return None


class ListingHistory(models.Model):
    """A change of list price or status, newest first."""

    class Event(models.TextChoices):
        LISTED = "listed", "Listed"
        PRICE = "price", "Price change"
        STATUS = "status", "Status change"
        SOLD = "sold", "Sold"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="history")
    event = models.CharField(max_length=10, choices=Event.choices)
    at = models.DateTimeField(default=timezone.now)
    previous_value = models.CharField(max_length=64, blank=True)
    new_value = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "listing history"
        indexes = [models.Index(fields=["listing", "-at"])]


class ListingMedia(models.Model):
    """A photo or document of a listing (RESO *Media*)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="media")
    media_key = models.CharField(max_length=64, unique=True)
    media_url = models.URLField(max_length=500)
    media_category = models.CharField(max_length=30, default="Photo")
    short_description = models.CharField(max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["listing", "order"]
        verbose_name_plural = "listing media"


class OpenHouse(models.Model):
    """A scheduled open house (RESO *OpenHouse*)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="open_houses")
    open_house_key = models.CharField(max_length=64, unique=True)
    open_house_start_time = models.DateTimeField()
    open_house_end_time = models.DateTimeField()
    open_house_remarks = models.TextField(blank=True)

    class Meta:
        ordering = ["open_house_start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(open_house_end_time__gt=models.F("open_house_start_time")),
                name="open_house_ends_after_start",
            )
        ]


class CMAQuerySet(models.QuerySet):
    def shared(self):
        return self.filter(status=CMA.Status.SHARED)


class CMA(TimeStampedModel):
    """A saved comparative market analysis: a valuation an agent has reviewed, adjusted and priced.

    The subject is a listing (``subject_listing``) or ad-hoc attributes; ``subject`` always holds
    the engine's subject snapshot (RESO names, sq ft, degrees) plus ``display_address``. The
    agent's choices (``options``, ``included_listing_keys``, ``excluded_listing_keys``,
    ``adjustment_overrides``) are replayed through the valuation engine; ``result`` is the
    engine's output at the last save (USD, miles). Every save appends a :class:`CMAVersion`.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SHARED = "shared", "Shared with the seller"

    brokerage = models.ForeignKey("realtor.Brokerage", on_delete=models.CASCADE, related_name="cmas")
    created_by = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="cmas")
    subject_listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="cmas")
    subject = models.JSONField(default=dict, help_text="Engine subject snapshot (RESO names) with display_address.")
    as_of = models.DateField(help_text="Only sales closed strictly before this date are used.")
    options = models.JSONField(default=dict, blank=True, help_text="radius_miles, months, max_comps.")
    included_listing_keys = models.JSONField(default=list, blank=True, help_text="Comps the agent added.")
    excluded_listing_keys = models.JSONField(default=list, blank=True, help_text="Comps the agent removed.")
    adjustment_overrides = models.JSONField(
        default=dict, blank=True, help_text="{listing_key: {adjustment: USD}} set by the agent."
    )
    result = models.JSONField(default=dict, blank=True, help_text="Engine output at the last save.")
    estimate = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    low = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True, help_text="0..1, measured by backtest.")
    method = models.CharField(max_length=120, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    recommended_list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    recommendation_note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    shared_with = models.ForeignKey(
        "realtor.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_cmas",
        help_text="The seller's portal login.",
    )
    shared_with_name = models.CharField(max_length=200, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    pdf = models.FileField(upload_to="cma/", blank=True)
    pdf_version = models.PositiveIntegerField(null=True, blank=True, help_text="The version the PDF shows.")
    pdf_generated_at = models.DateTimeField(null=True, blank=True)

    objects = CMAQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "CMA"
        verbose_name_plural = "CMAs"
        indexes = [
            models.Index(fields=["brokerage", "-updated_at"], name="cma_brokerage_recent"),
            models.Index(fields=["shared_with", "status"], name="cma_shared_with"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recommended_list_price__isnull=True) | Q(recommended_list_price__gte=0),
                name="cma_recommended_price_nonneg",
            ),
            models.CheckConstraint(
                condition=~Q(status="shared") | Q(shared_with__isnull=False), name="cma_shared_has_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"CMA {self.pk}: {self.display_address}"

    @property
    def display_address(self) -> str:
        """The subject's address as people read it."""
        return self.subject.get("display_address") or "Ad-hoc subject"

    @property
    def is_shared(self) -> bool:
        return self.status == self.Status.SHARED

    @property
    def pdf_is_current(self) -> bool:
        """True when the stored PDF shows the current version."""
        return bool(self.pdf) and self.pdf_version == self.version


class CMAVersion(models.Model):
    """One saved state of a CMA (append-only): what the agent chose and what the engine said."""

    cma = models.ForeignKey(CMA, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("realtor.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    change = models.CharField(max_length=200, help_text="What this save changed, for people.")
    as_of = models.DateField()
    options = models.JSONField(default=dict, blank=True)
    included_listing_keys = models.JSONField(default=list, blank=True)
    excluded_listing_keys = models.JSONField(default=list, blank=True)
    adjustment_overrides = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    estimate = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    low = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    recommended_list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    recommendation_note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=CMA.Status.choices, default=CMA.Status.DRAFT)

    class Meta:
        ordering = ["cma", "-number"]
        constraints = [models.UniqueConstraint(fields=["cma", "number"], name="cma_version_unique")]

    def __str__(self) -> str:
        return f"CMA {self.cma_id} v{self.number}"


class ListingValuation(models.Model):
    """The latest automated valuation and deal analysis of a listing (written by enrichment).

    ``fingerprint`` hashes the listing's facts, the as-of date, the sales data version and
    the model version: enrichment skips the work when it is unchanged (idempotent).
    """

    listing = models.OneToOneField(Listing, on_delete=models.CASCADE, related_name="valuation")
    as_of = models.DateField()
    estimate = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    low = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict, blank=True)
    deal = models.JSONField(default=dict, blank=True, help_text="Deal score, grade and scenarios.")
    deal_grade = models.CharField(max_length=1, blank=True)
    error = models.CharField(max_length=300, blank=True, help_text="Why no value could be computed.")
    fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Valuation of {self.listing_id} as of {self.as_of}"


class MarketStat(models.Model):
    """Monthly market statistics of one ZIP code from Closed sales (cache of the engine's figures).

    Money in USD, ``median_price_per_sqft`` in USD per sq ft; ``trend_index`` is the area's
    price index for the month (1.0 at its base month).
    """

    postal_code = models.CharField(max_length=10)
    month = models.DateField(help_text="First day of the month.")
    median_close_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    median_price_per_sqft = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    sales_count = models.PositiveIntegerField(default=0)
    trend_index = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["postal_code", "month"]
        constraints = [models.UniqueConstraint(fields=["postal_code", "month"], name="market_stat_zip_month")]

    def __str__(self) -> str:
        return f"{self.postal_code} {self.month:%Y-%m}"
