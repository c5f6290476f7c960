"""Contacts (RESO *Contacts*): leads and clients, consent, activities, tasks, buyer criteria."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from properties.models import Listing
from realtor.models import Agent, Brokerage, TimeStampedModel, User

from .managers import ContactQuerySet


class LeadSource(TimeStampedModel):
    """Where leads come from (website, Zillow, open house…), with its webhook secret and SLA."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="lead_sources")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50)
    webhook_secret = models.CharField(
        max_length=128, blank=True, help_text="Shared secret for HMAC-SHA256 webhook signatures."
    )
    sla_minutes = models.PositiveIntegerField(default=5, help_text="Minutes allowed before first contact.")
    quality_points = models.SmallIntegerField(default=0, help_text="Score points for leads from this source.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["brokerage", "slug"], name="lead_source_slug_unique")]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel):
    """A lead or client of the brokerage. A client is a contact with a portal ``user``."""

    class ContactType(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"
        BOTH = "both", "Buyer and seller"

    class Stage(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        NURTURING = "nurturing", "Nurturing"
        ACTIVE = "active", "Active client"
        UNDER_CONTRACT = "under_contract", "Under contract"
        CLOSED = "closed", "Closed"
        LOST = "lost", "Lost"

    class Timeline(models.TextChoices):
        NOW = "0-3", "0-3 months"
        SOON = "3-6", "3-6 months"
        LATER = "6-12", "6-12 months"
        SOMEDAY = "12+", "12+ months"
        UNKNOWN = "", "Unknown"

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="contacts")
    assigned_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    phone = models.CharField(max_length=30, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    contact_type = models.CharField(max_length=10, choices=ContactType.choices, default=ContactType.BUYER)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NEW, db_index=True)
    source = models.ForeignKey(LeadSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    system = models.CharField(
        max_length=50, blank=True, help_text="The system that delivered the lead (API, form, webhook)."
    )
    campaign = models.CharField(max_length=100, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    timeline = models.CharField(max_length=5, choices=Timeline.choices, blank=True)
    pre_approved = models.BooleanField(null=True, blank=True)
    home_listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="A seller's home."
    )
    inquiry_listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Listing asked about."
    )
    message = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    email_consent = models.BooleanField(default=False)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    sms_consent = models.BooleanField(default=False)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(default=0)
    grade = models.CharField(max_length=1, blank=True)
    score_breakdown = models.JSONField(default=list, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True, null=True)
    is_synthetic = models.BooleanField(default=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["brokerage", "assigned_agent", "-created_at"], name="contact_agent_recent"),
            models.Index(fields=["brokerage", "email_normalized"], name="contact_email"),
            models.Index(fields=["brokerage", "phone_e164"], name="contact_phone"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="contact_score_max_100"),
            models.UniqueConstraint(
                fields=["brokerage", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="contact_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email or self.phone or f"Contact {self.pk}"

    def save(self, *args, **kwargs):
        from .normalize import normalize_email, normalize_phone

        self.email_normalized = normalize_email(self.email)
        self.phone_e164 = normalize_phone(self.phone) or ""
        super().save(*args, **kwargs)


class ConsentEvent(models.Model):
    """The consent ledger: every grant or revocation of email/SMS consent, with the text shown."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_events")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    granted = models.BooleanField()
    consent_text = models.TextField(blank=True)
    captured_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=100, blank=True, help_text="Form, webhook, keyword (STOP)…")

    class Meta:
        ordering = ["-captured_at", "-id"]


class Activity(models.Model):
    """Something that happened with a contact: a call, an email, a note, an inquiry."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"
        MEETING = "meeting", "Meeting"
        SHOWING = "showing", "Showing"
        NOTE = "note", "Note"
        INQUIRY = "inquiry", "Inquiry"
        SYSTEM = "system", "System"

    CONTACT_KINDS = (Kind.CALL, Kind.EMAIL, Kind.TEXT, Kind.MEETING, Kind.SHOWING)

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["contact", "-occurred_at"])]

    @property
    def is_contact(self) -> bool:
        """Whether this activity counts as reaching the contact (for speed-to-lead)."""
        return self.kind in self.CONTACT_KINDS


class Task(TimeStampedModel):
    """A follow-up an agent owes a contact."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="tasks")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["completed_at", "due_at"]
        indexes = [models.Index(fields=["agent", "completed_at", "due_at"])]


class SavedSearch(TimeStampedModel):
    """A buyer's criteria, saved; new matches trigger alerts at ``alert_frequency``."""

    class Frequency(models.TextChoices):
        INSTANT = "instant", "Instantly"
        DAILY = "daily", "Daily digest"
        NEVER = "never", "No alerts"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=100, default="My search")
    list_price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    list_price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bedrooms_total_min = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms_total_min = models.PositiveSmallIntegerField(null=True, blank=True)
    living_area_min = models.PositiveIntegerField(null=True, blank=True)
    postal_codes = models.JSONField(default=list, blank=True)
    city = models.CharField(max_length=100, blank=True)
    center_latitude = models.FloatField(null=True, blank=True)
    center_longitude = models.FloatField(null=True, blank=True)
    radius_miles = models.FloatField(null=True, blank=True)
    property_sub_types = models.JSONField(default=list, blank=True)
    must_haves = models.JSONField(default=list, blank=True)
    alert_frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price_min__isnull=True)
                | Q(list_price_max__isnull=True)
                | Q(list_price_max__gte=models.F("list_price_min")),
                name="saved_search_price_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(radius_miles__isnull=True) | Q(radius_miles__gt=0), name="saved_search_radius_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Favorite(models.Model):
    """A listing a client marked as a favourite."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="favorites")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["contact", "listing"], name="favorite_unique")]
