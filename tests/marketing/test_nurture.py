"""Nurture sequences: default 3-7-30, due steps, exactly once, stop on reply/convert/opt-out."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from leads.models import Contact, Task
from marketing import services, tasks
from marketing.models import Campaign, Delivery, Enrollment, Message
from tests.factories.core import AgentFactory
from tests.factories.lead_engine import BrandFactory
from tests.factories.leads import ContactFactory


@pytest.fixture
def enrolled(brokerage):
    BrandFactory(brokerage=brokerage)
    services.sms_outbox.clear()
    campaign = services.ensure_default_nurture(brokerage)
    agent = AgentFactory(brokerage=brokerage)
    contact = ContactFactory(
        brokerage=brokerage, assigned_agent=agent, email_consent=True, sms_consent=True, first_name="Robin"
    )
    assert services.enroll_new_leads() == 1
    return campaign, contact, Enrollment.objects.get(contact=contact)


def _at(enrollment, days):
    return enrollment.started_at + dt.timedelta(days=days, minutes=1)


@pytest.mark.django_db
def test_default_sequence_is_3_7_30_and_created_once(brokerage):
    first = services.ensure_default_nurture(brokerage)
    again = services.ensure_default_nurture(brokerage)
    assert first == again and Campaign.objects.count() == 1
    assert list(first.messages.values_list("step", "delay_days", "channel")) == [
        (1, 3, "email"),
        (2, 7, "sms"),
        (3, 7, "task"),
        (4, 30, "email"),
    ]


@pytest.mark.django_db
def test_steps_become_due_by_their_delay(enrolled):
    _campaign, _contact, enrollment = enrolled
    assert services.due_nurture_steps(now=_at(enrollment, 2)) == []
    step1 = Message.objects.get(step=1)
    assert services.due_nurture_steps(now=_at(enrollment, 3)) == [(enrollment.pk, step1.pk)]


@pytest.mark.django_db
def test_a_step_retried_sends_one_message(enrolled):
    _campaign, contact, enrollment = enrolled
    step1 = Message.objects.get(step=1)
    first = services.send_nurture_step(enrollment_id=enrollment.pk, message_id=step1.pk, now=_at(enrollment, 3))
    again = services.send_nurture_step(enrollment_id=enrollment.pk, message_id=step1.pk, now=_at(enrollment, 3))
    tasks.send_nurture_step(enrollment.pk, step1.pk)
    assert first == again
    assert Delivery.objects.filter(message=step1, contact=contact).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Still looking, Robin?"
    enrollment.refresh_from_db()
    assert enrollment.last_step == 1
    # The next due step is the SMS.
    assert services.due_nurture_steps(now=_at(enrollment, 7))[0][1] == Message.objects.get(step=2).pk


@pytest.mark.django_db
def test_whole_sequence_email_sms_task_then_complete(enrolled):
    _campaign, contact, enrollment = enrolled
    for step in (1, 2, 3, 4):
        message = Message.objects.get(step=step)
        services.send_nurture_step(enrollment_id=enrollment.pk, message_id=message.pk, now=_at(enrollment, 30))
    assert len(mail.outbox) == 2
    assert len(services.sms_outbox) == 1 and services.sms_outbox[0]["body"].endswith("Reply STOP to opt out.")
    assert Task.objects.get(contact=contact).title == f"Call Robin {contact.last_name}"
    enrollment.refresh_from_db()
    assert enrollment.stop_reason == "completed"
    assert services.due_nurture_steps(now=_at(enrollment, 60)) == []


@pytest.mark.django_db
def test_reply_stops_the_sequence(enrolled):
    from leads import services as lead_services

    _campaign, contact, enrollment = enrolled
    lead_services.record_inbound_message(contact=contact, channel="email", body="Yes please!")
    step1 = Message.objects.get(step=1)
    assert services.send_nurture_step(enrollment_id=enrollment.pk, message_id=step1.pk) is None
    enrollment.refresh_from_db()
    assert enrollment.stop_reason == "replied"
    assert Delivery.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_conversion_stops_the_sequence(enrolled):
    _campaign, contact, enrollment = enrolled
    Contact.objects.filter(pk=contact.pk).update(stage=Contact.Stage.ACTIVE)
    step1 = Message.objects.get(step=1)
    assert services.send_nurture_step(enrollment_id=enrollment.pk, message_id=step1.pk, now=_at(enrollment, 3)) is None
    enrollment.refresh_from_db()
    assert enrollment.stop_reason == "converted"
    assert mail.outbox == []


@pytest.mark.django_db
def test_stop_keyword_stops_the_sequence_and_nothing_is_sent(enrolled):
    _campaign, contact, enrollment = enrolled
    services.record_inbound_sms(brokerage=contact.brokerage, from_number=contact.phone, body="STOP")
    enrollment.refresh_from_db()
    assert enrollment.stop_reason == "opted_out"
    assert services.due_nurture_steps(now=_at(enrollment, 30)) == []
    step2 = Message.objects.get(step=2)
    assert services.send_nurture_step(enrollment_id=enrollment.pk, message_id=step2.pk, now=_at(enrollment, 7)) is None
    assert services.sms_outbox == [] and Delivery.objects.count() == 0


@pytest.mark.django_db
def test_run_nurture_beat_enqueues_and_sends_due_steps(enrolled):
    _campaign, contact, enrollment = enrolled
    Enrollment.objects.filter(pk=enrollment.pk).update(started_at=timezone.now() - dt.timedelta(days=3, minutes=1))
    assert tasks.run_nurture() == 1
    assert tasks.run_nurture() == 0  # step 1 is handled; step 2 is not due yet
    assert Delivery.objects.get().status == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_old_or_converted_leads_are_not_enrolled(brokerage):
    services.ensure_default_nurture(brokerage)
    old = ContactFactory(brokerage=brokerage)
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=45))
    ContactFactory(brokerage=brokerage, stage=Contact.Stage.CLOSED)
    assert services.enroll_new_leads() == 0
