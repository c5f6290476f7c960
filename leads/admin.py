"""Admin for contacts and everything hanging off them, scoped to the user's brokerage."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from realtor.admin import (
    BrokerageScopedAdmin,
    RelatedInScopeFilter,
    ScopedTabularInline,
    ViewOnlyMixin,
    year_filter,
)

from .models import Activity, ConsentEvent, Contact, Favorite, LeadSource, SavedSearch, Task
from .normalize import normalize_phone


class TaskStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("open", "Open"), ("done", "Done"))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(completed_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(completed_at__isnull=False)
        return queryset


@admin.register(LeadSource)
class LeadSourceAdmin(BrokerageScopedAdmin):
    list_display = ("name", "slug", "brokerage", "sla_minutes", "quality_points", "is_active")
    list_select_related = ("brokerage",)
    list_filter = ("is_active", ("brokerage", RelatedInScopeFilter))
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")


class ConsentEventInline(ViewOnlyMixin, ScopedTabularInline):
    """The consent ledger is append-only evidence: recorded by the services, never edited."""

    model = ConsentEvent
    fields = ("captured_at", "channel", "granted", "source", "consent_text")


class ActivityInline(ViewOnlyMixin, ScopedTabularInline):
    model = Activity
    fields = ("occurred_at", "kind", "agent", "body")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("agent__user")


class TaskInline(ScopedTabularInline):
    model = Task
    fields = ("title", "agent", "due_at", "snoozed_until", "completed_at")
    autocomplete_fields = ("agent",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("agent__user")


class SavedSearchInline(ScopedTabularInline):
    model = SavedSearch
    fields = (
        "name",
        "alert_frequency",
        "is_active",
        "list_price_min",
        "list_price_max",
        "bedrooms_total_min",
        "city",
    )
    show_change_link = True


class FavoriteInline(ScopedTabularInline):
    model = Favorite
    fields = ("listing", "created_at")
    autocomplete_fields = ("listing",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("listing")


@admin.register(Contact)
class ContactAdmin(BrokerageScopedAdmin):
    list_display = (
        "full_name",
        "email",
        "phone",
        "stage",
        "contact_type",
        "grade",
        "score",
        "assigned_agent",
        "source",
        "brokerage",
        "created_at",
    )
    list_select_related = ("assigned_agent__user", "source", "brokerage")
    list_filter = (
        "stage",
        "contact_type",
        "grade",
        "timeline",
        "email_consent",
        "sms_consent",
        "is_synthetic",
        ("assigned_agent", RelatedInScopeFilter),
        ("source", RelatedInScopeFilter),
        ("brokerage", RelatedInScopeFilter),
    )
    search_fields = ("first_name", "last_name", "email", "phone", "^email_normalized")
    date_hierarchy = "created_at"
    autocomplete_fields = ("assigned_agent", "user", "home_listing", "inquiry_listing")
    readonly_fields = (
        "email_normalized",
        "phone_e164",
        "score",
        "grade",
        "score_breakdown",
        "email_consent",
        "email_consent_at",
        "sms_consent",
        "sms_consent_at",
        "consent_text",
        "idempotency_key",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "email", "email_normalized", "phone", "phone_e164", "user")}),
        (
            "Pipeline",
            {
                "fields": (
                    "brokerage",
                    "assigned_agent",
                    "contact_type",
                    "stage",
                    "timeline",
                    "pre_approved",
                    "home_listing",
                    "inquiry_listing",
                )
            },
        ),
        ("Message and notes", {"fields": ("message", "notes")}),
        (
            "Source",
            {
                "fields": (
                    "source",
                    "system",
                    "campaign",
                    "utm_source",
                    "utm_medium",
                    "utm_campaign",
                    "idempotency_key",
                    "is_synthetic",
                )
            },
        ),
        ("Score", {"fields": ("score", "grade", "score_breakdown")}),
        (
            "Consent (from the consent ledger)",
            {"fields": ("email_consent", "email_consent_at", "sms_consent", "sms_consent_at", "consent_text")},
        ),
        ("Dates", {"fields": ("first_contact_at", "last_contacted_at", "created_at", "updated_at")}),
    )
    inlines = (ConsentEventInline, ActivityInline, TaskInline, SavedSearchInline, FavoriteInline)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Also find a contact by phone however it is typed: ``(206) 555-0123`` matches ``+12065550123``."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if phone := normalize_phone(search_term):
            results |= queryset.filter(phone_e164=phone)
        return results, may_have_duplicates

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, obj: Contact) -> str:
        return obj.full_name


@admin.register(ConsentEvent)
class ConsentEventAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    brokerage_path = "contact__brokerage"
    list_display = ("captured_at", "contact", "channel", "granted", "source")
    list_select_related = ("contact",)
    list_filter = ("channel", "granted")
    search_fields = ("contact__email", "contact__last_name", "source")
    date_hierarchy = "captured_at"


@admin.register(Activity)
class ActivityAdmin(BrokerageScopedAdmin):
    brokerage_path = "contact__brokerage"
    list_display = ("occurred_at", "kind", "contact", "agent", "summary")
    list_select_related = ("contact", "agent__user")
    list_filter = ("kind", year_filter("occurred_at", "year"), ("agent", RelatedInScopeFilter), "is_synthetic")
    search_fields = ("body", "contact__email", "contact__first_name", "contact__last_name")
    autocomplete_fields = ("contact", "agent")

    @admin.display(description="Body")
    def summary(self, obj: Activity) -> str:
        return obj.body if len(obj.body) <= 80 else f"{obj.body[:79]}…"


@admin.register(Task)
class TaskAdmin(BrokerageScopedAdmin):
    brokerage_path = "contact__brokerage"
    list_display = ("title", "contact", "agent", "due_at", "snoozed_until", "completed_at")
    list_select_related = ("contact", "agent__user")
    list_filter = (TaskStatusFilter, ("agent", RelatedInScopeFilter))
    search_fields = ("title", "contact__email", "contact__last_name")
    date_hierarchy = "due_at"
    autocomplete_fields = ("contact", "agent")
    readonly_fields = ("created_at", "updated_at")


@admin.register(SavedSearch)
class SavedSearchAdmin(BrokerageScopedAdmin):
    brokerage_path = "contact__brokerage"
    list_display = (
        "name",
        "contact",
        "alert_frequency",
        "is_active",
        "list_price_min",
        "list_price_max",
        "bedrooms_total_min",
        "city",
        "created_at",
    )
    list_select_related = ("contact",)
    list_filter = ("alert_frequency", "is_active")
    search_fields = ("name", "city", "contact__email", "contact__last_name")
    autocomplete_fields = ("contact",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(Favorite)
class FavoriteAdmin(BrokerageScopedAdmin):
    brokerage_path = "contact__brokerage"
    list_display = ("created_at", "contact", "listing")
    list_select_related = ("contact", "listing")
    search_fields = ("contact__email", "contact__last_name", "^listing__listing_key", "listing__unparsed_address")
    date_hierarchy = "created_at"
    autocomplete_fields = ("contact", "listing")
