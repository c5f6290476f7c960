"""Agent-portal pages of the leads app (mounted under /app/): the dashboard and lead pages.

The dashboard lives here rather than in ``realtor`` because it reads leads and
listings, and ``realtor`` may not import the apps to its right (DESIGN §3).
"""

from __future__ import annotations

import copy
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from properties.selectors import listing_counts
from realtor.exceptions import DomainError
from realtor.htmx import wants_fragment
from realtor.permissions import agent_required

from .engine_selectors import follow_up_queue, matches_for_contact
from .forms import ActivityForm, ContactForm, LeadFilterSet, SnoozeForm, TaskForm
from .models import Contact, Task
from .selectors import (
    consent_history,
    contact_timeline,
    get_contact_detail_visible_to,
    get_contact_visible_to,
    lead_counts,
    list_contacts_visible_to,
    notifications_for,
)
from .services import (
    add_activity,
    complete_task,
    create_contact,
    create_task,
    mark_follow_up_done,
    mark_notifications_read,
    snooze_follow_up,
    update_contact,
)

#: Rows per page of the lead list.
PAGE_SIZE = 25
#: Newest leads shown on the dashboard.
DASHBOARD_LEADS = 8
#: Activities and behaviour events shown on a lead's timeline, newest first.
TIMELINE_LIMIT = 100
#: Leads shown in the dashboard's follow-up queue, most urgent first.
QUEUE_SIZE = 15
#: Matches shown on a lead's page.
DETAIL_MATCHES = 10


def _queue_context(user) -> dict:
    """The follow-up queue of the user's agent record (brokers without one have none)."""
    agent = getattr(user, "agent", None)
    return {"queue": follow_up_queue(agent=agent, limit=QUEUE_SIZE) if agent is not None else None}


@require_GET
@agent_required
def dashboard(request):
    """The agent's start page: lead and market counts and the newest leads they can see."""
    user = request.user
    leads = list_contacts_visible_to(user=user)
    context = {
        "lead_counts": lead_counts(user=user),
        "listing_counts": listing_counts(user=user),
        "newest_leads": leads.order_by("-created_at", "-id")[:DASHBOARD_LEADS],
        "notifications": notifications_for(user=user),
        "snooze_form": SnoozeForm(),
        "nav": "dashboard",
        **_queue_context(user),
    }
    return render(request, "leads/dashboard.html", context)


def _queue_response(request, message: str, *, status: int = 200):
    """htmx: the queue fragment again; otherwise back to the dashboard with a message."""
    if not wants_fragment(request):
        if status == 200:
            messages.success(request, message)
        else:
            messages.error(request, message)
        return redirect("app:dashboard")
    context = {"snooze_form": SnoozeForm(), "queue_message": message, **_queue_context(request.user)}
    return render(request, "leads/dashboard.html#queue", context, status=status)


@require_POST
@agent_required
def queue_snooze(request, pk: int):
    """Hide a lead from the follow-up queue for ``hours`` (1-168); 422 on a bad choice."""
    contact = get_contact_visible_to(user=request.user, pk=pk)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        return _queue_response(request, "Choose how long to snooze.", status=422)
    until = timezone.now() + timedelta(hours=form.cleaned_data["hours"])
    snooze_follow_up(actor=request.user, contact=contact, until=until)
    local = date_format(timezone.localtime(until), "M j, g:i a")
    return _queue_response(request, f"{contact.full_name} snoozed until {local}.")


@require_POST
@agent_required
def queue_done(request, pk: int):
    """Take a lead off the follow-up queue until it replies or a task comes due."""
    contact = get_contact_visible_to(user=request.user, pk=pk)
    mark_follow_up_done(actor=request.user, contact=contact)
    return _queue_response(request, f"{contact.full_name} is done for now.")


@require_POST
@agent_required
def notifications_read(request):
    """Mark the user's unread notifications read."""
    mark_notifications_read(user=request.user)
    return redirect("app:dashboard")


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


def _detail_context(contact: Contact, form: ActivityForm | None = None, task_form: TaskForm | None = None) -> dict:
    """Everything the lead page shows; ``contact`` comes from ``get_contact_detail_visible_to``."""
    return {
        "contact": contact,
        "timeline": contact_timeline(contact=contact, limit=TIMELINE_LIMIT),
        "activity_form": form or ActivityForm(),
        "task_form": task_form or TaskForm(),
        "routing_history": contact.routing_decisions.all(),
        "tasks": contact.tasks.all(),
        "matches": matches_for_contact(contact=contact)[:DETAIL_MATCHES],
        "consent_events": consent_history(contact=contact),
        "now": timezone.now(),
        "nav": "leads",
    }


@require_GET
@agent_required
def lead_detail(request, pk: int):
    """One contact: facts, score breakdown, consent, routing history, tasks, matches and the timeline."""
    contact = get_contact_detail_visible_to(user=request.user, pk=pk)
    return render(request, "leads/lead_detail.html", _detail_context(contact))


def _task_agent(request, contact: Contact):
    """Who a new task goes to: the lead's agent, else the user's own agent record (None: nobody)."""
    return contact.assigned_agent or getattr(request.user, "agent", None)


@require_POST
@agent_required
def lead_add_task(request, pk: int):
    """Add a follow-up task; htmx gets the tasks panel back, others a redirect; 422 with the form on errors."""
    contact = get_contact_detail_visible_to(user=request.user, pk=pk)
    form = TaskForm(request.POST)
    saved = False
    if form.is_valid():
        agent = _task_agent(request, contact)
        if agent is None:
            form.add_error(None, "Assign this lead to an agent before giving it tasks.")
        else:
            try:
                create_task(
                    actor=request.user,
                    contact=contact,
                    agent=agent,
                    title=form.cleaned_data["title"],
                    due_at=form.cleaned_data["due_at"],
                )
                saved = True
            except DomainError as error:
                form.add_domain_error(error)
    if saved and not wants_fragment(request):
        messages.success(request, "Task added.")
        return redirect("app:lead_detail", pk=contact.pk)
    if saved:
        contact = get_contact_detail_visible_to(user=request.user, pk=pk)
        form = None
    context = _detail_context(contact, task_form=form)
    template = "leads/lead_detail.html#tasks" if wants_fragment(request) else "leads/lead_detail.html"
    return render(request, template, context, status=200 if saved else 422)


@require_POST
@agent_required
def lead_complete_task(request, pk: int, task_id: int):
    """Mark a task of a visible lead done (idempotent); 404 for another lead's or brokerage's task."""
    contact = get_contact_visible_to(user=request.user, pk=pk)
    task = get_object_or_404(Task, pk=task_id, contact=contact)
    complete_task(actor=request.user, task=task)
    if not wants_fragment(request):
        messages.success(request, "Task done.")
        return redirect("app:lead_detail", pk=contact.pk)
    contact = get_contact_detail_visible_to(user=request.user, pk=pk)
    return render(request, "leads/lead_detail.html#tasks", _detail_context(contact))


@require_POST
@agent_required
def lead_add_activity(request, pk: int):
    """Log an activity; htmx gets the timeline back (and the facts, out of band), others a redirect."""
    contact = get_contact_detail_visible_to(user=request.user, pk=pk)
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
        contact = get_contact_detail_visible_to(user=request.user, pk=pk)
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
