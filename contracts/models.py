"""Offers, transactions with parties and key dates, document templates, documents and signers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from leads.models import Contact
from properties.models import Listing
from realtor.models import Agent, Brokerage, TimeStampedModel


class Offer(TimeStampedModel):
    """A purchase offer (or a counter-offer, via ``parent``) on a listing."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        COUNTERED = "countered", "Countered"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    class Financing(models.TextChoices):
        CASH = "cash", "Cash"
        CONVENTIONAL = "conventional", "Conventional"
        FHA = "fha", "FHA"
        VA = "va", "VA"
        USDA = "usda", "USDA"
        OTHER = "other", "Other"

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="offers")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="offers")
    buyer = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers")
    buyer_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="counters")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    offer_price = models.DecimalField(max_digits=14, decimal_places=2)
    earnest_money = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    option_fee = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    option_period_days = models.PositiveSmallIntegerField(default=0)
    financing_type = models.CharField(max_length=15, choices=Financing.choices, default=Financing.CONVENTIONAL)
    down_payment = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    seller_concessions = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    contingencies = models.JSONField(
        default=list, blank=True, help_text="e.g. financing, inspection, appraisal, sale of home"
    )
    closing_date = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(offer_price__gt=0), name="offer_price_positive"),
            models.CheckConstraint(condition=Q(earnest_money__gte=0), name="offer_earnest_money_nonneg"),
        ]

    def __str__(self) -> str:
        return f"${self.offer_price:,.0f} on {self.listing}"


class Transaction(TimeStampedModel):
    """A deal from accepted offer to closing, with its parties and key dates."""

    class Stage(models.TextChoices):
        PRE_CONTRACT = "pre_contract", "Pre-contract"
        UNDER_CONTRACT = "under_contract", "Under contract"
        OPTION_PERIOD = "option_period", "Option period"
        PENDING = "pending", "Pending"
        CLEAR_TO_CLOSE = "clear_to_close", "Clear to close"
        CLOSED = "closed", "Closed"
        TERMINATED = "terminated", "Terminated"

    class Side(models.TextChoices):
        BUYER = "buyer", "Buyer side"
        SELLER = "seller", "Listing side"
        DUAL = "dual", "Both sides"

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="transactions")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="transactions")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="transactions")
    offer = models.OneToOneField(Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="transaction")
    side = models.CharField(max_length=6, choices=Side.choices)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.UNDER_CONTRACT, db_index=True)
    sale_price = models.DecimalField(max_digits=14, decimal_places=2)
    effective_date = models.DateField(null=True, blank=True)
    option_period_end = models.DateField(null=True, blank=True)
    inspection_deadline = models.DateField(null=True, blank=True)
    financing_deadline = models.DateField(null=True, blank=True)
    appraisal_deadline = models.DateField(null=True, blank=True)
    closing_date = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["closing_date"]
        constraints = [models.CheckConstraint(condition=Q(sale_price__gt=0), name="transaction_sale_price_positive")]

    def __str__(self) -> str:
        return f"{self.listing} ({self.get_stage_display()})"


class TransactionParty(models.Model):
    """A person on a transaction: buyer, seller, agents, lender, title, inspector."""

    class Role(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"
        BUYER_AGENT = "buyer_agent", "Buyer's agent"
        LISTING_AGENT = "listing_agent", "Listing agent"
        LENDER = "lender", "Lender"
        TITLE = "title", "Title / escrow"
        INSPECTOR = "inspector", "Inspector"

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=15, choices=Role.choices)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        verbose_name_plural = "transaction parties"


class DocumentTemplate(TimeStampedModel):
    """A form the brokerage uses, and the jurisdiction whose rules may require it."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=5, default="US", help_text="US for federal, or a state code.")
    body = models.TextField(help_text="Django template rendered to HTML/PDF with the transaction in context.")
    rule_source = models.CharField(max_length=200, blank=True, help_text="Statute or regulation, e.g. 40 CFR 745.113.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["jurisdiction", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.jurisdiction})"


class Document(TimeStampedModel):
    """A document of a transaction: generated from a template or uploaded."""

    class Status(models.TextChoices):
        REQUIRED = "required", "Required"
        GENERATED = "generated", "Generated"
        OUT_FOR_SIGNATURE = "out_for_signature", "Out for signature"
        SIGNED = "signed", "Signed"
        VOID = "void", "Void"

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="documents")
    template = models.ForeignKey(DocumentTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUIRED)
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    shared_with_client = models.BooleanField(default=False)

    class Meta:
        ordering = ["transaction", "title"]

    def __str__(self) -> str:
        return self.title


class Signer(models.Model):
    """One signature a document needs, in ``order``."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        SENT = "sent", "Sent"
        VIEWED = "viewed", "Viewed"
        SIGNED = "signed", "Signed"
        DECLINED = "declined", "Declined"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="signers")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=15, choices=TransactionParty.Role.choices)
    order = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["document", "order"]
        constraints = [models.UniqueConstraint(fields=["document", "email", "role"], name="signer_unique")]
