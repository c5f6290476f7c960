"""Speed-to-lead: the SLA sweep escalates and reassigns when nobody acts, and only then."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from leads import services, tasks
from leads.models import Activity, Contact, Notification, RoutingDecision
from tests.factories.core import AgentFactory, make_broker
from tests.factories.lead_engine import LeadSourceFactory


@pytest.fixture
def setup(brokerage):
    broker = make_broker(brokerage)
    first, second = AgentFactory(brokerage=brokerage), AgentFactory(brokerage=brokerage)
    source = LeadSourceFactory(brokerage=brokerage, sla_minutes=5)
    contact = services.capture_lead(source=source, data=services.LeadInput(email="sla@example.test")).contact
    return broker, first, second, contact


def _later(minutes):
    return timezone.now() + dt.timedelta(minutes=minutes)


@pytest.mark.django_db
def test_agent_is_notified_at_once_in_app_and_by_email(setup, django_capture_on_commit_callbacks):
    _broker, first, _second, contact = setup
    note = Notification.objects.get(recipient=first.user)
    assert note.kind == "new_lead" and note.contact == contact
    assert "reach out within 5 min" in note.message
    tasks.email_notification(note.pk)
    tasks.email_notification(note.pk)  # twice: one email
    assert [m.to for m in mail.outbox] == [[first.user.email]]


@pytest.mark.django_db
def test_sweep_escalates_to_broker_and_reassigns_when_nobody_acts(setup, django_capture_on_commit_callbacks):
    broker, first, second, contact = setup
    assert contact.assigned_agent == first
    assert abs((contact.sla_due_at - contact.created_at).total_seconds() - 300) < 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_missed_sla(contact_id=contact.pk, now=_later(6)) is not None
    contact.refresh_from_db()
    assert contact.assigned_agent == second
    assert contact.sla_escalations == 1
    decision = RoutingDecision.objects.filter(kind="sla_reassign").get()
    assert (decision.previous_agent, decision.agent) == (first, second)
    assert decision.reason.startswith(f"{first} missed the 5-min SLA.")
    kinds = sorted(Notification.objects.filter(contact=contact).values_list("recipient_id", "kind"))
    assert (broker.pk, "sla_escalation") in kinds
    assert (first.user.pk, "reassigned") in kinds
    assert (second.user.pk, "new_lead") in kinds
    assert broker.email in {m.to[0] for m in mail.outbox}


@pytest.mark.django_db
def test_sweep_task_is_idempotent(setup, monkeypatch):
    _broker, _first, second, contact = setup
    Contact.objects.filter(pk=contact.pk).update(sla_due_at=timezone.now() - dt.timedelta(seconds=1))
    assert tasks.sweep_sla() == 1
    assert tasks.sweep_sla() == 0  # the new agent's clock has just started
    contact.refresh_from_db()
    assert contact.assigned_agent == second
    assert RoutingDecision.objects.filter(kind="sla_reassign").count() == 1


@pytest.mark.django_db
def test_sweep_does_nothing_when_the_agent_acted(setup, django_capture_on_commit_callbacks):
    _broker, first, _second, contact = setup
    services.add_activity(actor=first.user, contact=contact, kind=Activity.Kind.CALL, body="Left a voicemail")
    contact.refresh_from_db()
    assert contact.sla_due_at is None
    assert contact.speed_to_lead_seconds is not None and contact.speed_to_lead_seconds < 60
    before = (RoutingDecision.objects.count(), Notification.objects.count())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.overdue_lead_ids(now=_later(60)) == []
        assert services.escalate_missed_sla(contact_id=contact.pk, now=_later(60)) is None
    contact.refresh_from_db()
    assert contact.assigned_agent == first
    assert (RoutingDecision.objects.count(), Notification.objects.count()) == before
    assert callbacks == []


@pytest.mark.django_db
def test_a_note_does_not_stop_the_clock(setup):
    _broker, first, second, contact = setup
    services.add_activity(actor=first.user, contact=contact, kind=Activity.Kind.NOTE, body="Will call later")
    assert services.escalate_missed_sla(contact_id=contact.pk, now=_later(6)).agent == second


@pytest.mark.django_db
def test_repeated_misses_exclude_every_agent_who_missed_then_broker_holds(setup):
    _broker, first, second, contact = setup
    assert services.escalate_missed_sla(contact_id=contact.pk, now=_later(6)).agent == second
    last = services.escalate_missed_sla(contact_id=contact.pk, now=_later(12))
    assert last.agent is None
    assert "held by the broker" in last.reason
    contact.refresh_from_db()
    assert contact.assigned_agent is None and contact.sla_due_at is None
    assert services.escalate_missed_sla(contact_id=contact.pk, now=_later(60)) is None


@pytest.mark.django_db
def test_speed_to_lead_is_first_contact_minus_arrival(setup):
    _broker, first, _second, contact = setup
    at = contact.created_at + dt.timedelta(minutes=3, seconds=20)
    services.add_activity(actor=first.user, contact=contact, kind=Activity.Kind.TEXT, occurred_at=at)
    services.add_activity(
        actor=first.user, contact=contact, kind=Activity.Kind.CALL, occurred_at=at + dt.timedelta(hours=1)
    )
    contact.refresh_from_db()
    assert contact.speed_to_lead_seconds == 200
    assert contact.first_contact_at == at
