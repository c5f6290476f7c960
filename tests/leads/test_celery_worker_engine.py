"""The SLA sweep and a nurture step run by a real Celery worker on Redis against PostgreSQL."""

import datetime as dt

import pytest
from django.utils import timezone

from leads import services as lead_services
from leads import tasks as lead_tasks
from leads.models import Contact, RoutingDecision
from marketing import services as marketing_services
from marketing import tasks as marketing_tasks
from marketing.models import Delivery, Enrollment, Message
from tests.conftest import wait_for
from tests.factories.core import AgentFactory, BrokerageFactory, make_broker
from tests.factories.lead_engine import BrandFactory, LeadSourceFactory
from tests.factories.leads import ContactFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _drain(contact_id: int) -> None:
    """Wait until the worker has run everything enqueued so far.

    The fixture's worker is solo with prefetch 1, so tasks run in order: once a marker
    task enqueued last (a rescore, which stamps ``scored_at``) is visible, all are done.
    No result backend is needed.
    """
    before = Contact.objects.get(pk=contact_id).scored_at
    lead_tasks.rescore_contact.delay(contact_id)
    assert wait_for(lambda: Contact.objects.get(pk=contact_id).scored_at != before, timeout=30)


def test_worker_sla_sweep_escalates_and_reassigns_an_overdue_lead(celery_worker_process):
    # Given a lead assigned to the first agent, whose 5-minute SLA has passed with no contact
    brokerage = BrokerageFactory()
    make_broker(brokerage)
    first, second = AgentFactory(brokerage=brokerage), AgentFactory(brokerage=brokerage)
    source = LeadSourceFactory(brokerage=brokerage)
    contact = lead_services.capture_lead(source=source, data=lead_services.LeadInput(email="w@example.test")).contact
    assert contact.assigned_agent == first
    Contact.objects.filter(pk=contact.pk).update(sla_due_at=timezone.now() - dt.timedelta(seconds=1))

    # When the beat's sweep runs on the worker, twice (two beats, or a redelivery)
    lead_tasks.sweep_sla.delay()
    lead_tasks.sweep_sla.delay()

    # Then the lead is reassigned to the other agent, once
    assert wait_for(lambda: Contact.objects.get(pk=contact.pk).assigned_agent_id == second.pk)
    _drain(contact.pk)
    decision = RoutingDecision.objects.get(contact=contact, kind="sla_reassign")
    assert (decision.previous_agent_id, decision.agent_id) == (first.pk, second.pk)
    assert Contact.objects.get(pk=contact.pk).sla_escalations == 1


def test_worker_runs_the_same_nurture_step_twice_and_sends_once(celery_worker_process):
    # Given a lead enrolled in the default nurture, its day-7 SMS step due
    brokerage = BrokerageFactory()
    BrandFactory(brokerage=brokerage)
    marketing_services.ensure_default_nurture(brokerage)
    ContactFactory(brokerage=brokerage, assigned_agent=AgentFactory(brokerage=brokerage), sms_consent=True)
    marketing_services.enroll_new_leads()
    enrollment = Enrollment.objects.get()
    Enrollment.objects.filter(pk=enrollment.pk).update(
        started_at=timezone.now() - dt.timedelta(days=7, minutes=1), last_step=1
    )
    step = Message.objects.get(campaign=enrollment.campaign, step=2)

    # When the step is enqueued twice (a retry, a duplicate beat)
    marketing_tasks.send_nurture_step.delay(enrollment.pk, step.pk)
    marketing_tasks.send_nurture_step.delay(enrollment.pk, step.pk)

    # Then exactly one message went out
    assert wait_for(lambda: Delivery.objects.filter(message=step, status="sent").exists())
    _drain(enrollment.contact_id)
    assert Delivery.objects.filter(message=step, contact=enrollment.contact).count() == 1
    assert Enrollment.objects.get(pk=enrollment.pk).last_step == 2
