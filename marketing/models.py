"""Brands, campaigns, messages, deliveries (the outbox) and the suppression list."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from leads.models import Contact
from properties.models import Listing
from realtor.models import Agent, Brokerage, TimeStampedModel


class Brand(TimeStampedModel):
    """How an agent's (or the brokerage's) marketing looks and whom it comes from."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="brands")
    agent = models.OneToOneField(Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="brand")
    display_name = models.CharField(max_length=200)
    tagline = models.CharField(max_length=200, blank=True)
    primary_color = models.CharField(max_length=7, default="#1f4e79")
    logo_url = models.URLField(blank=True)
    postal_address = models.CharField(
        max_length=255, help_text="Physical postal address required in commercial email (15 U.S.C. 7704(a)(5))."
    )
    reply_to = models.EmailField(blank=True)

    def __str__(self) -> str:
        return self.display_name


class Campaign(TimeStampedModel):
    """A series of messages to an audience: a drip, a newsletter or a listing launch."""

    class Kind(models.TextChoices):
        DRIP = "drip", "Drip / nurture"
        NEWSLETTER = "newsletter", "Newsletter"
        LISTING_LAUNCH = "listing_launch", "Listing launch"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        FINISHED = "finished", "Finished"

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="campaigns")
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_default_nurture = models.BooleanField(
        default=False, help_text="New leads of the brokerage are enrolled in this drip automatically."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["brokerage"], condition=Q(is_default_nurture=True), name="campaign_one_default_nurture"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Message(TimeStampedModel):
    """One step of a campaign: what is sent, on which channel, how many days after the start."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        TASK = "task", "Agent task"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    step = models.PositiveSmallIntegerField(default=1)
    delay_days = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()

    class Meta:
        ordering = ["campaign", "step"]
        constraints = [models.UniqueConstraint(fields=["campaign", "step"], name="message_step_unique")]


class Delivery(models.Model):
    """The outbox: one message to one contact, sent exactly once (unique per message and contact)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        SUPPRESSED = "suppressed", "Suppressed (no consent or opted out)"
        FAILED = "failed", "Failed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=5, choices=Message.Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["message", "contact"], name="delivery_once_per_contact")]


class Suppression(models.Model):
    """An address or number that must not be messaged (opt-out, bounce, complaint)."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="suppressions")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text="Normalised email or E.164 phone.")
    reason = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["brokerage", "channel", "address"], name="suppression_unique"),
            models.CheckConstraint(condition=~Q(address=""), name="suppression_address_not_empty"),
        ]


class Enrollment(models.Model):
    """A contact going through a drip campaign; it stops when the lead replies, converts or opts out."""

    class StopReason(models.TextChoices):
        REPLIED = "replied", "The lead replied"
        CONVERTED = "converted", "The lead became a client or was lost"
        OPTED_OUT = "opted_out", "The lead opted out"
        COMPLETED = "completed", "All steps sent"
        MANUAL = "manual", "Stopped by an agent"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="enrollments")
    started_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True, db_index=True)
    stop_reason = models.CharField(max_length=10, choices=StopReason.choices, blank=True)
    last_step = models.PositiveSmallIntegerField(default=0, help_text="Highest step handled (sent or skipped).")

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["campaign", "contact"], name="enrollment_unique")]


class AlertDelivery(models.Model):
    """The outbox for listing alerts: one email per instant match or per daily digest, sent once."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        SUPPRESSED = "suppressed", "Suppressed (no consent or opted out)"
        FAILED = "failed", "Failed"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="alert_deliveries")
    saved_search_id = models.BigIntegerField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=100, unique=True, help_text="match:<id> or digest:<search>:<date>.")
    match_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "alert deliveries"
        indexes = [models.Index(fields=["contact", "-created_at"], name="alert_contact_recent")]
