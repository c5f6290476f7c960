"""Agent CMA builder and the listing deal panel (mounted under /app/, namespace ``app``).

Function views; htmx swaps the ``workspace``, ``recommendation``, ``sharing`` and ``pdf``
partials of ``properties/cma_detail.html``. Invalid input answers 422 with the form
re-rendered. Scoping: ``cma_selectors.get_cma_visible_to`` (another brokerage's CMA is 404;
clients get 403 from ``agent_required``).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from realtor.exceptions import DomainError
from realtor.htmx import wants_fragment
from realtor.permissions import agent_required

from . import cma_selectors, cma_services, valuation_service
from .models import CMA, Listing, PropertySubType
from .selectors import get_listing

#: CMAs shown on the list page (newest change first).
LIST_LIMIT = 100


# ----------------------------------------------------------------------------- forms
class CMANewForm(forms.Form):
    """Start a CMA from a listing key, or from an address with the home's facts."""

    listing_key = forms.CharField(required=False, max_length=64, help_text="Start from a listing or sale.")
    unparsed_address = forms.CharField(required=False, max_length=255, label="Address")
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    postal_code = forms.RegexField(required=False, regex=r"^\d{5}(-\d{4})?$", label="ZIP code")
    living_area = forms.IntegerField(
        required=False, min_value=1, max_value=valuation_service.MAX_LIVING_AREA, label="Living area (sq ft)"
    )
    bedrooms_total = forms.IntegerField(required=False, min_value=0, max_value=30, label="Bedrooms")
    bathrooms = forms.DecimalField(required=False, min_value=0, max_value=30, decimal_places=2, label="Bathrooms")
    year_built = forms.IntegerField(required=False, min_value=1600, max_value=2200)
    lot_size_square_feet = forms.IntegerField(
        required=False, min_value=0, max_value=valuation_service.MAX_LOT_SIZE, label="Lot (sq ft)"
    )
    property_sub_type = forms.ChoiceField(
        required=False, choices=[("", "—"), *PropertySubType.choices], label="Property sub-type"
    )
    as_of = forms.DateField(required=True, label="Value as of", widget=forms.DateInput(attrs={"type": "date"}))
    radius_miles = forms.FloatField(required=False, min_value=0.05, max_value=25, label="Radius (miles)")
    months = forms.IntegerField(required=False, min_value=1, max_value=120, label="Months back")
    max_comps = forms.IntegerField(required=False, min_value=3, max_value=25, label="Comps")

    ATTRIBUTE_FIELDS = (
        "latitude",
        "longitude",
        "postal_code",
        "living_area",
        "bedrooms_total",
        "bathrooms",
        "year_built",
        "lot_size_square_feet",
        "property_sub_type",
    )

    def clean(self):
        data = super().clean()
        key = (data.get("listing_key") or "").strip()
        data["listing_key"] = key
        if key:
            try:
                data["listing"] = get_listing(listing_key=key)
            except Listing.DoesNotExist:
                self.add_error("listing_key", "No listing or sale with that key.")
            return data
        for name in ("latitude", "longitude", "living_area"):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, "Required when no listing key is given.")
        return data

    def subject(self) -> tuple[dict, Listing | None]:
        """The engine subject record and the listing it came from (if any)."""
        listing = self.cleaned_data.get("listing")
        if listing is not None:
            return valuation_service.subject_from_listing(listing), listing
        attributes = {k: self.cleaned_data.get(k) for k in self.ATTRIBUTE_FIELDS}
        attributes["unparsed_address"] = self.cleaned_data.get("unparsed_address")
        return valuation_service.subject_from_attributes(attributes), None

    def options(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ("radius_miles", "months", "max_comps")}


class CompForm(forms.Form):
    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])
    listing_key = forms.CharField(max_length=64)


def _adjustment_lines() -> list[tuple[str, str]]:
    # Imported on use: the engine package loads scikit-learn, which URL loading should not.
    from .valuation.features import LINE_LABELS

    return list(LINE_LABELS.items())


class AdjustmentForm(forms.Form):
    listing_key = forms.CharField(max_length=64)
    adjustment = forms.ChoiceField(choices=_adjustment_lines)
    amount = forms.DecimalField(
        required=False, max_digits=12, decimal_places=2, help_text="USD; leave empty to use the computed amount."
    )


class RecommendationForm(forms.Form):
    price = forms.DecimalField(
        min_value=Decimal("1"),
        max_value=cma_services.MAX_LIST_PRICE,
        max_digits=14,
        decimal_places=0,
        label="Recommended list price",
    )
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label="Why")


class ShareForm(forms.Form):
    contact = forms.TypedChoiceField(coerce=int, label="Seller")

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.contacts = {c.pk: c for c in contacts}
        self.fields["contact"].choices = [(c.pk, f"{c} ({c.email})") for c in contacts]


def _share_candidates(*, user, cma: CMA):
    """Client contacts (with a portal login) the agent may share with; the subject's seller first.

    Contacts are the ``leads`` app's; read through its selector (a view-layer dependency).
    """
    from leads.selectors import list_contacts_visible_to

    contacts = list(list_contacts_visible_to(user=user).filter(user__isnull=False).select_related("user")[:200])
    contacts.sort(key=lambda c: (c.home_listing_id != cma.subject_listing_id or cma.subject_listing_id is None, str(c)))
    return contacts


# ----------------------------------------------------------------------------- pages
@require_GET
@agent_required
def cma_list(request):
    """The CMAs the agent (or broker) may see, newest change first."""
    cmas = list(cma_selectors.cmas_visible_to(user=request.user)[:LIST_LIMIT])
    return render(request, "properties/cma_list.html", {"cmas": cmas, "nav": "cmas"})


@require_http_methods(["GET", "POST"])
@agent_required
def cma_new(request):
    """Start a CMA from ``?listing_key=`` or an address with facts; invalid input answers 422."""
    agent = getattr(request.user, "agent", None)
    if request.method == "POST":
        form = CMANewForm(request.POST)
        if agent is None:
            form.add_error(None, "Only agents create CMAs; brokers open their agents' CMAs.")
        elif form.is_valid():
            try:
                subject, listing = form.subject()
                cma = cma_services.create_cma(
                    agent=agent,
                    subject=subject,
                    subject_listing=listing,
                    as_of=form.cleaned_data["as_of"],
                    options=form.options(),
                )
            except DomainError as exc:
                _add_domain_errors(form, exc)
            else:
                url = reverse("app:cma_detail", args=[cma.pk])
                if wants_fragment(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
        return render(request, "properties/cma_new.html", {"form": form, "nav": "cmas"}, status=422)
    initial = {"as_of": valuation_service.data_as_of(), "listing_key": request.GET.get("listing_key", "")}
    return render(request, "properties/cma_new.html", {"form": CMANewForm(initial=initial), "nav": "cmas"})


def _add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    for name, messages in exc.fields.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message if field else f"{name}: {message}")


def _detail_context(request, cma: CMA, **extra) -> dict:
    context = {
        "cma": cma,
        "nav": "cmas",
        "versions": cma_selectors.list_cma_versions(cma=cma)[:50],
        "recommendation_form": RecommendationForm(
            initial={"price": cma.recommended_list_price or cma.estimate, "note": cma.recommendation_note}
        ),
        "share_form": ShareForm(contacts=_share_candidates(user=request.user, cma=cma)),
        "comp_error": None,
        **cma_selectors.valuation_presentation(
            result=cma.result, overrides=cma.adjustment_overrides, trend_rows=cma_selectors.cma_trend_rows(cma=cma)
        ),
    }
    context.update(extra)
    return context


@require_GET
@agent_required
def cma_detail(request, pk: int):
    """One CMA: range, comps on a map and in a table, recommendation, sharing, PDF, history."""
    cma = cma_selectors.get_cma_visible_to(user=request.user, pk=pk)
    return render(request, "properties/cma_detail.html", _detail_context(request, cma))


def _workspace_response(request, cma: CMA, *, error: str | None = None, status: int = 200):
    if wants_fragment(request):
        context = _detail_context(request, cma, comp_error=error)
        return render(request, "properties/cma_detail.html#workspace", context, status=status)
    if error:
        context = _detail_context(request, cma, comp_error=error)
        return render(request, "properties/cma_detail.html", context, status=status)
    return redirect("app:cma_detail", pk=cma.pk)


@require_POST
@agent_required
@vary_on_headers("HX-Request")
def cma_comps(request, pk: int):
    """Add or remove a comp (``action``, ``listing_key``); answers the re-valued workspace."""
    cma = cma_selectors.get_cma_visible_to(user=request.user, pk=pk)
    form = CompForm(request.POST)
    if not form.is_valid():
        return _workspace_response(request, cma, error="Choose a comp to add or remove.", status=422)
    try:
        if form.cleaned_data["action"] == "add":
            cma = cma_services.add_cma_comp(cma=cma, actor=request.user, listing_key=form.cleaned_data["listing_key"])
        else:
            cma = cma_services.remove_cma_comp(
                cma=cma, actor=request.user, listing_key=form.cleaned_data["listing_key"]
            )
    except DomainError as exc:
        detail = "; ".join(m for ms in exc.fields.values() for m in ms)
        return _workspace_response(request, cma, error=f"{exc.message} {detail}".strip(), status=422)
    return _workspace_response(request, cma)


@require_POST
@agent_required
@vary_on_headers("HX-Request")
def cma_adjustment(request, pk: int):
    """Override (or clear) one comp's adjustment in USD; answers the re-valued workspace."""
    cma = cma_selectors.get_cma_visible_to(user=request.user, pk=pk)
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        return _workspace_response(request, cma, error="Enter an amount in dollars.", status=422)
    try:
        cma = cma_services.override_cma_adjustment(
            cma=cma,
            actor=request.user,
            listing_key=form.cleaned_data["listing_key"],
            adjustment=form.cleaned_data["adjustment"],
            amount=form.cleaned_data["amount"],
        )
    except DomainError as exc:
        return _workspace_response(request, cma, error=exc.message, status=422)
    return _workspace_response(request, cma)


@require_POST
@agent_required
@vary_on_headers("HX-Request")
def cma_recommendation(request, pk: int):
    """Set the recommended list price and note; 422 with the form on bad input."""
    cma = cma_selectors.get_cma_visible_to(user=request.user, pk=pk)
    form = RecommendationForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            cma = cma_services.set_cma_recommendation(
                cma=cma, actor=request.user, price=form.cleaned_data["price"], note=form.cleaned_data["note"]
            )
            status = 200
        except DomainError as exc:
            _add_domain_errors(form, exc)
    if status == 200 and not wants_fragment(request):
        return redirect("app:cma_detail", pk=cma.pk)
    template = "properties/cma_detail.html" + ("#recommendation" if wants_fragment(request) else "")
    return render(request, template, _detail_context(request, cma, recommendation_form=form), status=status)


@require_POST
@agent_required
@vary_on_headers("HX-Request")
def cma_share(request, pk: int):
    """Share the CMA with a seller contact (``contact``) or take it back (``action=unshare``)."""
    cma = cma_selectors.get_cma_visible_to(user=request.user, pk=pk)
    contacts = _share_candidates(user=request.user, cma=cma)
    form = ShareForm(request.POST, contacts=contacts)
    status = 200
    if request.POST.get("action") == "unshare":
        cma = cma_services.unshare_cma(cma=cma, actor=request.user)
        form = ShareForm(contacts=contacts)
    elif form.is_valid():
        contact = form.contacts[form.cleaned_data["contact"]]
        try:
            cma = cma_services.share_cma(
                cma=cma, actor=request.user, recipient=contact.user, recipient_name=str(contact)
            )
        except DomainError as exc:
            _add_domain_errors(form, exc)
            status = 422
    else:
        status = 422
    if status == 200 and not wants_fragment(request):
        return redirect("app:cma_detail", pk=cma.pk)
    template = "properties/cma_detail.html" + ("#sharing" if wants_fragment(request) else "")
    return render(request, template, _detail_context(request, cma, share_form=form), status=status)


@require_http_methods(["GET", "POST"])
@agent_required
@vary_on_headers("HX-Request")
def cma_pdf(request, pk: int):
    """GET: download the current PDF (404 until generated). POST: queue its generation.

    ``?status=1`` (htmx polling) answers the ``pdf`` partial.
    """
    cma = cma_selectors.get_cma_visible_to(user=request.user, pk=pk)
    if request.method == "POST":
        if not cma.pdf_is_current:
            cma_services.request_cma_pdf(cma=cma)
        cma.refresh_from_db()
    elif request.GET.get("status") is None:
        return _pdf_file_response(cma)
    if wants_fragment(request) or request.GET.get("status") is not None:
        return render(request, "properties/cma_detail.html#pdf", {"cma": cma, "pdf_requested": True})
    return redirect("app:cma_detail", pk=cma.pk)


def _pdf_file_response(cma: CMA):
    if not cma.pdf:
        raise Http404("The report has not been generated yet.")
    handle = cma.pdf.open("rb")
    return FileResponse(handle, as_attachment=True, filename=f"CMA-{cma.pk}-v{cma.pdf_version}.pdf")


@require_GET
@agent_required
def cma_version(request, pk: int, number: int):
    """One saved version of a CMA, read-only."""
    cma = cma_selectors.get_cma_visible_to(user=request.user, pk=pk)
    version = cma.versions.filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    context = {
        "cma": cma,
        "version": version,
        "nav": "cmas",
        **cma_selectors.valuation_presentation(result=version.result, overrides=version.adjustment_overrides),
    }
    return render(request, "properties/cma_version.html", context)


# ----------------------------------------------------------------------------- deal panel
class DealAssumptionsForm(forms.Form):
    """Assumptions of the deal panel (USD, percent, months); blank means the default."""

    monthly_rent = forms.DecimalField(required=False, min_value=0, max_value=1_000_000, decimal_places=2)
    repair_costs = forms.DecimalField(required=False, min_value=0, max_value=100_000_000, decimal_places=2)
    holding_months = forms.DecimalField(required=False, min_value=1, max_value=60, decimal_places=1)
    annual_rate_pct = forms.DecimalField(required=False, min_value=0, max_value=30, decimal_places=3)
    down_payment_pct = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=2)


@require_GET
@agent_required
def listing_deal(request, listing_key: str):
    """The deal panel of a listing (``components/deal_panel.html``), loaded by htmx.

    Query parameters change the assumptions (``DealAssumptionsForm``); invalid ones answer 422
    with the defaults' figures and the errors.
    """
    from .cma_deal import DealAssumptions

    try:
        listing = get_listing(listing_key=listing_key)
    except Listing.DoesNotExist:
        raise Http404("No listing with that key.") from None
    form = DealAssumptionsForm(request.GET)
    valid = form.is_valid()
    assumptions = DealAssumptions.from_mapping(form.cleaned_data) if valid else None
    context = cma_selectors.deal_panel_context(listing=listing, assumptions=assumptions)
    if not valid:
        context["assumption_errors"] = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    return render(request, "components/deal_panel.html", context, status=200 if valid else 422)
