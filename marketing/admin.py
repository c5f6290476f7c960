"""Admin for brands, campaigns, the outbox and the suppression list, scoped to the user's brokerage."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from realtor.admin import (
    BrokerageScopedAdmin,
    RelatedInScopeFilter,
    ScopedStackedInline,
    ViewOnlyMixin,
    year_filter,
)

from . import services
from .models import AlertDelivery, Brand, Campaign, Delivery, Enrollment, Message, Suppression


@admin.register(Brand)
class BrandAdmin(BrokerageScopedAdmin):
    list_display = ("display_name", "brokerage", "agent", "reply_to", "primary_color")
    list_select_related = ("brokerage", "agent__user")
    list_filter = (("brokerage", RelatedInScopeFilter),)
    search_fields = ("display_name", "tagline", "reply_to", "agent__user__email", "agent__user__last_name")
    autocomplete_fields = ("agent",)
    readonly_fields = ("created_at", "updated_at")


class MessageInline(ScopedStackedInline):
    model = Message
    fields = (("step", "delay_days", "channel"), "subject", "body")


@admin.register(Campaign)
class CampaignAdmin(BrokerageScopedAdmin):
    list_display = ("name", "kind", "status", "agent", "brand", "listing", "created_at")
    list_select_related = ("agent__user", "brand", "listing")
    list_filter = ("kind", "status", ("agent", RelatedInScopeFilter), ("brokerage", RelatedInScopeFilter))
    search_fields = ("name", "brand__display_name", "^listing__listing_key")
    date_hierarchy = "created_at"
    autocomplete_fields = ("agent", "brand", "listing")
    readonly_fields = ("created_at", "updated_at")
    inlines = (MessageInline,)


@admin.register(Message)
class MessageAdmin(BrokerageScopedAdmin):
    brokerage_path = "campaign__brokerage"
    list_display = ("campaign", "step", "delay_days", "channel", "subject")
    list_display_links = ("campaign", "step")
    list_select_related = ("campaign",)
    list_filter = ("channel", "campaign__kind")
    search_fields = ("subject", "body", "campaign__name")
    autocomplete_fields = ("campaign",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """The outbox sends each message exactly once per contact: its rows are evidence, not data to edit."""

    brokerage_path = "message__campaign__brokerage"
    list_display = ("created_at", "contact", "campaign", "step", "channel", "status", "sent_at", "opened_at", "error")
    list_select_related = ("contact", "message__campaign")
    list_filter = ("status", "channel", year_filter("created_at", "year"))
    search_fields = ("contact__email", "contact__last_name", "message__campaign__name", "error")
    show_full_result_count = False

    @admin.display(description="Campaign", ordering="message__campaign__name")
    def campaign(self, obj: Delivery) -> str:
        return obj.message.campaign.name

    @admin.display(description="Step", ordering="message__step")
    def step(self, obj: Delivery) -> int:
        return obj.message.step


@admin.register(Suppression)
class SuppressionAdmin(BrokerageScopedAdmin):
    list_display = ("address", "channel", "reason", "brokerage", "created_at")
    list_select_related = ("brokerage",)
    list_filter = ("channel", ("brokerage", RelatedInScopeFilter))
    search_fields = ("address", "reason")
    date_hierarchy = "created_at"


@admin.register(Enrollment)
class EnrollmentAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """Who is in which nurture drip and why it stopped; enrolled and advanced by the nurture beat task."""

    brokerage_path = "campaign__brokerage"
    list_display = ("started_at", "contact", "campaign", "last_step", "stopped_at", "stop_reason")
    list_select_related = ("contact", "campaign")
    list_filter = ("stop_reason", ("campaign", RelatedInScopeFilter))
    search_fields = ("contact__email", "contact__last_name", "campaign__name")
    show_full_result_count = False
    actions = ("stop_nurture",)

    def has_stop_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("marketing.change_enrollment")

    @admin.action(description="Stop nurture for the selected contacts", permissions=["stop"])
    def stop_nurture(self, request: HttpRequest, queryset: QuerySet) -> None:
        stopped = services.stop_enrollments(
            contact_ids=list(queryset.filter(stopped_at__isnull=True).values_list("contact_id", flat=True)),
            reason=Enrollment.StopReason.MANUAL,
        )
        self.message_user(request, f"Stopped {stopped} enrollment(s).", messages.SUCCESS)


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    """The listing-alert outbox: one row per instant alert or daily digest, sent at most once."""

    brokerage_path = "contact__brokerage"
    list_display = ("created_at", "contact", "status", "match_count", "sent_at", "opened_at", "error")
    list_select_related = ("contact",)
    list_filter = ("status", year_filter("created_at", "year"))
    search_fields = ("contact__email", "contact__last_name", "dedupe_key")
    show_full_result_count = False

    @admin.display(description="Matches")
    def match_count(self, obj: AlertDelivery) -> int:
        return len(obj.match_ids or ())
