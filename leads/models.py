"""Contacts (RESO *Contacts*): leads and clients, consent, activities, tasks, buyer criteria."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from properties.models import Listing
from realtor.models import Agent, Brokerage, Team, TimeStampedModel, User

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

    # Indexed by the (brokerage, …) composites in Meta.indexes.
    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="contacts", db_index=False)
    assigned_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, editable=False)
    phone = models.CharField(max_length=30, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False)
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
    # Lead engine (issue 4): scoring, routing, speed-to-lead, follow-up queue.
    scored_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True, help_text="When the current agent got the lead.")
    sla_due_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="First contact is due by then, or the lead escalates."
    )
    sla_escalations = models.PositiveSmallIntegerField(default=0)
    speed_to_lead_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds from arrival (created_at) to the first contact activity."
    )
    last_inbound_at = models.DateTimeField(null=True, blank=True, help_text="Last reply or message from the lead.")
    last_intent = models.CharField(max_length=20, blank=True)
    follow_up_snoozed_until = models.DateTimeField(null=True, blank=True)
    follow_up_done_at = models.DateTimeField(null=True, blank=True)

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
    def score_view(self) -> int:
        """The score on a 1-10 scale (ceil(score / 10), at least 1) for compact display."""
        return max(1, -(-self.score // 10))

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

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "From us"
        INBOUND = "inbound", "From the contact"

    CONTACT_KINDS = (Kind.CALL, Kind.EMAIL, Kind.TEXT, Kind.MEETING, Kind.SHOWING)

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities", db_index=False)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["contact", "-occurred_at"])]

    @property
    def is_contact(self) -> bool:
        """Whether this activity counts as reaching the contact (for speed-to-lead): ours, of a contact kind."""
        return self.kind in self.CONTACT_KINDS and self.direction == self.Direction.OUTBOUND


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
    # Alert throttling (issue 4): pause after too many unopened alerts; reset when one is opened.
    consecutive_unopened_alerts = models.PositiveSmallIntegerField(default=0)
    alerts_paused_at = models.DateTimeField(null=True, blank=True)
    last_alert_at = models.DateTimeField(null=True, blank=True)

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


class BehaviorEvent(models.Model):
    """Something a lead did (viewed a listing, favourited, opened an email…): the engagement signal for scoring."""

    class Kind(models.TextChoices):
        VIEWED_LISTING = "viewed_listing", "Viewed a listing"
        FAVORITED = "favorited", "Favourited a listing"
        SAVED_SEARCH = "saved_search", "Saved a search"
        OPENED_EMAIL = "opened_email", "Opened an email"
        CLICKED = "clicked", "Clicked a link"
        REPLIED = "replied", "Replied"
        INQUIRY = "inquiry", "Asked about a home"
        SHOWING_REQUEST = "showing_request", "Asked for a showing"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="behavior_events", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["contact", "-occurred_at"])]


class WebhookDelivery(models.Model):
    """One accepted or deduplicated inbound webhook delivery: the dedupe key and the audit of what it did."""

    class Result(models.TextChoices):
        CREATED = "created", "Created a lead"
        MERGED = "merged", "Merged into an existing contact"
        DUPLICATE = "duplicate", "Redelivery of an earlier delivery"

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(LeadSource, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.CharField(max_length=30, default="leads", help_text="leads, gohighlevel, inquiry.")
    idempotency_key = models.CharField(max_length=128, blank=True)
    body_hash = models.CharField(max_length=64, help_text="SHA-256 hex of the raw body.")
    dedupe_key = models.CharField(
        max_length=200, blank=True, null=True, help_text="Unique per source among first deliveries; null on duplicates."
    )
    received_at = models.DateTimeField(default=timezone.now)
    result = models.CharField(max_length=10, choices=Result.choices)
    status_code = models.PositiveSmallIntegerField()
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["source", "body_hash", "-received_at"], name="webhook_body_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "dedupe_key"], condition=Q(dedupe_key__isnull=False), name="webhook_dedupe_unique"
            )
        ]


class RoutingRule(models.Model):
    """A brokerage's routing rule: conditions on the lead, then who gets it. Rules apply in ``order``.

    Empty conditions match every lead. ``postal_codes`` matches the inquiry listing's ZIP or any
    ZIP of the lead's criteria; the price range matches the inquiry listing's list price or the
    lead's stated maximum price.
    """

    class Target(models.TextChoices):
        AGENT = "agent", "One agent"
        TEAM = "team", "Rotation among a team"
        POOL = "pool", "Rotation among chosen agents"
        ALL_AGENTS = "all", "Rotation among all agents"

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin"
        WEIGHTED = "weighted", "Weighted rotation (agent routing weight)"

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="routing_rules")
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    source = models.ForeignKey(LeadSource, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    postal_codes = models.JSONField(default=list, blank=True)
    price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    contact_type = models.CharField(max_length=10, choices=Contact.ContactType.choices, blank=True)
    target = models.CharField(max_length=10, choices=Target.choices, default=Target.ALL_AGENTS)
    target_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    pool = models.ManyToManyField(Agent, blank=True, related_name="+")
    strategy = models.CharField(max_length=12, choices=Strategy.choices, default=Strategy.ROUND_ROBIN)

    class Meta:
        ordering = ["brokerage", "order", "id"]

    def __str__(self) -> str:
        return self.name


class RotationPointer(models.Model):
    """How many leads a rotation has handed out; locked with SELECT … FOR UPDATE so two leads never race."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=60, help_text="rule:<id> or default.")
    counter = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["brokerage", "key"], name="rotation_pointer_unique")]


class RoutingDecision(models.Model):
    """Why a lead went to an agent: the rule, the reason in words, and when."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "New lead"
        SLA_REASSIGN = "sla_reassign", "Reassigned after a missed SLA"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="routing_decisions")
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.INITIAL)
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]


class Notification(models.Model):
    """An in-app notice for a brokerage member (new lead, SLA escalation)."""

    class Kind(models.TextChoices):
        NEW_LEAD = "new_lead", "New lead"
        SLA_ESCALATION = "sla_escalation", "Speed-to-lead missed"
        REASSIGNED = "reassigned", "Lead reassigned away"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="lead_notifications", db_index=False)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="Set once the email copy went out.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]


class Match(models.Model):
    """A listing that passed a saved search's hard filters, with its soft score and reasons."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        FAVORITED = "favorited", "Favourited"
        DISMISSED = "dismissed", "Dismissed"

    class Trigger(models.TextChoices):
        NEW_LISTING = "new_listing", "New listing"
        PRICE_DROP = "price_drop", "Price drop"

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="matches")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list)
    trigger = models.CharField(max_length=12, choices=Trigger.choices, default=Trigger.NEW_LISTING)
    list_price_at_match = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    alerted_at = models.DateTimeField(null=True, blank=True, help_text="When an alert (instant or digest) went out.")
    alert_skipped = models.CharField(max_length=60, blank=True, help_text="Why no alert was sent (throttled…).")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "matches"
        indexes = [
            models.Index(fields=["contact", "status", "-created_at"], name="match_contact_status"),
            models.Index(fields=["alerted_at", "alert_skipped"], name="match_alert_pending"),
        ]
        constraints = [models.UniqueConstraint(fields=["saved_search", "listing"], name="match_unique")]
