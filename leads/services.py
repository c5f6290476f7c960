"""Writes of contacts and the lead engine: capture, score, route, SLA, queue, consent, matching.

Each public function is one audited transaction; follow-up work is enqueued with
``delay_on_commit``. The math lives in pure modules: ``scoring``, ``routing``,
``priority``, ``matching``, ``consent``."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from properties.models import Listing, StandardStatus
from realtor.audit import record_audit
from realtor.exceptions import DomainError
from realtor.models import Agent, Brokerage, User

from . import routing, scoring
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
from .routing_snapshot import invalidate as invalidate_routing_snapshots
from .routing_snapshot import own_copy, routing_snapshot

logger = logging.getLogger(__name__)

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
            fields = ["last_contacted_at", "updated_at", "sla_due_at"]
            locked.last_contacted_at = max(filter(None, [locked.last_contacted_at, occurred_at]))
            # Reaching the lead stops the speed-to-lead timer.
            locked.sla_due_at = None
            if locked.first_contact_at is None:
                locked.first_contact_at = occurred_at
                locked.speed_to_lead_seconds = max(0, int((occurred_at - locked.created_at).total_seconds()))
                fields += ["first_contact_at", "speed_to_lead_seconds"]
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


# --------------------------------------------------------------------------------------
# Capture
# --------------------------------------------------------------------------------------

#: A redelivered body (same SHA-256, no idempotency key) within this window is the same lead.
BODY_DEDUPE_WINDOW = dt.timedelta(hours=24)
#: Leads escalate at most this many times; then the broker holds them.
MAX_SLA_ESCALATIONS = 3
#: Behaviour events older than this no longer count towards the score (their weight is < 0.2 %).
SCORING_LOOKBACK = dt.timedelta(days=90)


@dataclass
class LeadInput:
    """A lead as captured from a webhook, a form or an integration (validated already)."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    message: str = ""
    contact_type: str = Contact.ContactType.BUYER
    listing_key: str = ""
    list_price_min: Decimal | None = None
    list_price_max: Decimal | None = None
    bedrooms_total_min: int | None = None
    bathrooms_total_min: int | None = None
    postal_codes: list[str] = field(default_factory=list)
    timeline: str = ""
    pre_approved: bool | None = None
    email_consent: bool = False
    sms_consent: bool = False
    consent_text: str = ""
    consent_captured_at: dt.datetime | None = None
    system: str = "api"
    campaign: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def has_criteria(self) -> bool:
        return any(
            v not in (None, "", [])
            for v in (
                self.list_price_min,
                self.list_price_max,
                self.bedrooms_total_min,
                self.bathrooms_total_min,
                self.postal_codes,
            )
        )


@dataclass(frozen=True)
class CaptureResult:
    contact: Contact
    created: bool
    duplicate: bool = False
    decision: RoutingDecision | None = None


def _advisory_lock(keys: list[str]) -> None:
    """Serialise captures of the same email/phone on PostgreSQL (transaction-scoped advisory locks).

    SQLite serialises writers already. Keys are sorted so two captures never deadlock.
    """
    if connection.vendor != "postgresql" or not keys:
        return
    digests = [
        int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True) for key in sorted(set(keys))
    ]
    with connection.cursor() as cursor:
        # One round trip; the locks are taken in the listed (sorted) order.
        cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(digests)), digests)


def _duplicate_filter(*, brokerage_id: int, email: str, phone: str):
    from .normalize import normalize_email, normalize_phone

    email_n, phone_n = normalize_email(email), normalize_phone(phone) or ""
    cond = Q()
    if email_n:
        cond |= Q(email_normalized=email_n)
    if phone_n:
        cond |= Q(phone_e164=phone_n)
    if not cond:
        return None
    return Contact.objects.filter(cond, brokerage_id=brokerage_id).order_by("created_at", "id")


def find_duplicate_contact(*, brokerage_id: int, email: str, phone: str, lock: bool = False) -> Contact | None:
    """The oldest contact of the brokerage with the same normalised email or E.164 phone, or None.

    ``lock=True`` locks its row (SELECT … FOR UPDATE; call inside a transaction).
    """
    contacts = _duplicate_filter(brokerage_id=brokerage_id, email=email, phone=phone)
    if contacts is None:
        return None
    if lock:
        contacts = contacts.select_for_update(of=("self",))
    return contacts.select_related("source").first()


def _has_duplicate_contact(*, brokerage_id: int, email: str, phone: str) -> bool:
    contacts = _duplicate_filter(brokerage_id=brokerage_id, email=email, phone=phone)
    return contacts is not None and contacts.exists()


def record_consent(
    *, contact: Contact, channel: str, granted: bool, consent_text: str = "", captured_at=None, source: str = ""
) -> ConsentEvent:
    """Append a grant or revocation to the consent ledger and update the contact's current consent.

    The ledger keeps the exact text shown and when (TCPA, 47 CFR 64.1200(f)(9), asks the
    seller to prove prior express written consent). Call inside the caller's transaction.
    """
    captured_at = captured_at or timezone.now()
    event = ConsentEvent.objects.create(
        contact=contact,
        channel=channel,
        granted=granted,
        consent_text=consent_text,
        captured_at=captured_at,
        source=source[:100],
    )
    if channel == ConsentEvent.Channel.EMAIL:
        contact.email_consent, contact.email_consent_at = granted, captured_at
    else:
        contact.sms_consent, contact.sms_consent_at = granted, captured_at
    if granted and consent_text:
        contact.consent_text = consent_text
    Contact.objects.filter(pk=contact.pk).update(
        email_consent=contact.email_consent,
        email_consent_at=contact.email_consent_at,
        sms_consent=contact.sms_consent,
        sms_consent_at=contact.sms_consent_at,
        consent_text=contact.consent_text,
        updated_at=timezone.now(),
    )
    return event


def _stated_criteria(data: LeadInput) -> list[tuple]:
    """The lead's stated criteria as ``_criteria_rows`` gives them: [(list_price_max, postal_codes)]."""
    return [(data.list_price_max, sorted(set(data.postal_codes)))] if data.has_criteria else []


def _save_criteria(*, contact: Contact, data: LeadInput) -> SavedSearch | None:
    if not data.has_criteria:
        return None
    return SavedSearch.objects.create(
        contact=contact,
        name="Inquiry criteria",
        list_price_min=data.list_price_min,
        list_price_max=data.list_price_max,
        bedrooms_total_min=data.bedrooms_total_min,
        bathrooms_total_min=data.bathrooms_total_min,
        postal_codes=sorted(set(data.postal_codes)),
    )


@dataclass
class _NewLead:
    """A new contact scored and routed before it is saved (see :func:`capture_lead`)."""

    contact: Contact
    route: RouteChoice


def _plan_new_lead(*, source: LeadSource, data: LeadInput, listing: Listing | None, now) -> _NewLead:
    """Build, score and route a contact for a lead nobody in the brokerage matches (nothing saved yet).

    The rotation turn it takes is the only write (see :func:`_take_turn`).
    """
    granted_at = data.consent_captured_at or now
    contact = Contact(
        brokerage_id=source.brokerage_id,
        source=source,
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone=data.phone,
        timeline=data.timeline,
        contact_type=data.contact_type,
        pre_approved=data.pre_approved,
        inquiry_listing=listing,
        message=data.message,
        system=data.system[:50],
        campaign=data.campaign[:100],
        utm_source=data.utm_source[:100],
        utm_medium=data.utm_medium[:100],
        utm_campaign=data.utm_campaign[:100],
        created_at=now,
    )
    for channel in _consent_channels(data):
        setattr(contact, f"{channel}_consent", True)
        setattr(contact, f"{channel}_consent_at", granted_at)
        contact.consent_text = data.consent_text
    contact._criteria_cache = _stated_criteria(data)
    # Its only behaviour event so far is this inquiry (saved with it below).
    inquiry = (scoring.BehaviorSignal(kind=BehaviorEvent.Kind.INQUIRY, occurred_at=now),)
    apply_score(contact=contact, now=now, persist=False, events=inquiry)
    route = _choose_route(contact=contact, now=now)
    _assign(contact, route, now=now)
    return _NewLead(contact=contact, route=route)


def _consent_channels(data: LeadInput) -> list[str]:
    return [c for c, wanted in (("email", data.email_consent), ("sms", data.sms_consent)) if wanted]


#: How far ahead of the server clock a sender's consent timestamp may be (clock skew).
CONSENT_CLOCK_SKEW = dt.timedelta(minutes=5)


def capture_lead(
    *,
    source: LeadSource,
    data: LeadInput,
    idempotency_key: str = "",
    in_transaction: Callable[[CaptureResult], object] | None = None,
) -> CaptureResult:
    """Create or merge a lead, record consent, score it, route it and start its speed-to-lead timer.

    Dedupe: a contact of the brokerage with the same normalised email or E.164 phone gets
    the inquiry merged in (blank fields filled, an inquiry activity added) instead of a
    new contact. The agent is notified (in-app now, email after commit).
    ``in_transaction(result)`` runs inside the capture's transaction, before it commits (the
    webhook's delivery record). Raises ``DomainError`` when neither email nor phone is given
    or the consent is dated in the future, and ``IntegrityError`` when a unique key (a contact's idempotency key) is already taken.

    Concurrency: captures of the same email or phone are serialised by advisory locks and
    re-check for a duplicate under the lock. A lead that looks new is scored and routed
    *before* its transaction opens, so its rotation turn holds the rotation's row lock for
    one statement rather than for the whole capture; should a concurrent capture of the
    same person win the race, this lead merges into it and that turn goes unused.
    """
    if not (data.email or data.phone):
        raise DomainError("A lead needs an email or a phone number.", fields={"email": ["Email or phone is required."]})
    from .normalize import normalize_email, normalize_phone

    now = timezone.now()
    if data.consent_captured_at is not None and data.consent_captured_at > now + CONSENT_CLOCK_SKEW:
        # A grant dated ahead would outrank a later STOP in the consent ledger.
        raise DomainError(
            "Consent cannot be captured in the future.", fields={"consent.captured_at": ["Must not be in the future."]}
        )
    listing = Listing.objects.filter(listing_key=data.listing_key).first() if data.listing_key else None
    keys = [f"{source.brokerage_id}:e:{normalize_email(data.email)}"] if data.email else []
    if phone_n := normalize_phone(data.phone):
        keys.append(f"{source.brokerage_id}:p:{phone_n}")
    planned = None
    if not connection.in_atomic_block and not _has_duplicate_contact(
        brokerage_id=source.brokerage_id, email=data.email, phone=data.phone
    ):
        planned = _plan_new_lead(source=source, data=data, listing=listing, now=now)
    with transaction.atomic():
        _advisory_lock(keys)
        # Re-check under the lock (a cheap EXISTS first: most leads are new).
        contact = None
        if planned is None or _has_duplicate_contact(
            brokerage_id=source.brokerage_id, email=data.email, phone=data.phone
        ):
            contact = find_duplicate_contact(
                brokerage_id=source.brokerage_id, email=data.email, phone=data.phone, lock=True
            )
        created = contact is None
        if created:
            planned = planned or _plan_new_lead(source=source, data=data, listing=listing, now=now)
            contact = planned.contact
            if idempotency_key:
                contact.idempotency_key = f"{source.slug}:{idempotency_key}"[:128]
            contact.save()
        else:
            _merge_inquiry(contact, data=data, listing=listing, now=now)
        ConsentEvent.objects.bulk_create(
            ConsentEvent(
                contact=contact,
                channel=channel,
                granted=True,
                consent_text=data.consent_text,
                captured_at=data.consent_captured_at or now,
                source=f"{data.system}:{source.slug}"[:100],
            )
            for channel in _consent_channels(data)
        )
        _save_criteria(contact=contact, data=data)
        body = data.message or "Inquiry"
        if listing is not None:
            body = f"About {listing.display_address}: {body}"
        elif data.listing_key:
            body = f"About listing {data.listing_key} (not in our listings): {body}"
        prefix = "New lead" if created else "Repeat inquiry"
        Activity.objects.create(
            contact=contact,
            kind=Activity.Kind.INQUIRY,
            direction=Activity.Direction.INBOUND,
            body=f"{prefix} via {source.name}: {body}"[:5000],
            occurred_at=now,
        )
        BehaviorEvent.objects.create(contact=contact, kind=BehaviorEvent.Kind.INQUIRY, listing=listing, occurred_at=now)
        record_audit(
            actor=None,
            action="lead.capture" if created else "lead.merge",
            obj=contact,
            changes={"source": source.slug, "system": data.system},
        )
        decision = None
        if created:
            decision = _record_route(contact=contact, route=planned.route, kind=RoutingDecision.Kind.INITIAL, now=now)
        else:
            apply_score(contact=contact, now=now, persist=False)
            persisted = ["score", "grade", "score_breakdown", "scored_at"]
            if contact.assigned_agent_id is None:
                # Last, so the rotation pointer's row lock is held for as short a time as possible.
                decision = route_contact(contact=contact, now=now, kind=RoutingDecision.Kind.INITIAL, persist=False)
                persisted += ["assigned_agent", "assigned_at", "sla_due_at"]
            else:
                _notify(
                    users=[contact.assigned_agent.user],
                    contact=contact,
                    kind=Notification.Kind.NEW_LEAD,
                    message=f"Repeat inquiry from {contact.full_name}",
                )
            Contact.objects.filter(pk=contact.pk).update(**{f: getattr(contact, f) for f in persisted})
        result = CaptureResult(contact=contact, created=created, decision=decision)
        if in_transaction is not None:
            in_transaction(result)
    return result


def _merge_inquiry(contact: Contact, *, data: LeadInput, listing: Listing | None, now) -> None:
    """Fold a repeat inquiry into the (locked) existing contact and save it: fill blanks, add consent."""
    for name in ("first_name", "last_name", "email", "phone", "timeline"):
        if getattr(data, name) and not getattr(contact, name):
            setattr(contact, name, getattr(data, name))
    if data.contact_type != contact.contact_type:
        contact.contact_type = Contact.ContactType.BOTH  # a buyer who also asks to sell (or vice versa) is both
    if data.pre_approved is not None:
        contact.pre_approved = data.pre_approved
    if listing is not None:
        contact.inquiry_listing = listing
    if data.message:
        contact.message = data.message
    granted_at = data.consent_captured_at or now
    channels = _consent_channels(data)
    for channel in channels:
        setattr(contact, f"{channel}_consent", True)
        setattr(contact, f"{channel}_consent_at", granted_at)
    if channels and data.consent_text:
        contact.consent_text = data.consent_text
    contact.save()


def _duplicate_delivery(*, source: LeadSource, idempotency_key: str, body_hash: str, now) -> int | None:
    """The contact id of an earlier delivery of the same lead from this source, or None."""
    first = WebhookDelivery.objects.filter(source=source, dedupe_key__isnull=False, contact__isnull=False)
    if idempotency_key:
        first = first.filter(idempotency_key=idempotency_key)
    else:
        first = first.filter(body_hash=body_hash, idempotency_key="", received_at__gte=now - BODY_DEDUPE_WINDOW)
    return first.values_list("contact_id", flat=True).first()


def receive_webhook_lead(
    *, source: LeadSource, data: LeadInput, raw_body: bytes, idempotency_key: str = "", endpoint: str = "leads"
) -> CaptureResult:
    """Capture a lead from an authenticated webhook delivery, exactly once per delivery.

    A redelivery — the same ``idempotency_key`` from this source, or with no key the same
    raw body (SHA-256) within :data:`BODY_DEDUPE_WINDOW` — returns the first delivery's
    contact with ``duplicate=True`` and changes nothing but the delivery log. Two
    concurrent deliveries of the same key race on the unique ``dedupe_key``: the loser
    waits for the winner's commit and answers as a redelivery.
    """
    now = timezone.now()
    body_hash = hashlib.sha256(raw_body).hexdigest()
    if idempotency_key:
        dedupe_key = f"key:{idempotency_key}"
    else:
        # Buckets make the unique index enforce the window for concurrent deliveries;
        # the lookup above enforces it exactly for sequential ones.
        dedupe_key = f"body:{body_hash}:{int(now.timestamp() // BODY_DEDUPE_WINDOW.total_seconds())}"
    delivery = {
        "brokerage_id": source.brokerage_id,
        "source": source,
        "endpoint": endpoint,
        "idempotency_key": idempotency_key,
        "body_hash": body_hash,
        "received_at": now,
    }
    for _attempt in range(2):
        earlier_id = _duplicate_delivery(source=source, idempotency_key=idempotency_key, body_hash=body_hash, now=now)
        if earlier_id is not None:
            WebhookDelivery.objects.create(
                **delivery,
                dedupe_key=None,
                result=WebhookDelivery.Result.DUPLICATE,
                status_code=200,
                contact_id=earlier_id,
            )
            earlier = Contact.objects.select_related("assigned_agent__user").get(pk=earlier_id)
            return CaptureResult(contact=earlier, created=False, duplicate=True)

        def record(result: CaptureResult) -> None:
            WebhookDelivery.objects.create(
                **delivery,
                dedupe_key=dedupe_key,
                result=WebhookDelivery.Result.CREATED if result.created else WebhookDelivery.Result.MERGED,
                status_code=201,
                contact=result.contact,
            )

        try:
            return capture_lead(source=source, data=data, idempotency_key=idempotency_key, in_transaction=record)
        except IntegrityError:
            # A concurrent delivery with the same key committed first: answer as a redelivery.
            # (Or a snapshot's agent or rule was deleted by another process: read it afresh.)
            invalidate_routing_snapshots()
            continue
    raise DomainError("The delivery could not be recorded; retry later.")


# --------------------------------------------------------------------------------------
# Score
# --------------------------------------------------------------------------------------


def local_median_price(*, postal_codes: list[str]) -> Decimal | None:
    """Median list price (USD) of Active listings in the ZIPs, else median close price of sales there.

    Needs at least 3 prices; cached for an hour per ZIP set (the market moves slowly).
    """
    zips = sorted({z for z in postal_codes if z})
    if not zips:
        return None
    key = "leads:median:" + ",".join(zips)
    cached = cache.get(key)
    if cached is not None:
        return Decimal(cached) if cached else None
    prices = list(
        Listing.objects.filter(standard_status=StandardStatus.ACTIVE, postal_code__in=zips, list_price__isnull=False)
        .order_by()
        .values_list("list_price", flat=True)[:5000]
    )
    if len(prices) < 3:
        prices = list(
            Listing.objects.filter(standard_status=StandardStatus.CLOSED, postal_code__in=zips)
            .order_by("-close_date")
            .values_list("close_price", flat=True)[:500]
        )
    median = Decimal(statistics.median(prices)) if len(prices) >= 3 else None
    cache.set(key, str(median) if median is not None else "", 3600)
    return median


def _criteria_rows(contact: Contact) -> list[tuple]:
    """(list_price_max, postal_codes) of the contact's active searches; read once per capture."""
    rows = getattr(contact, "_criteria_cache", None)
    if rows is None:
        rows = list(
            SavedSearch.objects.filter(contact=contact, is_active=True).values_list("list_price_max", "postal_codes")
        )
        contact._criteria_cache = rows
    return rows


def _score_inputs(contact: Contact, *, now, events: tuple | None = None) -> scoring.ScoreInputs:
    if events is None:
        events = tuple(
            scoring.BehaviorSignal(kind=k, occurred_at=at)
            for k, at in BehaviorEvent.objects.filter(contact=contact, occurred_at__gte=now - SCORING_LOOKBACK)
            .order_by("-occurred_at")
            .values_list("kind", "occurred_at")[:500]
        )
    searches = _criteria_rows(contact)
    max_prices = [p for p, _ in searches if p]
    zips = [z for _, codes in searches for z in (codes or [])]
    listing = contact.inquiry_listing if contact.inquiry_listing_id else None
    max_price = max(max_prices) if max_prices else (listing.list_price if listing is not None else None)
    if listing is not None and listing.postal_code:
        zips.append(listing.postal_code)
    source_points = contact.source.quality_points if contact.source_id else 0
    return scoring.ScoreInputs(
        events=events,
        timeline=contact.timeline,
        pre_approved=contact.pre_approved,
        max_price=max_price,
        local_median_price=local_median_price(postal_codes=zips) if max_price else None,
        source_quality_points=source_points,
        last_inbound_at=contact.last_inbound_at,
    )


def apply_score(
    *, contact: Contact, now=None, persist: bool = True, events: tuple | None = None
) -> scoring.ScoreResult:
    """Recompute and store a contact's score, grade and breakdown (call inside a transaction).

    ``persist=False`` only sets them on ``contact`` (the caller saves them with other fields).
    ``events`` (``scoring.BehaviorSignal`` tuples, newest first) replaces the read of the
    contact's behaviour events when the caller already knows them (a contact not yet saved).
    """
    now = now or timezone.now()
    result = scoring.score_lead(_score_inputs(contact, now=now, events=events), now=now)
    contact.score, contact.grade, contact.score_breakdown, contact.scored_at = (
        result.score,
        result.grade,
        result.breakdown,
        now,
    )
    if persist:
        Contact.objects.filter(pk=contact.pk).update(
            score=result.score, grade=result.grade, score_breakdown=result.breakdown, scored_at=now
        )
    return result


def rescore_contact(*, contact_id: int) -> Contact | None:
    """Recompute one contact's score now (idempotent; used by the task)."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update(of=("self",)).select_related("source").filter(pk=contact_id).first()
        if contact is None:
            return None
        apply_score(contact=contact)
    return contact


def record_behavior_event(*, contact: Contact, kind: str, listing=None, occurred_at=None) -> BehaviorEvent:
    """Record what a lead did (viewed, favourited, opened…) and recompute the score."""
    if kind not in BehaviorEvent.Kind.values:
        raise DomainError(
            "Unknown event kind.", fields={"kind": [f"Choose one of {', '.join(BehaviorEvent.Kind.values)}."]}
        )
    with transaction.atomic():
        locked = Contact.objects.select_for_update(of=("self",)).select_related("source").get(pk=contact.pk)
        event = BehaviorEvent.objects.create(
            contact=locked, kind=kind, listing=listing, occurred_at=occurred_at or timezone.now()
        )
        apply_score(contact=locked)
    return event


def record_inbound_message(*, contact: Contact, channel: str, body: str, received_at=None) -> Activity:
    """Log a message from the lead (SMS or email reply): classify its intent, mark the reply, rescore.

    A reply stops nurture sequences (they check ``last_inbound_at`` before each step).
    """
    from .intent import classify_message

    received_at = received_at or timezone.now()
    intent, _call_id = classify_message(text=body, object_id=contact.pk)
    kind = Activity.Kind.TEXT if channel == "sms" else Activity.Kind.EMAIL
    with transaction.atomic():
        locked = Contact.objects.select_for_update(of=("self",)).select_related("source").get(pk=contact.pk)
        activity = Activity.objects.create(
            contact=locked,
            kind=kind,
            direction=Activity.Direction.INBOUND,
            body=f"[{intent}] {body}"[:5000],
            occurred_at=received_at,
        )
        locked.last_inbound_at = received_at
        locked.last_intent = intent
        locked.follow_up_done_at = None
        Contact.objects.filter(pk=locked.pk).update(
            last_inbound_at=received_at, last_intent=intent, follow_up_done_at=None, updated_at=timezone.now()
        )
        BehaviorEvent.objects.create(contact=locked, kind=BehaviorEvent.Kind.REPLIED, occurred_at=received_at)
        apply_score(contact=locked)
        record_audit(actor=None, action="lead.inbound_message", obj=activity, brokerage_id=locked.brokerage_id)
    return activity


def revoke_sms_by_keyword(*, brokerage_id: int, phone_e164: str, keyword: str, opt_in: bool) -> list[Contact]:
    """Apply an SMS opt-out (or opt-in) keyword to every contact of the brokerage with that number.

    Returns the contacts changed. The marketing side adds/removes the suppression.
    """
    with transaction.atomic():
        contacts = list(
            Contact.objects.select_for_update().filter(brokerage_id=brokerage_id, phone_e164=phone_e164).order_by("id")
        )
        for contact in contacts:
            record_consent(
                contact=contact,
                channel=ConsentEvent.Channel.SMS,
                granted=opt_in,
                consent_text=f'Texted "{keyword}"',
                source=f"keyword {keyword.upper()}",
            )
            record_audit(actor=None, action="consent.sms_opt_in" if opt_in else "consent.sms_opt_out", obj=contact)
    return contacts


def revoke_email_consent(*, contact: Contact, source: str) -> ConsentEvent | None:
    """Record an email opt-out (unsubscribe link, complaint); None if consent was already off."""
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if not locked.email_consent and locked.consent_events.filter(channel="email", granted=False).exists():
            return None
        event = record_consent(contact=locked, channel=ConsentEvent.Channel.EMAIL, granted=False, source=source)
        record_audit(actor=None, action="consent.email_opt_out", obj=locked)
    return event


# --------------------------------------------------------------------------------------
# Route and notify
# --------------------------------------------------------------------------------------


def _candidate(agent: Agent) -> routing.Candidate:
    return routing.Candidate(
        agent_id=agent.pk,
        is_active=agent.is_active and agent.user.is_active,
        is_paused=agent.is_paused,
        routing_weight=agent.routing_weight,
        work_start=agent.work_start,
        work_end=agent.work_end,
        time_zone=agent.time_zone,
    )


def _lead_facts(contact: Contact) -> routing.LeadFacts:
    zips: set[str] = set()
    prices: list[Decimal] = []
    for max_price, codes in _criteria_rows(contact):
        zips.update(codes or [])
        if max_price:
            prices.append(max_price)
    listing = contact.inquiry_listing if contact.inquiry_listing_id else None
    price = None
    if listing is not None:
        zips.add(listing.postal_code)
        price = listing.list_price
    if price is None and prices:
        price = max(prices)
    return routing.LeadFacts(
        source_id=contact.source_id, contact_type=contact.contact_type, postal_codes=frozenset(zips), price=price
    )


def _take_turn(*, brokerage_id: int, key: str) -> int:
    """Advance a rotation pointer by one and return its count before the advance (the turn number).

    One ``UPDATE … RETURNING`` statement: outside a transaction the pointer's row lock lasts
    that statement only, so concurrent leads take consecutive turns without queueing behind
    each other's captures. A turn taken by a capture that later rolls back is skipped.
    """
    # Identifiers come from the model's metadata; the values are parameters.
    table, key_column = connection.ops.quote_name(RotationPointer._meta.db_table), connection.ops.quote_name("key")
    sql = f"UPDATE {table} SET counter = counter + 1 WHERE brokerage_id = %s AND {key_column} = %s RETURNING counter"  # noqa: S608
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [brokerage_id, key])
            row = cursor.fetchone()
        if row is not None:
            return row[0] - 1
        try:
            with transaction.atomic():
                RotationPointer.objects.create(brokerage_id=brokerage_id, key=key, counter=1)
            return 0
        except IntegrityError:
            continue  # created concurrently: take the next turn on it
    raise DomainError("The rotation could not be advanced; retry later.")


def _rotate(*, brokerage_id: int, key: str, agents: list[Agent], now, weighted: bool) -> Agent | None:
    available = sorted((a for a in agents if routing.is_available(_candidate(a), now=now)), key=lambda a: a.pk)
    if not available:
        return None
    turn = _take_turn(brokerage_id=brokerage_id, key=key)
    chosen_id = routing.pick_rotation([_candidate(a) for a in available], counter=turn, weighted=weighted)
    return next((a for a in available if a.pk == chosen_id), None)


def _rule_agents(rule: RoutingRule, *, all_agents: list[Agent], pools: dict[int, frozenset[int]]) -> list[Agent]:
    if rule.target == RoutingRule.Target.AGENT:
        return [a for a in all_agents if a.pk == rule.target_agent_id]
    if rule.target == RoutingRule.Target.TEAM:
        return [a for a in all_agents if a.team_id == rule.target_team_id]
    if rule.target == RoutingRule.Target.POOL:
        pool_ids = pools.get(rule.pk, frozenset())
        return [a for a in all_agents if a.pk in pool_ids]
    return all_agents


@dataclass(frozen=True)
class RouteChoice:
    """The outcome of the routing chain: the agent (None: the broker holds the lead), rule and reason."""

    agent: Agent | None
    rule: RoutingRule | None
    reason: str


def _choose_route(*, contact: Contact, now, exclude: set[int] = frozenset()) -> RouteChoice:
    """Walk the routing chain (see ``leads.routing``) for a contact; takes at most one rotation turn.

    Agents and rules come from the brokerage's routing snapshot (``leads.routing_snapshot``).
    """
    config = routing_snapshot(contact.brokerage_id)
    agents = [a for a in config.agents if a.pk not in exclude]
    skipped: list[str] = []
    listing = contact.inquiry_listing if contact.inquiry_listing_id else None
    if listing is not None and listing.list_agent_id:
        list_agent = next((a for a in agents if a.pk == listing.list_agent_id), None)
        if list_agent is not None and routing.is_available(_candidate(list_agent), now=now):
            return RouteChoice(own_copy(list_agent), None, f"Listing agent of {listing.display_address}")
        if listing.list_agent_id not in exclude and list_agent is not None:
            skipped.append("listing agent unavailable")
    facts = _lead_facts(contact)
    for rule in config.rules:
        conditions = routing.RuleConditions(
            source_id=rule.source_id,
            postal_codes=frozenset(rule.postal_codes or []),
            price_min=rule.price_min,
            price_max=rule.price_max,
            contact_type=rule.contact_type,
        )
        matched, why = routing.rule_matches(conditions, facts)
        if not matched:
            continue
        weighted = rule.strategy == RoutingRule.Strategy.WEIGHTED
        chosen = _rotate(
            brokerage_id=contact.brokerage_id,
            key=f"rule:{rule.pk}",
            agents=_rule_agents(rule, all_agents=agents, pools=config.pools),
            now=now,
            weighted=weighted,
        )
        if chosen is not None:
            how = "weighted rotation" if weighted else "round robin"
            if rule.target == RoutingRule.Target.AGENT:
                how = "assigned agent"
            prefix = f"{'; '.join(skipped)}; " if skipped else ""
            return RouteChoice(own_copy(chosen), rule, f"{prefix}Rule {rule.order} “{rule.name}” ({why}), {how}")
        skipped.append(f"rule “{rule.name}” had no available agent")
    chosen = _rotate(brokerage_id=contact.brokerage_id, key="default", agents=agents, now=now, weighted=True)
    prefix = f"{'; '.join(skipped)}; " if skipped else ""
    if chosen is not None:
        return RouteChoice(own_copy(chosen), None, f"{prefix}No rule matched: weighted rotation among available agents")
    return RouteChoice(None, None, f"{prefix}No agent available: held by the broker")


def _brokers(brokerage_id: int) -> list[User]:
    return list(User.objects.filter(brokerage_id=brokerage_id, role=User.Role.BROKER, is_active=True))


def _notify(*, users, contact: Contact, kind: str, message: str) -> list[Notification]:
    from . import tasks

    notes = Notification.objects.bulk_create(
        [Notification(recipient=u, contact=contact, kind=kind, message=message[:255]) for u in users]
    )
    for note in notes:
        tasks.email_notification.delay_on_commit(notification_id=note.pk)
    return notes


def _sla_minutes(contact: Contact) -> int:
    return contact.source.sla_minutes if contact.source_id else 5


def _assign(contact: Contact, route: RouteChoice, *, now) -> None:
    """Set the routed agent on the contact (unsaved) and start its speed-to-lead timer."""
    agent = route.agent
    contact.assigned_agent = agent
    contact.assigned_at = now if agent else None
    due = now + dt.timedelta(minutes=_sla_minutes(contact))
    contact.sla_due_at = due if agent and not contact.first_contact_at else None


def _record_route(*, contact: Contact, route: RouteChoice, kind: str, now, previous: Agent | None = None):
    """Record a routing decision for a saved contact and notify the agent (or the brokers)."""
    decision = RoutingDecision.objects.create(
        contact=contact,
        agent=route.agent,
        previous_agent=previous,
        rule=route.rule,
        kind=kind,
        reason=route.reason,
        at=now,
    )
    if route.agent is not None:
        _notify(
            users=[route.agent.user],
            contact=contact,
            kind=Notification.Kind.NEW_LEAD,
            message=f"New lead: {contact.full_name} (score {contact.score}, grade {contact.grade}) — "
            f"reach out within {_sla_minutes(contact)} min",
        )
    else:
        _notify(
            users=_brokers(contact.brokerage_id),
            contact=contact,
            kind=Notification.Kind.SLA_ESCALATION,
            message=f"Lead {contact.full_name} has no available agent",
        )
    return decision


def route_contact(
    *,
    contact: Contact,
    now=None,
    kind: str = RoutingDecision.Kind.INITIAL,
    exclude_agent_ids=(),
    persist: bool = True,
) -> RoutingDecision:
    """Assign a contact by the routing chain, record the decision, notify, start the SLA timer.

    Call inside a transaction with the contact row locked (or new). Agents in
    ``exclude_agent_ids`` are skipped (those who already missed this lead's SLA).
    """
    now = now or timezone.now()
    previous = contact.assigned_agent
    route = _choose_route(contact=contact, now=now, exclude=set(exclude_agent_ids))
    _assign(contact, route, now=now)
    if persist:
        Contact.objects.filter(pk=contact.pk).update(
            assigned_agent=route.agent, assigned_at=contact.assigned_at, sla_due_at=contact.sla_due_at
        )
    return _record_route(contact=contact, route=route, kind=kind, now=now, previous=previous)


def escalate_missed_sla(*, contact_id: int, now=None) -> RoutingDecision | None:
    """Escalate one lead whose first contact is overdue: tell the broker, reassign by the rules.

    Idempotent: the lead is locked and re-checked (still overdue, still uncontacted), so a
    sweep run twice — or by two workers — escalates it once. The agents who already
    missed this lead are excluded; after :data:`MAX_SLA_ESCALATIONS` the broker holds it.
    Returns the new routing decision, or None when nothing was due.
    """
    now = now or timezone.now()
    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update()
            .filter(pk=contact_id, sla_due_at__lte=now, first_contact_at__isnull=True)
            .first()
        )
        if contact is None:
            return None
        missed = contact.assigned_agent
        minutes = contact.source.sla_minutes if contact.source_id else 5
        missed_ids = set(
            RoutingDecision.objects.filter(contact=contact, kind=RoutingDecision.Kind.SLA_REASSIGN)
            .exclude(previous_agent=None)
            .values_list("previous_agent_id", flat=True)
        )
        if missed is not None:
            missed_ids.add(missed.pk)
        _notify(
            users=_brokers(contact.brokerage_id),
            contact=contact,
            kind=Notification.Kind.SLA_ESCALATION,
            message=f"{missed or 'Nobody'} did not contact {contact.full_name} within {minutes} min",
        )
        if missed is not None:
            _notify(
                users=[missed.user],
                contact=contact,
                kind=Notification.Kind.REASSIGNED,
                message=f"{contact.full_name} was reassigned: no contact within {minutes} min",
            )
        contact.sla_escalations += 1
        Contact.objects.filter(pk=contact.pk).update(sla_escalations=contact.sla_escalations)
        if contact.sla_escalations > MAX_SLA_ESCALATIONS:
            decision = RoutingDecision.objects.create(
                contact=contact,
                agent=None,
                previous_agent=missed,
                kind=RoutingDecision.Kind.SLA_REASSIGN,
                reason=f"Missed SLA {contact.sla_escalations} times: held by the broker",
                at=now,
            )
            Contact.objects.filter(pk=contact.pk).update(assigned_agent=None, sla_due_at=None)
        else:
            decision = route_contact(
                contact=contact, now=now, kind=RoutingDecision.Kind.SLA_REASSIGN, exclude_agent_ids=missed_ids
            )
            decision.reason = f"{missed or 'Nobody'} missed the {minutes}-min SLA. {decision.reason}"
            decision.save(update_fields=["reason"])
        record_audit(
            actor=None,
            action="lead.sla_escalate",
            obj=contact,
            changes={"from": missed.pk if missed else None, "to": decision.agent_id},
        )
    return decision


def overdue_lead_ids(*, now=None, limit: int = 500) -> list[int]:
    """Ids of leads whose first-contact deadline has passed (the SLA sweep's work list)."""
    now = now or timezone.now()
    return list(
        Contact.objects.filter(sla_due_at__lte=now, first_contact_at__isnull=True)
        .order_by("sla_due_at")
        .values_list("pk", flat=True)[:limit]
    )


# --------------------------------------------------------------------------------------
# Follow-up queue and tasks
# --------------------------------------------------------------------------------------


def snooze_follow_up(*, actor, contact: Contact, until: dt.datetime) -> Contact:
    """Hide a lead from the follow-up queue until ``until`` (timezone-aware, in the future)."""
    if until <= timezone.now():
        raise DomainError("Snooze until a time in the future.", fields={"until": ["Must be in the future."]})
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(follow_up_snoozed_until=until)
        contact.follow_up_snoozed_until = until
        record_audit(actor=actor, action="queue.snooze", obj=contact, changes={"until": until.isoformat()})
    return contact


def mark_follow_up_done(*, actor, contact: Contact) -> Contact:
    """Take a lead off the follow-up queue until something new happens (a reply, a task coming due)."""
    now = timezone.now()
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(follow_up_done_at=now, follow_up_snoozed_until=None)
        contact.follow_up_done_at, contact.follow_up_snoozed_until = now, None
        record_audit(actor=actor, action="queue.done", obj=contact)
    return contact


def mark_notifications_read(*, user, ids: list[int] | None = None) -> int:
    """Mark ``user``'s unread notifications read (all of them, or those in ``ids``); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


#: How far from now a task's due date may be, in years (further is a typo; near the year 9999
#: it would also overflow the conversion to UTC).
MAX_TASK_YEARS = 10


def create_task(*, actor, contact: Contact, agent: Agent, title: str, due_at=None) -> Task:
    """Give an agent a follow-up task on a contact (agent in the contact's brokerage).

    Raises ``DomainError`` (with ``fields``) for a blank title or a due date more than
    :data:`MAX_TASK_YEARS` years from now.
    """
    _check_agent(brokerage_id=contact.brokerage_id, agent=agent)
    if not title.strip():
        raise DomainError("A task needs a title.", fields={"title": ["This field is required."]})
    if due_at is not None and abs(due_at - timezone.now()) > dt.timedelta(days=366 * MAX_TASK_YEARS):
        raise DomainError(
            "The due date is too far away.", fields={"due_at": [f"Must be within {MAX_TASK_YEARS} years from now."]}
        )
    with transaction.atomic():
        task = Task.objects.create(contact=contact, agent=agent, title=title.strip()[:200], due_at=due_at)
        record_audit(actor=actor, action="task.create", obj=task, brokerage_id=contact.brokerage_id)
    return task


def complete_task(*, actor, task: Task) -> Task:
    """Mark a task done (idempotent)."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.completed_at is None:
            locked.completed_at = timezone.now()
            locked.save(update_fields=["completed_at", "updated_at"])
            record_audit(actor=actor, action="task.complete", obj=locked, brokerage_id=locked.contact.brokerage_id)
    return locked


# --------------------------------------------------------------------------------------
# Saved searches and matching
# --------------------------------------------------------------------------------------

SAVED_SEARCH_FIELDS = (
    "name",
    "list_price_min",
    "list_price_max",
    "bedrooms_total_min",
    "bathrooms_total_min",
    "living_area_min",
    "postal_codes",
    "city",
    "center_latitude",
    "center_longitude",
    "radius_miles",
    "property_sub_types",
    "must_haves",
    "alert_frequency",
    "is_active",
)


def save_search(*, contact: Contact, data: dict, saved_search: SavedSearch | None = None) -> SavedSearch:
    """Create (or update) a buyer's saved search from :data:`SAVED_SEARCH_FIELDS`; counts as engagement."""
    lo, hi = data.get("list_price_min"), data.get("list_price_max")
    if lo is not None and hi is not None and hi < lo:
        raise DomainError("The price range is reversed.", fields={"list_price_max": ["Must be at least the minimum."]})
    if data.get("radius_miles") is not None and (
        data.get("center_latitude") is None or data.get("center_longitude") is None
    ):
        raise DomainError("A radius needs a centre point.", fields={"radius_miles": ["Choose a point on the map."]})
    with transaction.atomic():
        search = saved_search or SavedSearch(contact=contact)
        for name in SAVED_SEARCH_FIELDS:
            if name in data:
                setattr(search, name, data[name])
        if saved_search is not None and "is_active" in data and data["is_active"]:
            search.alerts_paused_at, search.consecutive_unopened_alerts = None, 0
        search.full_clean(exclude=["contact"])
        search.save()
        if saved_search is None:
            BehaviorEvent.objects.create(contact=contact, kind=BehaviorEvent.Kind.SAVED_SEARCH)
            locked = Contact.objects.select_related("source").get(pk=contact.pk)
            apply_score(contact=locked)
        record_audit(actor=None, action="saved_search.save", obj=search, brokerage_id=contact.brokerage_id)
    return search


def record_listing_change(*, listing_id: int, previous_list_price: Decimal | None = None) -> None:
    """Tell the lead engine a listing became Active or dropped its price; matching runs after commit.

    The listing side (``properties``) must not import ``leads``; the listing services'
    caller (an import command, the admin action or the API view) calls this after saving.
    """
    from . import tasks

    tasks.match_listing.delay_on_commit(
        listing_id=listing_id,
        previous_list_price=str(previous_list_price) if previous_list_price is not None else None,
    )


def on_listing_market_event(listing_id: int, previous_list_price: Decimal | None, previous_status: str | None) -> None:
    """``settings.LISTING_CHANGE_HOOKS`` entry: a listing came on the market or dropped its price.

    A price only counts as a drop when the listing was Active before; a re-listing is a
    new listing to the buyers. See ``properties.hooks``.
    """
    was_active = previous_status == StandardStatus.ACTIVE
    record_listing_change(listing_id=listing_id, previous_list_price=previous_list_price if was_active else None)


def _criteria_of(row: dict):
    from .matching import Criteria

    return Criteria(
        list_price_min=row["list_price_min"],
        list_price_max=row["list_price_max"],
        bedrooms_total_min=row["bedrooms_total_min"],
        bathrooms_total_min=row["bathrooms_total_min"],
        living_area_min=row["living_area_min"],
        postal_codes=frozenset(row["postal_codes"] or ()),
        city=row["city"],
        center_latitude=row["center_latitude"],
        center_longitude=row["center_longitude"],
        radius_miles=row["radius_miles"],
        property_sub_types=frozenset(row["property_sub_types"] or ()),
        must_haves=tuple(row["must_haves"] or ()),
    )


def match_listing_to_searches(*, listing_id: int, previous_list_price: Decimal | None = None) -> list[Match]:
    """Match one Active listing against every active saved search; create the new Match rows.

    The database prefilters on price, bedrooms, bathrooms and living area; the pure
    matcher (``leads.matching``) applies every hard filter and scores. A price drop
    (``previous_list_price`` above the current price) re-offers the listing to searches
    that had not matched before. Idempotent: one Match per search and listing.
    """
    from .matching import ListingFacts, match_listing

    listing = Listing.objects.filter(pk=listing_id, standard_status=StandardStatus.ACTIVE).first()
    if listing is None or listing.list_price is None:
        return []
    price = listing.list_price
    price_drop = previous_list_price is not None and previous_list_price > price
    facts = ListingFacts(
        list_price=price,
        bedrooms_total=listing.bedrooms_total,
        bathrooms_total_integer=listing.bathrooms_total_integer,
        living_area=listing.living_area,
        postal_code=listing.postal_code,
        city=listing.city,
        latitude=listing.latitude,
        longitude=listing.longitude,
        property_sub_type=listing.property_sub_type,
        waterfront_yn=listing.waterfront_yn,
        public_remarks=listing.public_remarks,
        previous_list_price=previous_list_price,
    )
    beds, baths, area = listing.bedrooms_total or 0, listing.bathrooms_total_integer or 0, listing.living_area or 0
    rows = (
        SavedSearch.objects.filter(is_active=True)
        .filter(Q(list_price_min__isnull=True) | Q(list_price_min__lte=price))
        .filter(Q(list_price_max__isnull=True) | Q(list_price_max__gte=price))
        .filter(Q(bedrooms_total_min__isnull=True) | Q(bedrooms_total_min__lte=beds))
        .filter(Q(bathrooms_total_min__isnull=True) | Q(bathrooms_total_min__lte=baths))
        .filter(Q(living_area_min__isnull=True) | Q(living_area_min__lte=area))
        .exclude(matches__listing_id=listing_id)
        .values("pk", "contact_id", *SAVED_SEARCH_FIELDS[1:-2])
    )
    trigger = Match.Trigger.PRICE_DROP if price_drop else Match.Trigger.NEW_LISTING
    now = timezone.now()
    new: list[Match] = []
    for row in rows.iterator(chunk_size=2000):
        result = match_listing(_criteria_of(row), facts, price_drop=price_drop)
        if result is None:
            continue
        new.append(
            Match(
                saved_search_id=row["pk"],
                contact_id=row["contact_id"],
                listing_id=listing_id,
                score=result.score,
                reasons=list(result.reasons),
                trigger=trigger,
                list_price_at_match=price,
                created_at=now,
            )
        )
    with transaction.atomic():
        Match.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return new


def set_match_status(*, contact: Contact, match: Match, status: str) -> Match:
    """A buyer favourites or dismisses a match; favouriting also adds the listing to favourites."""
    if match.contact_id != contact.pk:
        raise DomainError("Not your match.")
    if status not in Match.Status.values:
        raise DomainError("Unknown status.", fields={"status": [f"Choose one of {', '.join(Match.Status.values)}."]})
    with transaction.atomic():
        Match.objects.filter(pk=match.pk).update(status=status, updated_at=timezone.now())
        match.status = status
        if status == Match.Status.FAVORITED:
            Favorite.objects.get_or_create(contact=contact, listing_id=match.listing_id)
            BehaviorEvent.objects.create(
                contact=contact, kind=BehaviorEvent.Kind.FAVORITED, listing_id=match.listing_id
            )
            apply_score(contact=Contact.objects.select_related("source").get(pk=contact.pk))
    return match


# --------------------------------------------------------------------------------------
# Demo
# --------------------------------------------------------------------------------------


def ensure_demo_lead_engine(brokerage: Brokerage) -> LeadSource:
    """Create the demo ``website`` lead source and a default round-robin routing rule, idempotently.

    The source's webhook secret comes from ``REALTOR_DEMO_WEBHOOK_SECRET`` (default
    ``demo-webhook-secret`` — demo only). The default 3-7-30 nurture sequence is
    marketing's (``marketing.services.ensure_default_nurture``), since apps may only
    import to their left.
    """
    secret = os.environ.get("REALTOR_DEMO_WEBHOOK_SECRET", "demo-webhook-secret")
    with transaction.atomic():
        source, _ = LeadSource.objects.update_or_create(
            brokerage=brokerage,
            slug="website",
            defaults={"name": "Website", "webhook_secret": secret, "sla_minutes": 5, "quality_points": 6},
        )
        LeadSource.objects.get_or_create(
            brokerage=brokerage, slug="gohighlevel", defaults={"name": "GoHighLevel", "webhook_secret": secret}
        )
        LeadSource.objects.get_or_create(
            brokerage=brokerage, slug="listing-inquiry", defaults={"name": "Ask about this home", "quality_points": 8}
        )
        RoutingRule.objects.get_or_create(
            brokerage=brokerage,
            name="Everyone, round robin",
            defaults={
                "order": 1000,
                "target": RoutingRule.Target.ALL_AGENTS,
                "strategy": RoutingRule.Strategy.ROUND_ROBIN,
            },
        )
    return source


# --------------------------------------------------------------------------------------
# "Ask about this home"
# --------------------------------------------------------------------------------------

#: A human takes at least this long to fill the inquiry form; bots post at once.
INQUIRY_MIN_FILL_SECONDS = 3
#: A rendered form older than this is refused (replayed bot posts).
INQUIRY_MAX_FORM_AGE_SECONDS = 24 * 3600


def inquiry_brokerage(*, listing: Listing, user=None) -> Brokerage | None:
    """Whose lead an inquiry on ``listing`` is: the list agent's brokerage, the portal client's, else the
    only brokerage with an inquiry source (single-tenant installs); None if it cannot be told."""
    if listing.list_agent_id:
        return listing.list_agent.brokerage
    contact = getattr(user, "contact", None) if user is not None and user.is_authenticated else None
    if contact is not None:
        return contact.brokerage
    ids = list(LeadSource.objects.filter(slug="listing-inquiry").values_list("brokerage_id", flat=True)[:2])
    return Brokerage.objects.get(pk=ids[0]) if len(ids) == 1 else None


def is_inquiry_spam(*, honeypot: str, rendered_at: float | None, now: float) -> str:
    """Why a form post looks automated ("" when it looks human): a filled honeypot or a too-fast/stale form."""
    if honeypot.strip():
        return "honeypot filled"
    if rendered_at is None:
        return "no form timestamp"
    age = now - rendered_at
    if age < INQUIRY_MIN_FILL_SECONDS:
        return "filled too fast"
    if age > INQUIRY_MAX_FORM_AGE_SECONDS:
        return "form too old"
    return ""


def record_listing_inquiry(
    *, listing: Listing, brokerage: Brokerage, data: LeadInput, honeypot: str, rendered_at: float | None
) -> CaptureResult | None:
    """Capture an "Ask about this home" inquiry as a lead of the listing's brokerage.

    Spam protection: a hidden honeypot field must stay empty and the form must have been
    on screen at least :data:`INQUIRY_MIN_FILL_SECONDS` (signed render time). Spam
    returns None and writes nothing (the page thanks the bot all the same). The listing
    agent gets the lead when available (routing chain).
    """
    import time

    if is_inquiry_spam(honeypot=honeypot, rendered_at=rendered_at, now=time.time()):
        return None
    source, _ = LeadSource.objects.get_or_create(
        brokerage=brokerage, slug="listing-inquiry", defaults={"name": "Ask about this home", "quality_points": 8}
    )
    data.listing_key = listing.listing_key
    data.system = "listing_form"
    return capture_lead(source=source, data=data)
