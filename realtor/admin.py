"""Admin for the core models, and the brokerage scoping every app's admin builds on.

Brokers and staff work in ``/admin/``. A superuser sees every brokerage; any other
staff user sees only the rows of their own brokerage (``BrokerageScopedAdmin``),
and every foreign-key choice, autocomplete and related-object filter they get is
scoped the same way, so no form, filter or lookup reveals another tenant's rows.
Model permissions still come from Django's groups and user permissions.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import HttpRequest

from .models import Agent, AICall, AuditLog, Brokerage, Office, Team, User

admin.site.site_header = "Realtor administration"
admin.site.site_title = "Realtor administration"
admin.site.index_title = "Brokerage data"


class ScopedChoicesMixin:
    """Draw foreign-key choices from the related model's admin queryset.

    The related admin's ``get_queryset`` decides what the user may pick (and what
    an autocomplete or raw-id value is validated against): a broker cannot attach a
    record to another brokerage's contact, agent or office.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related_model = db_field.remote_field.model
        if "queryset" not in kwargs and self.admin_site.is_registered(related_model):
            related_admin = self.admin_site.get_model_admin(related_model)
            if isinstance(related_admin, BrokerageScopedAdmin):
                kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BrokerageScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A model admin that shows a non-superuser only their own brokerage's rows.

    ``brokerage_path`` is the lookup from the model to its brokerage, e.g.
    ``"brokerage"`` or ``"contact__brokerage"``; ``None`` marks shared data (MLS
    listings) that every staff user sees. A staff user without a brokerage sees
    nothing. Objects outside the scope answer like missing ones (a redirect to the
    admin index with a message), never revealing that they exist.
    """

    brokerage_path: str | None = "brokerage"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope_queryset(request, super().get_queryset(request))

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """Restrict ``queryset`` to the rows ``request.user`` may see in the admin."""
        user = request.user
        if user.is_superuser or self.brokerage_path is None:
            return queryset
        if not user.brokerage_id:
            return queryset.none()
        return queryset.filter(**{self.brokerage_path: user.brokerage_id})

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        if self.brokerage_path == "brokerage" and request.user.brokerage_id:
            initial.setdefault("brokerage", request.user.brokerage_id)
        return initial

    def get_fieldsets(self, request: HttpRequest, obj=None):
        """Declared fieldsets, plus any field they do not list under "Other fields".

        Models grow fields in other engineers' changes; a hand-written layout must not
        hide them from the people who fix data here.
        """
        fieldsets = super().get_fieldsets(request, obj)
        if not self.fieldsets:
            return fieldsets
        listed = set(flatten_fieldsets(fieldsets))
        readonly = self.get_readonly_fields(request, obj)
        unlisted = [
            field.name
            for field in self.model._meta.fields
            if ((field.editable and not field.auto_created) or field.name in readonly) and field.name not in listed
        ]
        if not unlisted:
            return fieldsets
        return [*fieldsets, ("Other fields", {"fields": unlisted, "classes": ("collapse",)})]


class ScopedTabularInline(ScopedChoicesMixin, admin.TabularInline):
    extra = 0


class ScopedStackedInline(ScopedChoicesMixin, admin.StackedInline):
    extra = 0


class ViewOnlyMixin:
    """Logs and derived data: visible for auditing, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RelatedInScopeFilter(admin.RelatedOnlyFieldListFilter):
    """A related-object filter listing only objects the user may see and the changelist uses.

    Django's ``RelatedFieldListFilter`` lists every row of the related table (another
    brokerage's agents included) and renders each with ``str()``, one query per row
    when ``__str__`` follows a relation. This one reads the choices through the
    related model's admin queryset (scoped, with its ``select_related``) in one query.
    """

    def field_choices(self, field, request, model_admin):
        used = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
        related_model = field.remote_field.model
        site = model_admin.admin_site
        if site.is_registered(related_model):
            choices = site.get_model_admin(related_model).get_queryset(request)
        else:
            choices = related_model._default_manager.all()
        return [(obj.pk, str(obj)) for obj in choices.filter(pk__in=used)]


def year_filter(field_name: str, title: str) -> type[admin.SimpleListFilter]:
    """Build a by-year list filter for ``field_name`` (a date or datetime) on big tables.

    ``date_hierarchy`` runs a DISTINCT over a date truncation of every row to list the
    years (about half a second for 43k listings on SQLite); this reads only the MIN and
    MAX and filters with ``__year``, a range the database can serve from an index.
    """

    class YearFilter(admin.SimpleListFilter):
        parameter_name = f"{field_name}_year"

        def lookups(self, request, model_admin):
            bounds = model_admin.get_queryset(request).aggregate(first=Min(field_name), last=Max(field_name))
            if bounds["first"] is None:
                return []
            return [(str(year), str(year)) for year in range(bounds["last"].year, bounds["first"].year - 1, -1)]

        def queryset(self, request, queryset):
            if self.value() and self.value().isdigit():
                return queryset.filter(**{f"{field_name}__year": int(self.value())})
            return queryset

    YearFilter.title = title
    return YearFilter


class OfficeInline(ScopedTabularInline):
    model = Office
    fields = ("office_key", "name", "street_address", "city", "state_or_province", "postal_code", "phone")
    show_change_link = True


@admin.register(Brokerage)
class BrokerageAdmin(BrokerageScopedAdmin):
    brokerage_path = "pk"
    list_display = ("name", "license_number", "license_state", "website", "is_synthetic", "created_at")
    list_filter = ("license_state", "is_synthetic")
    search_fields = ("name", "license_number")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at")
    inlines = (OfficeInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A brokerage is a tenant: only the operators of the installation create or remove one.
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Office)
class OfficeAdmin(BrokerageScopedAdmin):
    list_display = ("name", "office_key", "brokerage", "city", "state_or_province", "postal_code", "phone")
    list_select_related = ("brokerage",)
    list_filter = (("brokerage", RelatedInScopeFilter), "state_or_province")
    search_fields = ("name", "office_key", "city", "postal_code")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Team)
class TeamAdmin(BrokerageScopedAdmin):
    list_display = ("name", "brokerage", "agent_count", "created_at")
    list_select_related = ("brokerage",)
    list_filter = (("brokerage", RelatedInScopeFilter),)
    search_fields = ("name",)
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(agent_count=Count("agents"))

    @admin.display(description="Agents", ordering="agent_count")
    def agent_count(self, obj: Team) -> int:
        return obj.agent_count


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "brokerage")


@admin.register(User)
class UserAdmin(BrokerageScopedAdmin, auth_admin.UserAdmin):
    """Users sign in with their email; brokers manage the people of their brokerage."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Brokerage", {"fields": ("role", "brokerage", "is_synthetic")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "brokerage",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "role", "brokerage", "is_staff", "is_active", "last_login")
    list_select_related = ("brokerage",)
    list_filter = ("role", "is_staff", "is_superuser", "is_active", ("brokerage", RelatedInScopeFilter))
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    date_hierarchy = "date_joined"
    readonly_fields = ("last_login", "date_joined")

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """Staff of a brokerage see its members and the portal users of its contacts, never a superuser."""
        user = request.user
        if user.is_superuser:
            return queryset
        if not user.brokerage_id:
            return queryset.none()
        members = Q(brokerage_id=user.brokerage_id) | Q(contact__brokerage_id=user.brokerage_id)
        return queryset.filter(members).exclude(is_superuser=True)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return self.add_fieldsets  # the creation form asks only what a new account needs
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        # Privileges are granted by the installation's superusers: a broker editing
        # a user must not be able to hand out superuser status or permissions.
        return (*readonly, "is_superuser", "groups", "user_permissions")


@admin.register(Agent)
class AgentAdmin(BrokerageScopedAdmin):
    list_display = (
        "full_name",
        "email",
        "brokerage",
        "office",
        "team",
        "license_state",
        "license_number",
        "is_active",
        "is_paused",
        "routing_weight",
    )
    list_select_related = ("user", "brokerage", "office", "team")
    list_filter = (
        "is_active",
        "is_paused",
        "license_state",
        "is_synthetic",
        ("brokerage", RelatedInScopeFilter),
        ("office", RelatedInScopeFilter),
        ("team", RelatedInScopeFilter),
    )
    search_fields = (
        "user__email",
        "user__first_name",
        "user__last_name",
        "member_key",
        "member_mls_id",
        "license_number",
        "phone",
    )
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("user", "brokerage", "office", "team", "is_synthetic")}),
        ("Licence", {"fields": ("member_key", "member_mls_id", "license_state", "license_number", "phone", "bio")}),
        (
            "Lead routing",
            {"fields": ("is_active", "is_paused", "routing_weight", "time_zone", "work_start", "work_end")},
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # ``Agent.__str__`` reads the user: every list of agents (choices, filters, autocomplete)
        # needs it. The changelist skips ``list_select_related`` when the root queryset already
        # has a ``select_related``, so this one covers the changelist columns too.
        return super().get_queryset(request).select_related(*self.list_select_related)

    @admin.display(description="Name", ordering="user__last_name")
    def full_name(self, obj: Agent) -> str:
        return obj.user.get_full_name()

    @admin.display(description="Email", ordering="user__email")
    def email(self, obj: Agent) -> str:
        return obj.user.email


@admin.register(AuditLog)
class AuditLogAdmin(ViewOnlyMixin, BrokerageScopedAdmin):
    list_display = ("at", "action", "object_type", "object_id", "actor", "brokerage")
    list_select_related = ("actor", "brokerage")
    list_filter = (year_filter("at", "year"), "action", "object_type", ("brokerage", RelatedInScopeFilter))
    search_fields = ("action", "object_type", "=object_id", "actor__email")
    show_full_result_count = False


@admin.register(AICall)
class AICallAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Every AI gateway call, for auditing why the system said what it said.

    Calls carry no brokerage and their inputs may hold any tenant's contact data, so
    only superusers see them here.
    """

    list_display = (
        "created_at",
        "task",
        "provider",
        "model",
        "fallback_used",
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "object_type",
        "object_id",
    )
    list_filter = (year_filter("created_at", "year"), "provider", "fallback_used", "task")
    search_fields = ("task", "model", "fallback_reason", "object_type", "=object_id")
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser
