"""Agent-portal pages of the leads app (mounted under /app/): the dashboard and lead pages.

The dashboard lives here rather than in ``realtor`` because it reads leads and
listings, and ``realtor`` may not import the apps to its right (DESIGN §3).
"""

from __future__ import annotations

import copy
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from properties.models import Listing, StandardStatus
from realtor.exceptions import DomainError
from realtor.htmx import wants_fragment
from realtor.permissions import agent_required

from .forms import ActivityForm, ContactForm, LeadFilterSet
from .models import Contact
from .selectors import get_contact_visible_to, list_activities, list_contacts_visible_to
from .services import add_activity, create_contact, update_contact

#: Rows per page of the lead list.
PAGE_SIZE = 25
#: Newest leads shown on the dashboard.
DASHBOARD_LEADS = 8
#: Activities shown on a lead's timeline, newest first.
TIMELINE_LIMIT = 100


@require_GET
@agent_required
def dashboard(request):
    """The agent's start page: lead and market counts and the newest leads they can see."""
    user = request.user
    leads = list_contacts_visible_to(user=user)
    week_ago = timezone.now() - timedelta(days=7)
    # Agents count the leads assigned to them; brokers and staff count their brokerage's.
    mine = Q(assigned_agent__user_id=user.pk) if user.is_agent else Q(pk__isnull=False)
    lead_counts = leads.aggregate(
        mine=Count("pk", filter=mine), new_this_week=Count("pk", filter=mine & Q(created_at__gte=week_ago))
    )
    listing_counts = Listing.objects.aggregate(
        active=Count("pk", filter=Q(standard_status=StandardStatus.ACTIVE)),
        closed=Count("pk", filter=Q(standard_status=StandardStatus.CLOSED)),
        my_active=Count("pk", filter=Q(standard_status=StandardStatus.ACTIVE, list_agent__user_id=user.pk)),
    )
    context = {
        "lead_counts": lead_counts,
        "listing_counts": listing_counts,
        "newest_leads": leads.order_by("-created_at", "-id")[:DASHBOARD_LEADS],
        "nav": "dashboard",
    }
    return render(request, "leads/dashboard.html", context)


@require_GET
@agent_required
@vary_on_headers("HX-Request")
def lead_list(request):
    """Leads the user may see, searchable by name/email/phone (``q``) and filtered by stage and type."""
    filterset = LeadFilterSet(request.GET, queryset=list_contacts_visible_to(user=request.user), request=request)
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else Contact.objects.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "leads/lead_list.html"
    if wants_fragment(request):
        template += "#results"
    context = {"filterset": filterset, "form": filterset.form, "page": page, "valid": valid, "nav": "leads"}
    return render(request, template, context, status=200 if valid else 422)


def _after_save(request, contact: Contact, verb: str):
    """Go to the contact, or to the list when the user handed it to someone they cannot see."""
    if list_contacts_visible_to(user=request.user).filter(pk=contact.pk).exists():
        messages.success(request, f"{contact.full_name} {verb}.")
        return redirect("app:lead_detail", pk=contact.pk)
    messages.success(request, f"{contact.full_name} {verb} and assigned to {contact.assigned_agent}.")
    return redirect("app:lead_list")


@require_http_methods(["GET", "POST"])
@agent_required
def lead_create(request):
    """Add a contact by hand; invalid input or a broken business rule answers 422 with the form."""
    user = request.user
    agent = getattr(user, "agent", None)
    initial = {"assigned_agent": agent.pk} if agent is not None and agent.is_active else {}
    form = ContactForm(request.POST or None, initial=initial, brokerage_id=user.brokerage_id)
    if request.method == "POST":
        if form.is_valid():
            try:
                contact = create_contact(actor=user, data=form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return _after_save(request, contact, "added")
        return render(request, "leads/lead_form.html", {"form": form, "nav": "leads"}, status=422)
    return render(request, "leads/lead_form.html", {"form": form, "nav": "leads"})


@require_http_methods(["GET", "POST"])
@agent_required
def lead_edit(request, pk: int):
    """Edit a contact the user may see (404 otherwise); 422 with the form on invalid input."""
    contact = get_contact_visible_to(user=request.user, pk=pk)
    # The form validates against a copy so a rejected edit leaves the page header as saved.
    form = ContactForm(request.POST or None, instance=copy.copy(contact), brokerage_id=contact.brokerage_id)
    context = {"form": form, "contact": contact, "nav": "leads"}
    if request.method == "POST":
        if form.is_valid():
            try:
                contact = update_contact(actor=request.user, contact=contact, data=form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return _after_save(request, contact, "saved")
        return render(request, "leads/lead_form.html", context, status=422)
    return render(request, "leads/lead_form.html", context)


def _detail_context(contact: Contact, form: ActivityForm | None = None) -> dict:
    return {
        "contact": contact,
        "activities": list_activities(contact=contact)[:TIMELINE_LIMIT],
        "activity_form": form or ActivityForm(),
        "nav": "leads",
    }


@require_GET
@agent_required
def lead_detail(request, pk: int):
    """One contact: facts, activity timeline and the form to log an activity."""
    contact = get_contact_visible_to(user=request.user, pk=pk)
    return render(request, "leads/lead_detail.html", _detail_context(contact))


@require_POST
@agent_required
def lead_add_activity(request, pk: int):
    """Log an activity; htmx gets the timeline back (and the facts, out of band), others a redirect."""
    contact = get_contact_visible_to(user=request.user, pk=pk)
    form = ActivityForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            add_activity(
                actor=request.user, contact=contact, kind=form.cleaned_data["kind"], body=form.cleaned_data["body"]
            )
            saved = True
        except DomainError as error:
            form.add_domain_error(error)
    if saved and not wants_fragment(request):
        messages.success(request, "Activity logged.")
        return redirect("app:lead_detail", pk=contact.pk)
    if saved:
        contact = get_contact_visible_to(user=request.user, pk=pk)
        form = None
    context = _detail_context(contact, form)
    status = 200 if saved else 422
    if not wants_fragment(request):
        return render(request, "leads/lead_detail.html", context, status=status)
    html = render_to_string("leads/lead_detail.html#timeline", context, request=request)
    if saved:
        # First contact time and stage may have changed: refresh the facts panel too.
        html += render_to_string("leads/lead_detail.html#facts", {**context, "oob": True}, request=request)
    return HttpResponse(html, status=status)
