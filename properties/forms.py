"""Search forms of the listing pages: the shared ``ListingFilterSet`` with labels for people.

The filters themselves (names, lookups, validation) come from ``properties.filters`` so
the agent search page, the client portal and the API accept the same parameters.
"""

from __future__ import annotations

from .filters import ListingFilterSet

#: Form labels of the listing filters (the API keeps django-filter's generated ones).
FILTER_LABELS = {
    "standard_status": "Status",
    "property_type": "Property type",
    "property_sub_type": "Sub-type",
    "city": "City",
    "postal_code": "ZIP code",
    "list_price_min": "Min list price ($)",
    "list_price_max": "Max list price ($)",
    "close_price_min": "Min sold price ($)",
    "close_price_max": "Max sold price ($)",
    "close_date_after": "Sold from",
    "close_date_before": "Sold to",
    "bedrooms_total_min": "Min beds",
    "bathrooms_total_min": "Min baths",
    "living_area_min": "Min sq ft",
    "living_area_max": "Max sq ft",
    "year_built_min": "Built from (year)",
    "year_built_max": "Built to (year)",
    "ordering": "Sort by",
}

#: Sort choices offered on the agent search page (values are ``OrderingFilter`` params;
#: the empty choice, "Recently updated", is the filterset's default order).
AGENT_ORDERING_CHOICES = [
    ("list_price", "List price: low to high"),
    ("-list_price", "List price: high to low"),
    ("-close_date", "Sold date: newest first"),
    ("close_date", "Sold date: oldest first"),
    ("close_price", "Sold price: low to high"),
    ("-close_price", "Sold price: high to low"),
    ("-living_area", "Living area: largest first"),
    ("-year_built", "Year built: newest first"),
    ("-bedrooms_total", "Bedrooms: most first"),
    ("days_on_market", "Days on market: fewest first"),
]

#: Sort choices offered to clients browsing homes for sale.
PORTAL_ORDERING_CHOICES = [
    ("list_price", "Price: low to high"),
    ("-list_price", "Price: high to low"),
    ("-living_area", "Size: largest first"),
    ("-bedrooms_total", "Bedrooms: most first"),
]

_NUMERIC_PLACEHOLDERS = {
    "list_price_min": "Any",
    "list_price_max": "Any",
    "close_price_min": "Any",
    "close_price_max": "Any",
    "bedrooms_total_min": "Any",
    "bathrooms_total_min": "Any",
    "living_area_min": "Any",
    "living_area_max": "Any",
    "year_built_min": "Any",
    "year_built_max": "Any",
    "city": "e.g. Seattle",
    "postal_code": "e.g. 98115",
}


class _LabelledFormMixin:
    ordering_choices: list[tuple[str, str]] = AGENT_ORDERING_CHOICES
    labels: dict[str, str] = {}
    #: Filters shown at once; the rest sit under "More filters".
    primary: tuple[str, ...] = ()

    @property
    def form(self):
        form = super().form
        form.label_suffix = ""
        return form

    def get_form_class(self):
        form_class = super().get_form_class()
        for name, field in form_class.base_fields.items():
            field.label = self.labels.get(name) or FILTER_LABELS.get(name, field.label)
            if name == "ordering":
                field.choices = self.ordering_choices
                field.empty_label = "Recently updated"
            elif hasattr(field, "empty_label"):
                field.empty_label = "Any"
            if name in _NUMERIC_PLACEHOLDERS:
                field.widget.attrs.setdefault("placeholder", _NUMERIC_PLACEHOLDERS[name])
            if name in ("postal_code",):
                field.widget.attrs.update({"inputmode": "numeric", "autocomplete": "postal-code"})
        return form_class

    def primary_fields(self) -> list:
        """Bound fields shown at once, in display order."""
        return [self.form[name] for name in self.primary if name in self.form.fields]

    def more_fields(self) -> list:
        """Bound fields folded under "More filters"."""
        return [field for field in self.form if field.name not in self.primary]

    def more_open(self) -> bool:
        """Whether "More filters" starts open: one of them is set or has an error."""
        return any(self.form.data.get(f.name) or f.errors for f in self.more_fields())


class ListingSearchFilterSet(_LabelledFormMixin, ListingFilterSet):
    """Every listing filter, labelled for the agent search page (all statuses, sold-date range)."""

    primary = (
        "standard_status",
        "city",
        "postal_code",
        "list_price_min",
        "list_price_max",
        "bedrooms_total_min",
        "bathrooms_total_min",
        "ordering",
    )


class HomeSearchFilterSet(_LabelledFormMixin, ListingFilterSet):
    """The filters a client may use on homes for sale: price, beds, baths, city, ZIP.

    The queryset passed in must already be limited to Active listings; status, sold
    price/date and the other agent filters are removed so they cannot widen it.
    """

    ordering_choices = PORTAL_ORDERING_CHOICES
    labels = {"list_price_min": "Min price ($)", "list_price_max": "Max price ($)"}
    primary = (
        "list_price_min",
        "list_price_max",
        "bedrooms_total_min",
        "bathrooms_total_min",
        "city",
        "postal_code",
        "ordering",
    )

    standard_status = None
    property_type = None
    property_sub_type = None
    close_price_min = None
    close_price_max = None
    close_date_after = None
    close_date_before = None
    living_area_min = None
    living_area_max = None
    year_built_min = None
    year_built_max = None
