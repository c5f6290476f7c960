"""Writes of contacts: create, update, log activity. Each is one audited transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from realtor.audit import record_audit
from realtor.exceptions import DomainError

from .models import Activity, Contact, Favorite

#: Fields an agent may set on a contact by hand (forms and the API).
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "contact_type",
    "stage",
    "timeline",
    "pre_approved",
    "notes",
    "assigned_agent",
)


def _check_agent(*, brokerage_id, agent) -> None:
    if agent is not None and agent.brokerage_id != brokerage_id:
        raise DomainError("That agent is not in this brokerage.", fields={"assigned_agent": ["Unknown agent."]})


def create_contact(*, actor, data: dict) -> Contact:
    """Create a contact in the actor's brokerage, assigned to the actor (an agent) by default.

    ``data`` holds :data:`EDITABLE_FIELDS`. Raises ``DomainError`` when the assigned agent
    belongs to another brokerage or the contact has neither email nor phone.
    """
    if not (data.get("email") or data.get("phone")):
        raise DomainError(
            "A contact needs an email or a phone number.", fields={"email": ["Email or phone is required."]}
        )
    agent = data.get("assigned_agent") or getattr(actor, "agent", None)
    _check_agent(brokerage_id=actor.brokerage_id, agent=agent)
    with transaction.atomic():
        contact = Contact(brokerage_id=actor.brokerage_id, system="manual")
        for field in EDITABLE_FIELDS:
            if field in data:
                setattr(contact, field, data[field])
        contact.assigned_agent = agent
        contact.save()
        record_audit(actor=actor, action="contact.create", obj=contact)
    return contact


def update_contact(*, actor, contact: Contact, data: dict) -> Contact:
    """Change the editable fields of a contact the actor can see; audited with the diff."""
    if "assigned_agent" in data:
        _check_agent(brokerage_id=contact.brokerage_id, agent=data["assigned_agent"])
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changes = {}
        for field in EDITABLE_FIELDS:
            if field in data and getattr(locked, field) != data[field]:
                changes[field] = [str(getattr(locked, field)), str(data[field])]
                setattr(locked, field, data[field])
        if not (locked.email or locked.phone):
            raise DomainError(
                "A contact needs an email or a phone number.", fields={"email": ["Email or phone is required."]}
            )
        if changes:
            locked.save()
            record_audit(actor=actor, action="contact.update", obj=locked, changes=changes)
    return locked


def add_activity(*, actor, contact: Contact, kind: str, body: str = "", occurred_at=None) -> Activity:
    """Log an activity; a contact activity (call, email, text, meeting, showing) marks the lead contacted.

    Sets ``first_contact_at`` (speed-to-lead) once and ``last_contacted_at`` every time.
    """
    if kind not in Activity.Kind.values:
        raise DomainError(
            "Unknown activity kind.", fields={"kind": [f"Choose one of {', '.join(Activity.Kind.values)}."]}
        )
    occurred_at = occurred_at or timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        activity = Activity.objects.create(
            contact=locked, agent=getattr(actor, "agent", None), kind=kind, body=body, occurred_at=occurred_at
        )
        if activity.is_contact:
            fields = ["last_contacted_at", "updated_at"]
            locked.last_contacted_at = max(filter(None, [locked.last_contacted_at, occurred_at]))
            if locked.first_contact_at is None:
                locked.first_contact_at = occurred_at
                fields.append("first_contact_at")
            if locked.stage == Contact.Stage.NEW:
                locked.stage = Contact.Stage.CONTACTED
                fields.append("stage")
            locked.save(update_fields=fields)
        record_audit(actor=actor, action="activity.create", obj=activity, brokerage_id=locked.brokerage_id)
    return activity


def add_favorite(*, contact: Contact, listing) -> Favorite:
    """Mark a listing as a client's favourite; idempotent (a second call returns the first)."""
    favorite, _ = Favorite.objects.get_or_create(contact=contact, listing=listing)
    return favorite


def remove_favorite(*, contact: Contact, listing) -> bool:
    """Remove a favourite; True if one was removed."""
    deleted, _ = Favorite.objects.filter(contact=contact, listing=listing).delete()
    return bool(deleted)
