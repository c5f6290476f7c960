"""Admin for offers, transactions and their documents, scoped to the user's brokerage."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from realtor.admin import BrokerageScopedAdmin, RelatedInScopeFilter, ScopedTabularInline

from .models import Document, DocumentTemplate, Offer, Signer, Transaction, TransactionParty


@admin.register(Offer)
class OfferAdmin(BrokerageScopedAdmin):
    list_display = (
        "id",
        "listing",
        "buyer",
        "buyer_agent",
        "status",
        "offer_price",
        "earnest_money",
        "financing_type",
        "closing_date",
        "expires_at",
        "created_at",
    )
    list_display_links = ("id", "listing")
    list_select_related = ("listing", "buyer", "buyer_agent__user")
    list_filter = ("status", "financing_type", ("buyer_agent", RelatedInScopeFilter))
    search_fields = (
        "^listing__listing_key",
        "listing__unparsed_address",
        "buyer__email",
        "buyer__first_name",
        "buyer__last_name",
    )
    date_hierarchy = "created_at"
    autocomplete_fields = ("listing", "buyer", "buyer_agent")
    raw_id_fields = ("parent",)
    readonly_fields = ("created_at", "updated_at")


class TransactionPartyInline(ScopedTabularInline):
    model = TransactionParty
    fields = ("role", "name", "email", "phone", "contact")
    autocomplete_fields = ("contact",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("contact")


class DocumentInline(ScopedTabularInline):
    model = Document
    fields = ("title", "template", "status", "file", "shared_with_client", "sha256")
    readonly_fields = ("sha256",)
    show_change_link = True


@admin.register(Transaction)
class TransactionAdmin(BrokerageScopedAdmin):
    list_display = (
        "listing",
        "stage",
        "side",
        "agent",
        "sale_price",
        "effective_date",
        "option_period_end",
        "closing_date",
        "closed_at",
    )
    list_select_related = ("listing", "agent__user")
    list_filter = ("stage", "side", ("agent", RelatedInScopeFilter), ("brokerage", RelatedInScopeFilter))
    search_fields = ("^listing__listing_key", "listing__unparsed_address", "listing__city", "agent__user__last_name")
    date_hierarchy = "closing_date"
    autocomplete_fields = ("agent", "listing")
    raw_id_fields = ("offer",)
    readonly_fields = ("closed_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("brokerage", "agent", "listing", "offer", "side", "stage", "sale_price")}),
        (
            "Key dates",
            {
                "fields": (
                    "effective_date",
                    "option_period_end",
                    "inspection_deadline",
                    "financing_deadline",
                    "appraisal_deadline",
                    "closing_date",
                    "closed_at",
                )
            },
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (TransactionPartyInline, DocumentInline)


@admin.register(TransactionParty)
class TransactionPartyAdmin(BrokerageScopedAdmin):
    brokerage_path = "transaction__brokerage"
    list_display = ("name", "role", "transaction", "contact", "email", "phone")
    list_select_related = ("transaction__listing", "contact")
    list_filter = ("role",)
    search_fields = ("name", "email", "phone", "^transaction__listing__listing_key")
    autocomplete_fields = ("transaction", "contact")


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(BrokerageScopedAdmin):
    """The forms library is shared by every brokerage (federal and state forms)."""

    brokerage_path = None
    list_display = ("code", "name", "jurisdiction", "rule_source", "is_active", "updated_at")
    list_filter = ("jurisdiction", "is_active")
    search_fields = ("code", "name", "rule_source")
    prepopulated_fields = {"code": ("name",)}
    readonly_fields = ("created_at", "updated_at")


class SignerInline(ScopedTabularInline):
    model = Signer
    fields = ("order", "name", "email", "role", "status", "signed_at", "signed_ip")
    readonly_fields = ("signed_at", "signed_ip")


@admin.register(Document)
class DocumentAdmin(BrokerageScopedAdmin):
    brokerage_path = "transaction__brokerage"
    list_display = ("title", "transaction", "template", "status", "shared_with_client", "updated_at")
    list_select_related = ("transaction__listing", "template")
    list_filter = ("status", "shared_with_client", ("template", RelatedInScopeFilter))
    search_fields = ("title", "^transaction__listing__listing_key", "transaction__listing__unparsed_address")
    date_hierarchy = "created_at"
    autocomplete_fields = ("transaction",)
    readonly_fields = ("sha256", "created_at", "updated_at")
    inlines = (SignerInline,)


@admin.register(Signer)
class SignerAdmin(BrokerageScopedAdmin):
    brokerage_path = "document__transaction__brokerage"
    list_display = ("name", "email", "role", "order", "status", "document", "signed_at")
    list_select_related = ("document",)
    list_filter = ("status", "role")
    search_fields = ("name", "email", "document__title")
    autocomplete_fields = ("document",)
    # Signature evidence for the audit certificate: written by the e-sign flow only.
    readonly_fields = ("signed_at", "signed_ip")
