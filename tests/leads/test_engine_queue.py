"""The follow-up queue: the documented priority formula, snooze and done."""

import datetime as dt

import pytest
from django.utils import timezone

from leads import services
from leads.engine_selectors import follow_up_queue
from leads.models import Activity
from leads.priority import QueueInputs, follow_up_priority
from tests.factories.leads import ContactFactory


def test_priority_formula():
    p = follow_up_priority(QueueInputs(score=60, is_new_uncontacted=True, days_since_last_touch=None))
    assert p.value == 70.0 and p.reasons == ("score 60", "new, not contacted yet")
    p = follow_up_priority(
        QueueInputs(
            score=40,
            is_new_uncontacted=False,
            days_since_last_touch=45,
            overdue_tasks=3,
            due_today_tasks=1,
            days_to_deadline=2,
        )
    )
    assert p.value == 20 + 30 + 30 + 10 + 20
    assert p.reasons == (
        "score 40",
        "45 days since last touch",
        "3 overdue tasks",
        "task due today",
        "deadline within 3 days",
    )
    assert follow_up_priority(QueueInputs(score=0, is_new_uncontacted=False, days_since_last_touch=0.5)).value == 0.5


@pytest.mark.django_db
def test_queue_orders_by_priority_and_honours_snooze_and_done(agent, django_assert_max_num_queries):
    now = timezone.now()
    new_lead = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, score=10)
    cold = ContactFactory(
        brokerage=agent.brokerage, assigned_agent=agent, score=30, first_contact_at=now - dt.timedelta(days=20)
    )
    cold.last_contacted_at = now - dt.timedelta(days=20)
    cold.save()
    with_task = ContactFactory(
        brokerage=agent.brokerage, assigned_agent=agent, score=10, first_contact_at=now, last_contacted_at=now
    )
    services.create_task(
        actor=None, contact=with_task, agent=agent, title="Send comps", due_at=now - dt.timedelta(days=2)
    )
    ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, stage="closed")
    with django_assert_max_num_queries(1):
        queue = follow_up_queue(agent=agent, now=now)
    assert [i.contact for i in queue] == [new_lead, cold, with_task]
    assert [i.priority.value for i in queue] == [45.0, 35.0, 20.0]

    services.snooze_follow_up(actor=agent.user, contact=new_lead, until=now + dt.timedelta(hours=2))
    services.mark_follow_up_done(actor=agent.user, contact=cold)
    assert [i.contact for i in follow_up_queue(agent=agent, now=now)] == [with_task]
    assert new_lead in [i.contact for i in follow_up_queue(agent=agent, now=now + dt.timedelta(hours=3))]
    # A reply brings a done lead back.
    services.record_inbound_message(contact=cold, channel="sms", body="Any news?")
    assert cold in [i.contact for i in follow_up_queue(agent=agent, now=timezone.now())]


@pytest.mark.django_db
def test_snooze_in_the_past_is_refused(agent):
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    from realtor.exceptions import DomainError

    with pytest.raises(DomainError):
        services.snooze_follow_up(actor=agent.user, contact=contact, until=timezone.now() - dt.timedelta(minutes=1))
    contact.refresh_from_db()
    assert contact.follow_up_snoozed_until is None


@pytest.mark.django_db
def test_complete_task_is_idempotent(agent):
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    task = services.create_task(actor=agent.user, contact=contact, agent=agent, title="Call")
    done = services.complete_task(actor=agent.user, task=task)
    again = services.complete_task(actor=agent.user, task=task)
    assert done.completed_at == again.completed_at is not None
    assert Activity.objects.count() == 0
