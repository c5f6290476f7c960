"""Admin for contacts and everything hanging off them, scoped to the user's brokerage."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from realtor.admin import (
    BrokerageScopedAdmin,
    RelatedInScopeFilter,
    ScopedTabularInline,
    ViewOnlyMixin,
    year_filter,
)

from .models import (
    Activity,
    BehaviorEvent,
    ConsentEvent,
    Contact,
    Favorite,
    LeadSource,
    Match,
    Notification,
    RotationPointer,
    RoutingDecision,
    RoutingRule,
    SavedSearch,
    Task,
    WebhookDelivery,
)
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


#: Shorter secrets are refused: HMAC-SHA256 webhook signatures are only as strong as the secret.
MIN_WEBHOOK_SECRET_LENGTH = 16


class LeadSourceForm(forms.ModelForm):
    class Meta:
        model = LeadSource
        fields = ("brokerage", "name", "slug", "webhook_secret", "sla_minutes", "quality_points", "is_active")
        widgets = {"webhook_secret": forms.TextInput(attrs={"autocomplete": "off", "size": 60})}

    def clean_webhook_secret(self) -> str:
        secret = self.cleaned_data["webhook_secret"].strip()
        if secret and len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
            raise forms.ValidationError(
                f"Use at least {MIN_WEBHOOK_SECRET_LENGTH} characters (or the “Rotate webhook secret” action)."
            )
        return secret

    def clean_sla_minutes(self) -> int:
        minutes = self.cleaned_data["sla_minutes"]
        if minutes < 1:
            raise forms.ValidationError("Allow at least one minute before a lead escalates.")
        return minutes


@admin.register(LeadSource)
class LeadSourceAdmin(BrokerageScopedAdmin):
    """Lead sources: the webhook secret that signs their deliveries, the speed-to-lead SLA, the score points.

    Give the secret to the sender (website, vendor); rotate it with the action when it
    leaks. Deliveries signed with the old secret answer 401 from then on.
    """

    form = LeadSourceForm
    list_display = ("name", "slug", "brokerage", "sla_minutes", "quality_points", "has_secret", "is_active")
    list_select_related = ("brokerage",)
    list_filter = ("is_active", ("brokerage", RelatedInScopeFilter))
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("webhook_url", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("brokerage", "name", "slug", "is_active")}),
        (
            "Webhook",
            {
                "fields": ("webhook_url", "webhook_secret"),
                "description": "Senders sign each POST: X-Realtor-Timestamp (unix seconds) and X-Realtor-Signature "
                '= sha256=HMAC-SHA256(secret, "{timestamp}.{raw body}"). See the README, "Lead engine".',
            },
        ),
        ("Speed to lead and score", {"fields": ("sla_minutes", "quality_points")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    actions = ("rotate_webhook_secret",)

    @admin.display(boolean=True, description="Secret set")
    def has_secret(self, obj: LeadSource) -> bool:
        return bool(obj.webhook_secret)

    @admin.display(description="Webhook URL")
    def webhook_url(self, obj: LeadSource) -> str:
        path = reverse("api:webhook-gohighlevel" if obj.slug == "gohighlevel" else "api:webhook-leads")
        return f"POST {path}  (X-Realtor-Source: {obj.slug or '<slug>'})"

    @admin.action(description="Rotate webhook secret (the old one stops working)", permissions=["change"])
    def rotate_webhook_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        for source in queryset:
            source.webhook_secret = secrets.token_urlsafe(32)
            source.save(update_fields=["webhook_secret", "updated_at"])
        self.message_user(
            request, f"New secrets for {queryset.count()} source(s); open each to copy it.", messages.SUCCESS
        )


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


class RoutingDecisionInline(ViewOnlyMixin, ScopedTabularInline):
    """Why the lead went to whom: written by the router, never edited."""

    model = RoutingDecision
    fk_name = "contact"
    fields = ("at", "kind", "agent", "previous_agent", "rule", "reason")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("agent__user", "previous_agent__user", "rule")


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
        # The lead engine's own bookkeeping (leads.services): derived, so never typed in here.
        "scored_at",
        "assigned_at",
        "sla_due_at",
        "sla_escalations",
        "first_contact_at",
        "speed_to_lead_seconds",
        "last_inbound_at",
        "last_intent",
        "follow_up_snoozed_until",
        "follow_up_done_at",
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
        ("Score", {"fields": ("score", "grade", "score_breakdown", "scored_at")}),
        (
            "Routing and speed to lead",
            {
                "fields": (
                    "assigned_at",
                    "sla_due_at",
                    "sla_escalations",
                    "first_contact_at",
                    "speed_to_lead_seconds",
                    "last_inbound_at",
                    "last_intent",
                    "follow_up_snoozed_until",
                    "follow_up_done_at",
                )
            },
        ),
        (
            "Consent (from the consent ledger)",
            {"fields": ("email_consent", "email_consent_at", "sms_consent", "sms_consent_at", "consent_text")},
        ),
        ("Dates", {"fields": ("last_contacted_at", "created_at", "updated_at")}),
    )
    inlines = (
        ConsentEventInline,
        RoutingDecisionInline,
        ActivityInline,
        TaskInline,
        SavedSearchInline,
        FavoriteInline,
    )

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


@admin.register(BehaviorEvent)
class BehaviorEventAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """What leads did (the engagement signal of the score): recorded by the services, never edited."""

    brokerage_path = "contact__brokerage"
    list_display = ("occurred_at", "kind", "contact", "listing", "is_synthetic")
    list_select_related = ("contact", "listing")
    list_filter = ("kind", "is_synthetic")
    search_fields = ("contact__email", "contact__last_name", "^listing__listing_key")
    show_full_result_count = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """Every accepted webhook delivery and what it did: the audit trail of dedupe and redelivery."""

    list_display = ("received_at", "source", "endpoint", "result", "status_code", "contact", "idempotency_key")
    list_select_related = ("source", "contact")
    list_filter = ("result", "endpoint", ("source", RelatedInScopeFilter))
    search_fields = ("idempotency_key", "body_hash", "contact__email")
    show_full_result_count = False


class RoutingRuleForm(forms.ModelForm):
    """A rule's targets must be of its brokerage and match its target kind."""

    class Meta:
        model = RoutingRule
        fields = (
            "brokerage",
            "name",
            "order",
            "is_active",
            "source",
            "contact_type",
            "postal_codes",
            "price_min",
            "price_max",
            "target",
            "target_agent",
            "target_team",
            "pool",
            "strategy",
        )

    def clean(self):
        data = super().clean()
        brokerage, target = data.get("brokerage"), data.get("target")
        if brokerage is None:
            return data
        for name in ("source", "target_agent", "target_team"):
            value = data.get(name)
            if value is not None and value.brokerage_id != brokerage.pk:
                self.add_error(name, "Pick one of this brokerage's.")
        if any(agent.brokerage_id != brokerage.pk for agent in data.get("pool") or ()):
            self.add_error("pool", "Pick agents of this brokerage.")
        required = {
            RoutingRule.Target.AGENT: "target_agent",
            RoutingRule.Target.TEAM: "target_team",
            RoutingRule.Target.POOL: "pool",
        }.get(target)
        if required and not data.get(required) and required not in self.errors:
            self.add_error(required, f"Required when the target is “{RoutingRule.Target(target).label}”.")
        lo, hi = data.get("price_min"), data.get("price_max")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("price_max", "Must be at least the minimum price.")
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(BrokerageScopedAdmin):
    """Brokers manage routing here: rules apply in ``order``; the first that matches and has an
    available agent gets the lead; a listing's own agent gets inquiries on it first."""

    form = RoutingRuleForm
    list_display = ("order", "name", "is_active", "source", "contact_type", "target", "strategy", "brokerage")
    list_display_links = ("order", "name")
    list_editable = ("is_active",)
    list_select_related = ("brokerage", "source")
    list_filter = ("is_active", "target", "strategy", ("brokerage", RelatedInScopeFilter))
    search_fields = ("name",)
    autocomplete_fields = ("target_agent", "pool")
    ordering = ("brokerage", "order", "id")
    fieldsets = (
        (None, {"fields": ("brokerage", "name", "order", "is_active")}),
        (
            "When the lead matches (empty conditions match every lead)",
            {"fields": ("source", "contact_type", "postal_codes", "price_min", "price_max")},
        ),
        ("Then route to", {"fields": ("target", "target_agent", "target_team", "pool", "strategy")}),
    )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "pool" and "queryset" not in kwargs:
            kwargs["queryset"] = self.admin_site.get_model_admin(db_field.related_model).get_queryset(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(RotationPointer)
class RotationPointerAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """Round-robin counters, moved only by the router under a row lock."""

    list_display = ("key", "counter", "brokerage")
    list_select_related = ("brokerage",)
    search_fields = ("key",)


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    brokerage_path = "contact__brokerage"
    list_display = ("at", "contact", "kind", "agent", "previous_agent", "rule", "reason")
    list_select_related = ("contact", "agent__user", "previous_agent__user", "rule")
    list_filter = ("kind", ("agent", RelatedInScopeFilter))
    search_fields = ("reason", "contact__email", "contact__last_name")
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(BrokerageScopedAdmin):
    """In-app notices (new leads, SLA escalations); only whether it was read may change."""

    brokerage_path = "recipient__brokerage"
    list_display = ("created_at", "recipient", "kind", "contact", "message", "read_at", "emailed_at")
    list_select_related = ("recipient", "contact")
    list_filter = ("kind",)
    search_fields = ("message", "recipient__email", "contact__email", "contact__last_name")
    readonly_fields = ("recipient", "contact", "kind", "message", "created_at", "emailed_at")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Match)
class MatchAdmin(BrokerageScopedAdmin):
    """Listings matched to saved searches by the matcher; only the buyer's status may be corrected."""

    brokerage_path = "contact__brokerage"
    list_display = ("created_at", "contact", "listing", "score", "trigger", "status", "alerted_at", "alert_skipped")
    list_select_related = ("contact", "listing")
    list_filter = ("status", "trigger")
    search_fields = ("contact__email", "contact__last_name", "^listing__listing_key")
    readonly_fields = (
        "saved_search",
        "contact",
        "listing",
        "score",
        "reasons",
        "trigger",
        "list_price_at_match",
        "created_at",
        "alerted_at",
        "alert_skipped",
    )
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
