"""Outbound messaging: the one send path, nurture sequences, listing alerts, opt-outs.

Every message to a contact goes through :func:`send_to_contact`, which refuses it
without the matching consent on the ledger or when the address is suppressed
(CAN-SPAM 15 U.S.C. 7704; TCPA 47 CFR 64.1200), and gives every email the sender's
postal address and a one-click unsubscribe (RFC 8058).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from leads import consent as consent_rules
from leads import services as lead_services
from leads.matching import alert_decision
from leads.models import BehaviorEvent, Contact, Match, SavedSearch
from leads.normalize import normalize_email, normalize_phone
from realtor.audit import record_audit
from realtor.models import Brokerage

from .models import AlertDelivery, Brand, Campaign, Delivery, Enrollment, Message, Suppression

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "marketing.unsubscribe"
OPEN_SALT = "marketing.open"
#: Alert throttling: at most this many alert emails per contact per day…
ALERT_MAX_PER_DAY = 5
#: …and alerts pause after this many consecutive unopened ones (an open resumes them).
ALERT_PAUSE_AFTER_UNOPENED = 3
#: Stages after which nurture stops: the lead converted (or was lost).
CONVERTED_STAGES = (
    Contact.Stage.ACTIVE,
    Contact.Stage.UNDER_CONTRACT,
    Contact.Stage.CLOSED,
    Contact.Stage.LOST,
)
#: New leads younger than this are enrolled in the default nurture (its length).
ENROLL_WINDOW = dt.timedelta(days=30)

#: SMS sent in this process (there is no SMS provider yet); tests read it like ``mail.outbox``.
sms_outbox: list[dict] = []


@dataclass(frozen=True)
class SendResult:
    sent: bool
    status: str
    error: str = ""


# --------------------------------------------------------------------------------------
# Tokens and addresses
# --------------------------------------------------------------------------------------


def unsubscribe_token(*, contact_id: int, channel: str = "email") -> str:
    """A signed, non-expiring token naming the contact and channel to unsubscribe."""
    return signing.dumps({"c": contact_id, "ch": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(contact id, channel) from a token, or None when it is forged or garbled."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return int(data["c"]), str(data.get("ch", "email"))


def unsubscribe_url(*, contact_id: int) -> str:
    """Absolute https URL of the one-click unsubscribe page for a contact."""
    return settings.SITE_URL + reverse("marketing-unsubscribe", args=[unsubscribe_token(contact_id=contact_id)])


def open_pixel_url(*, alert_id: int) -> str:
    token = signing.dumps(alert_id, salt=OPEN_SALT)
    return settings.SITE_URL + reverse("marketing-alert-open", args=[token])


def postal_address_for(contact: Contact) -> str:
    """The postal address printed in email to a contact: the agent's brand, the brokerage brand, the brokerage."""
    brand = None
    if contact.assigned_agent_id:
        brand = Brand.objects.filter(agent_id=contact.assigned_agent_id).first()
    if brand is None:
        brand = Brand.objects.filter(brokerage_id=contact.brokerage_id, agent__isnull=True).first()
    if brand is not None and brand.postal_address:
        return brand.postal_address
    return Brokerage.objects.filter(pk=contact.brokerage_id).values_list("street_address", flat=True).first() or ""


def _address(contact: Contact, channel: str) -> str:
    return normalize_email(contact.email) if channel == "email" else (normalize_phone(contact.phone) or "")


def is_suppressed(*, brokerage_id: int, channel: str, address: str) -> bool:
    return (
        bool(address)
        and Suppression.objects.filter(brokerage_id=brokerage_id, channel=channel, address=address).exists()
    )


# --------------------------------------------------------------------------------------
# The one send path
# --------------------------------------------------------------------------------------


def send_to_contact(*, contact: Contact, channel: str, subject: str = "", body: str, html: str = "") -> SendResult:
    """Send one email or SMS to a contact if the consent rules allow it; never raises for a refusal.

    Email gets the postal address (15 U.S.C. 7704(a)(5)), a visible unsubscribe link and
    ``List-Unsubscribe`` + ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` headers
    (RFC 8058); without a postal address it is not sent. SMS gets "Reply STOP to opt out"
    (CTIA). Returns ``SendResult(sent, status, error)`` with a Delivery status value.
    """
    address = _address(contact, channel)
    has_consent = contact.email_consent if channel == "email" else contact.sms_consent
    check = consent_rules.may_send(
        channel=channel,
        has_consent=has_consent,
        is_suppressed=is_suppressed(brokerage_id=contact.brokerage_id, channel=channel, address=address),
        has_address=bool(address),
    )
    if not check.allowed:
        return SendResult(False, Delivery.Status.SUPPRESSED, check.reason)
    if channel == "sms":
        sms_outbox.append({"to": address, "body": f"{body}\nReply STOP to opt out."})
        logger.info("SMS to contact %s (no SMS provider configured; kept in the process outbox)", contact.pk)
        return SendResult(True, Delivery.Status.SENT)
    postal = postal_address_for(contact)
    if not postal:
        return SendResult(False, Delivery.Status.FAILED, "no postal address for CAN-SPAM")
    unsubscribe = unsubscribe_url(contact_id=contact.pk)
    text = render_to_string(
        "email/marketing_footer.txt", {"body": body, "postal_address": postal, "unsubscribe_url": unsubscribe}
    )
    html = render_to_string(
        "email/marketing.html",
        {"subject": subject, "body": body, "html": html, "postal_address": postal, "unsubscribe_url": unsubscribe},
    )
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    email.attach_alternative(html, "text/html")
    email.send()
    return SendResult(True, Delivery.Status.SENT)


# --------------------------------------------------------------------------------------
# Nurture
# --------------------------------------------------------------------------------------

DEFAULT_NURTURE_STEPS = (
    (
        1,
        3,
        Message.Channel.EMAIL,
        "Still looking, {{ first_name }}?",
        "Hi {{ first_name }},\n\nThanks again for reaching out. Want me to send homes that match what you "
        "are looking for as soon as they list? Just reply to this email.\n\n{{ agent_name }}",
    ),
    (
        2,
        7,
        Message.Channel.SMS,
        "",
        "Hi {{ first_name }}, it's {{ agent_name }}. Any homes you'd like to see this week?",
    ),
    (3, 7, Message.Channel.TASK, "Call {{ first_name }} {{ last_name }}", "Nurture day 7: call to check in."),
    (
        4,
        30,
        Message.Channel.EMAIL,
        "Your market this month",
        "Hi {{ first_name }},\n\nPrices and new listings move every month. Reply with the area you are watching "
        "and I'll send you a short update.\n\n{{ agent_name }}",
    ),
)


def ensure_default_nurture(brokerage: Brokerage) -> Campaign:
    """Create the brokerage's default 3-7-30 day nurture drip (email, SMS, agent task, email), idempotently."""
    with transaction.atomic():
        campaign, created = Campaign.objects.get_or_create(
            brokerage=brokerage,
            is_default_nurture=True,
            defaults={"name": "New lead nurture (3-7-30 days)", "kind": Campaign.Kind.DRIP, "status": "active"},
        )
        if created:
            Message.objects.bulk_create(
                Message(campaign=campaign, step=step, delay_days=days, channel=channel, subject=subject, body=body)
                for step, days, channel, subject, body in DEFAULT_NURTURE_STEPS
            )
            record_audit(actor=None, action="campaign.create_default_nurture", obj=campaign)
    return campaign


def enroll_new_leads(*, now=None, limit: int = 1000) -> int:
    """Enroll recent leads (not yet enrolled, not converted) in their brokerage's active default nurture."""
    now = now or timezone.now()
    enrolled = 0
    for campaign in Campaign.objects.filter(
        is_default_nurture=True, status=Campaign.Status.ACTIVE, kind=Campaign.Kind.DRIP
    ):
        ids = list(
            Contact.objects.filter(
                brokerage_id=campaign.brokerage_id,
                created_at__gte=now - ENROLL_WINDOW,
                stage__in=(Contact.Stage.NEW, Contact.Stage.CONTACTED, Contact.Stage.NURTURING),
            )
            .exclude(enrollments__campaign=campaign)
            .values_list("pk", "created_at")[:limit]
        )
        Enrollment.objects.bulk_create(
            [Enrollment(campaign=campaign, contact_id=pk, started_at=created) for pk, created in ids],
            ignore_conflicts=True,
        )
        enrolled += len(ids)
    return enrolled


def due_nurture_steps(*, now=None, limit: int = 1000) -> list[tuple[int, int]]:
    """(enrollment id, message id) of every next step now due: started_at + delay_days <= now."""
    now = now or timezone.now()
    due: list[tuple[int, int]] = []
    enrollments = (
        Enrollment.objects.filter(stopped_at__isnull=True, campaign__status=Campaign.Status.ACTIVE)
        .select_related("campaign")
        .order_by("started_at")[:limit]
    )
    steps: dict[int, list[Message]] = {}
    for enrollment in enrollments:
        if enrollment.campaign_id not in steps:
            steps[enrollment.campaign_id] = list(Message.objects.filter(campaign_id=enrollment.campaign_id))
        nxt = next((m for m in steps[enrollment.campaign_id] if m.step > enrollment.last_step), None)
        if nxt is not None and enrollment.started_at + dt.timedelta(days=nxt.delay_days) <= now:
            due.append((enrollment.pk, nxt.pk))
    return due


def _stop(enrollment: Enrollment, reason: str, now) -> None:
    enrollment.stopped_at, enrollment.stop_reason = now, reason
    enrollment.save(update_fields=["stopped_at", "stop_reason"])


def _render(text: str, contact: Contact) -> str:
    agent = contact.assigned_agent
    ctx = {
        "first_name": contact.first_name or "there",
        "last_name": contact.last_name,
        "agent_name": str(agent) if agent else "Your agent",
    }
    return Template(text).render(Context(ctx, autoescape=False))


def send_nurture_step(*, enrollment_id: int, message_id: int, now=None) -> Delivery | None:
    """Send one nurture step to one contact exactly once; stop the enrollment if the lead moved on.

    Lock the enrollment, check the marker (a Delivery for this step and contact exists →
    return it), check the stop rules (replied since the start, converted, opted out of
    the step's channel), send, set the marker. A worker retrying the same step finds
    the Delivery and sends nothing. Returns the Delivery, or None when stopped/not due.
    """
    now = now or timezone.now()
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("contact__assigned_agent__user", "campaign")
            .filter(pk=enrollment_id)
            .first()
        )
        message = Message.objects.filter(pk=message_id).first()
        if enrollment is None or message is None or message.campaign_id != enrollment.campaign_id:
            return None
        contact = enrollment.contact
        existing = Delivery.objects.filter(message=message, contact=contact).first()
        if existing is not None:
            return existing
        if enrollment.stopped_at is not None:
            return None
        if contact.last_inbound_at and contact.last_inbound_at >= enrollment.started_at:
            _stop(enrollment, Enrollment.StopReason.REPLIED, now)
            return None
        if contact.stage in CONVERTED_STAGES:
            _stop(enrollment, Enrollment.StopReason.CONVERTED, now)
            return None
        delivery = Delivery.objects.create(message=message, contact=contact, channel=message.channel, created_at=now)
        if message.channel == Message.Channel.TASK:
            if contact.assigned_agent is not None:
                lead_services.create_task(
                    actor=None,
                    contact=contact,
                    agent=contact.assigned_agent,
                    title=_render(message.subject or "Follow up", contact),
                    due_at=now,
                )
                result = SendResult(True, Delivery.Status.SENT)
            else:
                result = SendResult(False, Delivery.Status.FAILED, "no assigned agent for the task")
        else:
            result = send_to_contact(
                contact=contact,
                channel=message.channel,
                subject=_render(message.subject, contact),
                body=_render(message.body, contact),
            )
        delivery.status, delivery.error = result.status, result.error[:255]
        delivery.sent_at = now if result.sent else None
        delivery.save(update_fields=["status", "error", "sent_at"])
        enrollment.last_step = message.step
        enrollment.save(update_fields=["last_step"])
        revoked = result.status == Delivery.Status.SUPPRESSED and not (contact.email_consent or contact.sms_consent)
        if revoked:
            _stop(enrollment, Enrollment.StopReason.OPTED_OUT, now)
        elif not Message.objects.filter(campaign_id=message.campaign_id, step__gt=message.step).exists():
            _stop(enrollment, Enrollment.StopReason.COMPLETED, now)
    return delivery


def stop_enrollments(*, contact_ids, reason: str, now=None) -> int:
    """Stop every running enrollment of these contacts (opt-out, manual)."""
    now = now or timezone.now()
    return Enrollment.objects.filter(contact_id__in=list(contact_ids), stopped_at__isnull=True).update(
        stopped_at=now, stop_reason=reason
    )


# --------------------------------------------------------------------------------------
# Opt-outs and inbound SMS
# --------------------------------------------------------------------------------------


def record_inbound_sms(*, brokerage: Brokerage, from_number: str, body: str, received_at=None) -> dict:
    """Handle an SMS from a lead: opt-out/opt-in keywords, else log it as a reply.

    An opt-out keyword (``leads.consent.OPT_OUT_KEYWORDS``; the whole message, any case)
    revokes SMS consent on the ledger for every contact with that number, adds an SMS
    suppression and stops their nurture; START/UNSTOP re-grants consent and lifts the
    suppression. Other text is a reply (intent-classified; stops nurture). Returns
    ``{"action": "opt_out"|"opt_in"|"help"|"reply"|"unknown_sender", "contacts": [ids]}``.
    """
    phone = normalize_phone(from_number)
    if not phone:
        return {"action": "unknown_sender", "contacts": []}
    keyword = consent_rules.sms_keyword(body)
    now = received_at or timezone.now()
    with transaction.atomic():
        if keyword in ("opt_out", "opt_in"):
            opt_in = keyword == "opt_in"
            contacts = lead_services.revoke_sms_by_keyword(
                brokerage_id=brokerage.pk, phone_e164=phone, keyword=body.strip()[:20], opt_in=opt_in
            )
            if opt_in:
                Suppression.objects.filter(brokerage=brokerage, channel="sms", address=phone).delete()
            else:
                Suppression.objects.get_or_create(
                    brokerage=brokerage, channel="sms", address=phone, defaults={"reason": f"SMS {body.strip()[:20]}"}
                )
                stop_enrollments(contact_ids=[c.pk for c in contacts], reason=Enrollment.StopReason.OPTED_OUT, now=now)
            return {"action": keyword, "contacts": [c.pk for c in contacts]}
    contacts = list(Contact.objects.filter(brokerage=brokerage, phone_e164=phone).order_by("id"))
    if not contacts:
        return {"action": "unknown_sender", "contacts": []}
    if keyword == "help":
        return {"action": "help", "contacts": [c.pk for c in contacts]}
    for contact in contacts:
        lead_services.record_inbound_message(contact=contact, channel="sms", body=body, received_at=now)
    return {"action": "reply", "contacts": [c.pk for c in contacts]}


def unsubscribe(*, token: str) -> Contact | None:
    """One-click unsubscribe from a signed token: revoke email consent, suppress the address, stop nurture.

    Idempotent; None for a bad token or a contact that no longer exists.
    """
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return None
    contact = Contact.objects.filter(pk=parsed[0]).first()
    if contact is None:
        return None
    with transaction.atomic():
        lead_services.revoke_email_consent(contact=contact, source="unsubscribe link")
        if address := normalize_email(contact.email):
            Suppression.objects.get_or_create(
                brokerage_id=contact.brokerage_id,
                channel="email",
                address=address,
                defaults={"reason": "unsubscribe link"},
            )
        stop_enrollments(contact_ids=[contact.pk], reason=Enrollment.StopReason.OPTED_OUT)
    return contact


# --------------------------------------------------------------------------------------
# Listing alerts
# --------------------------------------------------------------------------------------


def _sent_today(contact_id: int, now) -> int:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return AlertDelivery.objects.filter(
        contact_id=contact_id, status=AlertDelivery.Status.SENT, created_at__gte=start
    ).count()


def _send_alert(*, search: SavedSearch, matches: list[Match], dedupe_key: str, now) -> AlertDelivery | None:
    """Throttle, then send one alert email for ``matches`` (caller holds the saved search lock)."""
    if AlertDelivery.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    contact = search.contact
    send, why = alert_decision(
        frequency=search.alert_frequency,
        paused=search.alerts_paused_at is not None,
        consecutive_unopened=search.consecutive_unopened_alerts,
        sent_today=_sent_today(contact.pk, now),
        max_per_day=ALERT_MAX_PER_DAY,
        pause_after_unopened=ALERT_PAUSE_AFTER_UNOPENED,
    )
    ids = [m.pk for m in matches]
    if not send:
        Match.objects.filter(pk__in=ids).update(alert_skipped=why[:60])
        return None
    alert = AlertDelivery.objects.create(
        contact=contact,
        saved_search_id=search.pk,
        dedupe_key=dedupe_key,
        match_ids=ids,
        status=AlertDelivery.Status.FAILED,
        created_at=now,
    )
    listings = [(m, m.listing) for m in matches]
    subject = (
        f"New match: {listings[0][1].display_address}"
        if len(listings) == 1
        else f"{len(listings)} new homes for “{search.name}”"
    )
    body = render_to_string("email/listing_alert.txt", {"search": search, "items": listings, "site": settings.SITE_URL})
    html = render_to_string(
        "email/listing_alert.html",
        {"search": search, "items": listings, "site": settings.SITE_URL, "pixel": open_pixel_url(alert_id=alert.pk)},
    )
    result = send_to_contact(contact=contact, channel="email", subject=subject, body=body, html=html)
    alert.status = result.status
    alert.error = result.error[:255]
    alert.sent_at = now if result.sent else None
    alert.save(update_fields=["status", "error", "sent_at"])
    if result.sent:
        Match.objects.filter(pk__in=ids).update(alerted_at=now)
        search.consecutive_unopened_alerts += 1
        search.last_alert_at = now
        if search.consecutive_unopened_alerts >= ALERT_PAUSE_AFTER_UNOPENED:
            search.alerts_paused_at = now
        search.save(update_fields=["consecutive_unopened_alerts", "last_alert_at", "alerts_paused_at"])
    else:
        Match.objects.filter(pk__in=ids).update(alert_skipped=result.error[:60] or result.status)
    return alert


def send_instant_alerts(*, now=None, limit: int = 500) -> int:
    """Send one alert per new match of an instant-alert saved search, throttled; returns alerts sent."""
    now = now or timezone.now()
    pending = list(
        Match.objects.filter(
            alerted_at__isnull=True,
            alert_skipped="",
            status=Match.Status.NEW,
            saved_search__alert_frequency=SavedSearch.Frequency.INSTANT,
            created_at__gte=now - dt.timedelta(days=2),
        )
        .order_by("created_at")
        .values_list("pk", "saved_search_id")[:limit]
    )
    sent = 0
    for match_id, search_id in pending:
        with transaction.atomic():
            search = SavedSearch.objects.select_for_update(of=("self",)).select_related("contact").get(pk=search_id)
            match = Match.objects.select_related("listing").filter(pk=match_id, alerted_at__isnull=True).first()
            if match is None:
                continue
            alert = _send_alert(search=search, matches=[match], dedupe_key=f"match:{match_id}", now=now)
            sent += bool(alert and alert.status == AlertDelivery.Status.SENT)
    return sent


def send_daily_digests(*, now=None) -> int:
    """Send each daily-digest saved search one email with its unsent matches of the last day."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    search_ids = set(
        Match.objects.filter(
            alerted_at__isnull=True,
            alert_skipped="",
            status=Match.Status.NEW,
            saved_search__alert_frequency=SavedSearch.Frequency.DAILY,
            created_at__gte=now - dt.timedelta(days=2),
        ).values_list("saved_search_id", flat=True)
    )
    sent = 0
    for search_id in sorted(search_ids):
        with transaction.atomic():
            search = SavedSearch.objects.select_for_update(of=("self",)).select_related("contact").get(pk=search_id)
            matches = list(
                Match.objects.select_related("listing")
                .filter(saved_search=search, alerted_at__isnull=True, alert_skipped="", status=Match.Status.NEW)
                .order_by("-score")[:20]
            )
            if not matches:
                continue
            alert = _send_alert(search=search, matches=matches, dedupe_key=f"digest:{search_id}:{day}", now=now)
            sent += bool(alert and alert.status == AlertDelivery.Status.SENT)
    return sent


def record_alert_open(*, alert_id: int) -> AlertDelivery | None:
    """An alert was opened: mark it, resume the search's alerts, count it as engagement (idempotent)."""
    with transaction.atomic():
        alert = AlertDelivery.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None or alert.opened_at is not None:
            return alert
        alert.opened_at = timezone.now()
        alert.save(update_fields=["opened_at"])
        SavedSearch.objects.filter(pk=alert.saved_search_id).update(
            consecutive_unopened_alerts=0, alerts_paused_at=None
        )
    lead_services.record_behavior_event(contact=alert.contact, kind=BehaviorEvent.Kind.OPENED_EMAIL)
    return alert


def read_open_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=OPEN_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None
