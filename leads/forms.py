"""Forms of the agent-portal lead pages: list filters, contact create/edit, activity logging.

Forms only parse and validate input; writes go through ``leads.services`` and the
business-rule errors those raise (``DomainError.fields``) are attached back to the form.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q

from realtor.exceptions import DomainError
from realtor.models import Agent

from .models import Activity, Contact, SavedSearch
from .services import EDITABLE_FIELDS


class LeadFilterSet(django_filters.FilterSet):
    """Search by name, email or phone (``q``) and filter by ``stage`` and ``contact_type``."""

    q = django_filters.CharFilter(method="search", label="Search")
    stage = django_filters.ChoiceFilter(choices=Contact.Stage.choices, empty_label="Any stage")
    contact_type = django_filters.ChoiceFilter(
        choices=Contact.ContactType.choices, empty_label="Any type", label="Type"
    )

    class Meta:
        model = Contact
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        q = self.form.fields["q"]
        q.widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, email or phone", "autocomplete": "off", "maxlength": 100}
        )
        self.form.label_suffix = ""

    def search(self, queryset, name, value):
        """Match each word of ``value`` against first/last name and email; digits also against the phone."""
        value = value.strip()
        if not value:
            return queryset
        for word in value.split()[:5]:
            match = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            digits = re.sub(r"\D", "", word)
            if len(digits) >= 3:
                match |= Q(phone_e164__contains=digits) | Q(phone__contains=word)
            queryset = queryset.filter(match)
        return queryset

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("-created_at", "-id")


class DomainErrorFormMixin:
    """Attach a service's ``DomainError`` to the form: field errors inline, the rest on top."""

    def add_domain_error(self, error: DomainError) -> None:
        if not error.fields:
            self.add_error(None, error.message)
            return
        for field, messages in error.fields.items():
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                self.add_error(field if field in self.fields else None, message)


class ContactForm(DomainErrorFormMixin, forms.ModelForm):
    """The fields an agent may edit on a contact; ``assigned_agent`` limited to the brokerage's active agents.

    Validation only: the contact is written by ``leads.services``, never by ``form.save()``.
    """

    class Meta:
        model = Contact
        fields = EDITABLE_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "pre_approved": forms.NullBooleanSelect(),
        }
        labels = {"pre_approved": "Pre-approved for a mortgage", "timeline": "Buying/selling timeline"}

    def __init__(self, *args, brokerage_id: int, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        current = self.instance.assigned_agent_id if self.instance.pk else None
        agents = Agent.objects.filter(brokerage_id=brokerage_id).filter(Q(is_active=True) | Q(pk=current))
        field = self.fields["assigned_agent"]
        field.queryset = agents.select_related("user").order_by("user__last_name", "user__first_name")
        # On create an empty choice assigns the contact to the creating agent (leads.services).
        field.empty_label = "Unassigned" if self.instance.pk else "Me (default)"
        field.label = "Assigned agent"
        self.fields["email"].widget.attrs.update({"autocomplete": "off"})
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].help_text = "An email or a phone number is required."


#: Kinds an agent logs by hand (inquiries and system events are recorded by the platform).
LOGGABLE_KINDS = [
    (k.value, k.label)
    for k in (
        Activity.Kind.CALL,
        Activity.Kind.EMAIL,
        Activity.Kind.TEXT,
        Activity.Kind.MEETING,
        Activity.Kind.SHOWING,
        Activity.Kind.NOTE,
    )
]


class ActivityForm(DomainErrorFormMixin, forms.Form):
    """Log a call, email, text, meeting, showing or note against a contact."""

    label_suffix = ""

    kind = forms.ChoiceField(choices=LOGGABLE_KINDS, label="What happened")
    body = forms.CharField(label="Notes", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class TaskForm(DomainErrorFormMixin, forms.Form):
    """Give the lead's agent a follow-up task with an optional due date (the browser's local time)."""

    label_suffix = ""

    title = forms.CharField(label="Task", max_length=200)
    due_at = forms.DateTimeField(
        label="Due",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


#: Snooze lengths offered on the follow-up queue, in hours.
SNOOZE_CHOICES = [("1", "1 hour"), ("4", "4 hours"), ("24", "1 day"), ("72", "3 days"), ("168", "1 week")]


class SnoozeForm(forms.Form):
    """How long to hide a lead from the follow-up queue."""

    hours = forms.TypedChoiceField(choices=SNOOZE_CHOICES, coerce=int)


class SavedSearchForm(DomainErrorFormMixin, forms.Form):
    """A buyer's saved search in the portal: price, size, areas and how often to alert.

    ZIP codes are typed comma- or space-separated. Validation only; the search is written
    by ``leads.services.save_search``.
    """

    label_suffix = ""

    name = forms.CharField(max_length=100, initial="My search")
    list_price_min = forms.DecimalField(
        label="Min price ($)", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    list_price_max = forms.DecimalField(
        label="Max price ($)", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    bedrooms_total_min = forms.IntegerField(label="Bedrooms, at least", required=False, min_value=0, max_value=20)
    bathrooms_total_min = forms.IntegerField(label="Bathrooms, at least", required=False, min_value=0, max_value=20)
    living_area_min = forms.IntegerField(label="Living area, at least (sq ft)", required=False, min_value=0)
    postal_codes = forms.CharField(
        label="ZIP codes", required=False, max_length=200, help_text="Separate several with commas."
    )
    city = forms.CharField(required=False, max_length=100)
    alert_frequency = forms.ChoiceField(label="Alerts", choices=SavedSearch.Frequency.choices)
    is_active = forms.BooleanField(label="Search is active", required=False, initial=True)

    def clean_postal_codes(self) -> list[str]:
        codes = [c for c in re.split(r"[\s,;]+", self.cleaned_data["postal_codes"]) if c]
        bad = [c for c in codes if not re.fullmatch(r"\d{5}", c)]
        if bad:
            raise forms.ValidationError(f"Not a 5-digit ZIP code: {', '.join(bad[:3])}.")
        return list(dict.fromkeys(codes))[:20]

    def clean(self):
        data = super().clean()
        lo, hi = data.get("list_price_min"), data.get("list_price_max")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("list_price_max", "Must be at least the minimum price.")
        return data

    @classmethod
    def initial_from(cls, search: SavedSearch) -> dict:
        """Form values of an existing search."""
        names = [n for n in cls.base_fields if n != "postal_codes"]
        initial = {n: getattr(search, n) for n in names}
        initial["postal_codes"] = ", ".join(search.postal_codes or [])
        return initial
