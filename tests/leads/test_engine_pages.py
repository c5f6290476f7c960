"""Agent pages of the lead engine: lead detail (score, routing, matches, consent, tasks), the dashboard queue."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import Activity, BehaviorEvent, ConsentEvent, Contact, Match, Notification, RoutingDecision, Task
from realtor.models import AuditLog
from tests.factories.core import AgentFactory, BrokerageFactory, make_broker
from tests.factories.lead_engine import RoutingRuleFactory, SavedSearchFactory
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ListingFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("app:dashboard")


def lead_of(agent, **kwargs) -> Contact:
    return ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, **kwargs)


@pytest.fixture
def outsider(db):
    return AgentFactory(brokerage=BrokerageFactory())


@pytest.fixture
def engine_lead(agent):
    """A scored, routed, consented, contacted lead with a match, a behaviour event and a task."""
    now = timezone.now()
    contact = lead_of(agent, first_name="Sky", last_name="Scored", phone="(206) 555-0142")
    Contact.objects.filter(pk=contact.pk).update(
        created_at=now - dt.timedelta(minutes=10),
        email_consent=True,
        email_consent_at=now - dt.timedelta(minutes=10),
        sms_consent=False,
        consent_text="I agree to emails about homes.",
        score=63,
        grade="B",
        score_breakdown=[
            {"factor": "timeline", "label": "Timeline", "points": 20, "max": 20, "reason": "buying in 0-3 months"},
            {"factor": "pre_approval", "label": "Pre-approval", "points": 15, "max": 15, "reason": "pre-approved"},
        ],
        first_contact_at=now - dt.timedelta(minutes=5, seconds=48),
        speed_to_lead_seconds=252,
    )
    contact.refresh_from_db()
    rule = RoutingRuleFactory(brokerage=agent.brokerage, name="North Seattle buyers")
    RoutingDecision.objects.create(contact=contact, agent=agent, rule=rule, reason="ZIP 98115 matched; round robin")
    ConsentEvent.objects.create(
        contact=contact, channel="email", granted=True, consent_text="I agree to emails about homes.", source="form"
    )
    listing = ListingFactory(unparsed_address="4512 Woodlawn Ave N", is_synthetic=True)
    BehaviorEvent.objects.create(
        contact=contact, kind="viewed_listing", listing=listing, occurred_at=now - dt.timedelta(minutes=1)
    )
    Activity.objects.create(
        contact=contact,
        agent=agent,
        kind="call",
        body="Talked about schools.",
        occurred_at=now - dt.timedelta(minutes=5),
    )
    search = SavedSearchFactory(contact=contact, name="North end")
    Match.objects.create(
        saved_search=search,
        contact=contact,
        listing=listing,
        score=88,
        reasons=["$50k under budget", "3 bd, you asked for 3+"],
    )
    Task.objects.create(contact=contact, agent=agent, title="Send comps", due_at=now - dt.timedelta(hours=3))
    return contact


# --- lead detail ----------------------------------------------------------------------------


def test_lead_detail_explains_the_lead(agent_client, engine_lead, django_assert_max_num_queries):
    url = reverse("app:lead_detail", args=[engine_lead.pk])

    with django_assert_max_num_queries(16):
        response = agent_client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    # Score and grade, with points per factor
    assert "Score 63/100 · grade B" in html
    assert '<td>Timeline</td><td class="num">20/20</td><td class="small">buying in 0-3 months</td>' in html
    assert "15/15" in html
    # Routing history with the rule and reason
    assert "ZIP 98115 matched; round robin" in html and "rule “North Seattle buyers”" in html
    # Matches with reasons, synthetic price marked
    assert "$50k under budget" in html and "3 bd, you asked for 3+" in html
    assert "Synthetic demo price" in html
    # Consent with when and the text
    assert "I agree to emails about homes." in html
    assert "since " + timezone.localtime(engine_lead.email_consent_at).strftime("%b") in html
    # Speed to lead in words, the task overdue, the timeline merges activities and behaviour events
    assert '<dd id="speed-to-lead">4 min 12 s</dd>' in html
    assert "Send comps" in html and "overdue" in html
    assert "Viewed a listing" in html and "Talked about schools." in html
    assert [entry.label for entry in response.context["timeline"]] == ["Viewed a listing", "Call"]


def test_lead_detail_of_another_brokerage_is_404(client, engine_lead, outsider):
    client.force_login(outsider.user)

    assert client.get(reverse("app:lead_detail", args=[engine_lead.pk])).status_code == 404


# --- tasks ----------------------------------------------------------------------------------


def test_add_task_with_due_date_via_htmx(agent_client, agent):
    contact = lead_of(agent)

    response = agent_client.post(
        reverse("app:lead_add_task", args=[contact.pk]),
        {"title": "  Call about the inspection ", "due_at": "2030-05-04T09:30"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="tasks"')
    assert "Call about the inspection" in html
    task = Task.objects.get(contact=contact)
    assert (task.title, task.agent, task.completed_at) == ("Call about the inspection", agent, None)
    assert timezone.localtime(task.due_at).replace(tzinfo=None) == dt.datetime(2030, 5, 4, 9, 30)


def test_add_task_without_htmx_redirects(agent_client, agent):
    contact = lead_of(agent)

    response = agent_client.post(reverse("app:lead_add_task", args=[contact.pk]), {"title": "Text back"})

    assert response.status_code == 302
    assert response["Location"] == reverse("app:lead_detail", args=[contact.pk])
    assert Task.objects.get().due_at is None


@pytest.mark.parametrize(
    "data",
    [
        {"title": ""},
        {"title": "x", "due_at": "next tuesday"},
        {"title": "x", "due_at": "9999-12-31T16:01"},  # overflowed the UTC conversion (a 500)
        {"title": "x", "due_at": "0001-01-01T00:00"},
        {"title": "x", "due_at": "2100-01-01T09:00"},
    ],
)
def test_invalid_task_is_422_and_creates_nothing(agent_client, agent, data):
    contact = lead_of(agent)

    response = agent_client.post(reverse("app:lead_add_task", args=[contact.pk]), data, headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert 'id="tasks"' in response.content.decode()
    assert Task.objects.count() == 0


def test_task_on_unassigned_lead_by_broker_without_agent_record_is_422(client, agent):
    contact = ContactFactory(brokerage=agent.brokerage)
    client.force_login(make_broker(agent.brokerage))

    response = client.post(reverse("app:lead_add_task", args=[contact.pk]), {"title": "Call"})

    assert response.status_code == 422
    assert "Assign this lead to an agent before giving it tasks." in response.content.decode()
    assert Task.objects.count() == 0


def test_complete_task_marks_it_done_once(agent_client, agent):
    contact = lead_of(agent)
    task = Task.objects.create(contact=contact, agent=agent, title="Send comps")
    url = reverse("app:lead_complete_task", args=[contact.pk, task.pk])

    first = agent_client.post(url, headers={"HX-Request": "true"})
    task.refresh_from_db()
    done_at = task.completed_at
    agent_client.post(url, headers={"HX-Request": "true"})

    assert first.status_code == 200
    assert "<s>Send comps</s>" in first.content.decode()
    task.refresh_from_db()
    assert done_at is not None and task.completed_at == done_at
    assert AuditLog.objects.filter(action="task.complete").count() == 1


def test_tasks_of_other_leads_and_brokerages_are_404_and_unchanged(client, agent, outsider):
    mine = lead_of(agent)
    theirs = lead_of(outsider)
    their_task = Task.objects.create(contact=theirs, agent=outsider, title="Theirs")
    client.force_login(agent.user)

    wrong_lead = client.post(reverse("app:lead_complete_task", args=[mine.pk, their_task.pk]))
    foreign_lead = client.post(reverse("app:lead_complete_task", args=[theirs.pk, their_task.pk]))
    add = client.post(reverse("app:lead_add_task", args=[theirs.pk]), {"title": "Sneaky"})

    assert (wrong_lead.status_code, foreign_lead.status_code, add.status_code) == (404, 404, 404)
    their_task.refresh_from_db()
    assert their_task.completed_at is None
    assert Task.objects.count() == 1


# --- the follow-up queue on the dashboard ---------------------------------------------------


def test_dashboard_queue_lists_leads_most_urgent_first_with_reasons(agent_client, agent):
    now = timezone.now()
    cold = lead_of(agent, first_name="Cold", last_name="Lead", score=80)
    Contact.objects.filter(pk=cold.pk).update(first_contact_at=now, last_contacted_at=now - dt.timedelta(days=3))
    fresh = lead_of(agent, first_name="Fresh", last_name="Lead", score=20)
    lead_of(AgentFactory(brokerage=agent.brokerage), first_name="Colleague", last_name="Lead")

    response = agent_client.get(DASHBOARD)

    assert [item.contact for item in response.context["queue"]] == [fresh, cold]
    html = response.content.decode()
    assert "score 20 · new, not contacted yet" in html
    assert "score 80 · 3 days since last touch" in html
    assert "Colleague Lead" not in html.split('id="follow-up-queue"')[1].split("</section>")[0]


def test_dashboard_queries_do_not_grow_with_the_queue(agent_client, agent, django_assert_max_num_queries):
    for _ in range(3):
        lead_of(agent)
    with django_assert_max_num_queries(12) as few:
        agent_client.get(DASHBOARD)
    for _ in range(20):
        lead_of(agent)

    with django_assert_max_num_queries(12) as many:
        response = agent_client.get(DASHBOARD)

    assert len(response.context["queue"]) == 15
    assert len(many.captured_queries) == len(few.captured_queries)


def test_snooze_hides_the_lead_and_returns_the_queue_fragment(agent_client, agent):
    lead = lead_of(agent, first_name="Sleepy", last_name="Lead")
    before = timezone.now()

    response = agent_client.post(
        reverse("app:queue_snooze", args=[lead.pk]), {"hours": "24"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="follow-up-queue"')
    assert "Sleepy Lead snoozed until" in html
    assert response.context["queue"] == []
    lead.refresh_from_db()
    assert before + dt.timedelta(hours=24) <= lead.follow_up_snoozed_until <= timezone.now() + dt.timedelta(hours=24)


@pytest.mark.parametrize("hours", ["", "0", "-5", "9999", "abc"])
def test_bad_snooze_is_422_and_changes_nothing(agent_client, agent, hours):
    lead = lead_of(agent)

    response = agent_client.post(
        reverse("app:queue_snooze", args=[lead.pk]), {"hours": hours}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    lead.refresh_from_db()
    assert lead.follow_up_snoozed_until is None
    assert not AuditLog.objects.filter(action="queue.snooze").exists()


def test_done_takes_the_lead_off_until_it_replies(agent_client, agent):
    lead = lead_of(agent)

    response = agent_client.post(reverse("app:queue_done", args=[lead.pk]))

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    lead.refresh_from_db()
    assert lead.follow_up_done_at is not None
    assert agent_client.get(DASHBOARD).context["queue"] == []
    services.record_inbound_message(contact=lead, channel="sms", body="Still looking!")
    assert [item.contact for item in agent_client.get(DASHBOARD).context["queue"]] == [lead]


def test_queue_actions_on_another_brokerages_lead_are_404(client, agent, outsider):
    theirs = lead_of(outsider)
    client.force_login(agent.user)

    snooze = client.post(reverse("app:queue_snooze", args=[theirs.pk]), {"hours": "1"})
    done = client.post(reverse("app:queue_done", args=[theirs.pk]))

    assert (snooze.status_code, done.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert (theirs.follow_up_snoozed_until, theirs.follow_up_done_at) == (None, None)


def test_broker_sees_escalations_and_marks_them_read(client, agent):
    broker = make_broker(agent.brokerage)
    lead = lead_of(agent, first_name="Waiting", last_name="Lead")
    Notification.objects.create(
        recipient=broker, contact=lead, kind="sla_escalation", message="Waiting Lead: nobody called within 5 min"
    )
    Notification.objects.create(recipient=agent.user, contact=lead, kind="new_lead", message="Not for the broker")
    client.force_login(broker)

    html = client.get(DASHBOARD).content.decode()
    read = client.post(reverse("app:notifications_read"))

    assert "Speed-to-lead missed" in html and "Waiting Lead: nobody called within 5 min" in html
    assert "Not for the broker" not in html
    assert "your login has no agent record" in html
    assert read.status_code == 302
    assert Notification.objects.filter(recipient=broker, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=agent.user, read_at__isnull=True).count() == 1


# --- doors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("app:lead_add_task", "lead", "post"),
        ("app:lead_complete_task", "task", "post"),
        ("app:queue_snooze", "lead", "post"),
        ("app:queue_done", "lead", "post"),
        ("app:notifications_read", None, "post"),
        ("app:lead_detail", "lead", "get"),
    ],
)
def test_clients_get_403_on_agent_pages(client, agent, name, args, method):
    lead = lead_of(agent)
    task = Task.objects.create(contact=lead, agent=agent, title="t")
    client.force_login(make_client(ContactFactory(brokerage=agent.brokerage)))
    url_args = {"lead": [lead.pk], "task": [lead.pk, task.pk], None: []}[args]

    response = getattr(client, method)(reverse(name, args=url_args), {"hours": "1", "title": "x"})

    assert response.status_code == 403
    task.refresh_from_db()
    lead.refresh_from_db()
    assert (task.completed_at, lead.follow_up_snoozed_until, lead.follow_up_done_at) == (None, None, None)
    assert Task.objects.count() == 1
