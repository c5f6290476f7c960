"""Admin for metric snapshots and digests: derived data, viewable and deletable (to be rebuilt), not editable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from realtor.admin import BrokerageScopedAdmin, RelatedInScopeFilter, year_filter

from .models import DailyMetric, Digest


class DerivedDataMixin:
    """Rows the tasks compute; delete one to have it rebuilt, never type figures in by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DailyMetric)
class DailyMetricAdmin(DerivedDataMixin, BrokerageScopedAdmin):
    list_display = ("date", "metric", "value", "agent", "brokerage")
    list_select_related = ("agent__user", "brokerage")
    list_filter = (
        year_filter("date", "year"),
        "metric",
        ("agent", RelatedInScopeFilter),
        ("brokerage", RelatedInScopeFilter),
    )
    search_fields = ("metric",)
    show_full_result_count = False


@admin.register(Digest)
class DigestAdmin(DerivedDataMixin, BrokerageScopedAdmin):
    brokerage_path = "agent__brokerage"
    list_display = ("date", "agent", "created_at", "sent_at")
    list_select_related = ("agent__user",)
    list_filter = (("agent", RelatedInScopeFilter), ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("agent__user__email", "agent__user__last_name")
    date_hierarchy = "date"
