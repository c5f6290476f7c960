"""/api/v1/leads/{id}/ explains the lead: score breakdown, grade, consent, routing history, tasks, speed to lead."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from leads.models import Contact, RoutingDecision, Task
from tests.factories.core import AgentFactory, BrokerageFactory
from tests.factories.lead_engine import RoutingRuleFactory
from tests.factories.leads import ContactFactory, make_client

pytestmark = pytest.mark.django_db

BREAKDOWN = [
    {"factor": "timeline", "label": "Timeline", "points": 20, "max": 20, "reason": "buying in 0-3 months"},
    {"factor": "engagement", "label": "Engagement", "points": 4, "max": 30, "reason": "2 events this week"},
]


def api_for(api_client, user):
    token, _ = Token.objects.get_or_create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


def iso(value) -> str:
    return timezone.localtime(value).isoformat()


@pytest.fixture
def lead(agent):
    now = timezone.now()
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    Contact.objects.filter(pk=contact.pk).update(
        score=24,
        grade="D",
        score_breakdown=BREAKDOWN,
        scored_at=now,
        sms_consent=True,
        sms_consent_at=now - dt.timedelta(days=1),
        consent_text="Texts are fine. Reply STOP to opt out.",
        speed_to_lead_seconds=185,
    )
    contact.refresh_from_db()
    return contact


def test_detail_has_the_engine_fields(api_client, agent, lead, django_assert_max_num_queries):
    rule = RoutingRuleFactory(brokerage=agent.brokerage, name="Buyers")
    previous = AgentFactory(brokerage=agent.brokerage, member_key="MBR-BEFORE")
    old = RoutingDecision.objects.create(
        contact=lead, agent=previous, rule=rule, reason="round robin", at=timezone.now() - dt.timedelta(hours=1)
    )
    RoutingDecision.objects.create(
        contact=lead, agent=agent, previous_agent=previous, kind="sla_reassign", reason="SLA missed by MBR-BEFORE"
    )
    done = Task.objects.create(contact=lead, agent=agent, title="Done one", completed_at=timezone.now())
    later = Task.objects.create(contact=lead, agent=agent, title="Later", due_at=timezone.now() + dt.timedelta(days=3))
    soon = Task.objects.create(contact=lead, agent=agent, title="Soon", due_at=timezone.now() + dt.timedelta(hours=1))
    api = api_for(api_client, agent.user)

    # Token, the agent row, the contact, routing decisions, tasks
    with django_assert_max_num_queries(6):
        response = api.get(f"/api/v1/leads/{lead.pk}/")

    body = response.json()
    assert response.status_code == 200
    assert (body["score"], body["grade"], body["score_view"], body["score_breakdown"]) == (24, "D", 3, BREAKDOWN)
    assert body["speed_to_lead_seconds"] == 185
    assert body["consent"] == {
        "email": {"granted": False, "at": None},
        "sms": {"granted": True, "at": iso(lead.sms_consent_at)},
        "text": "Texts are fine. Reply STOP to opt out.",
    }
    assert [(d["reason"], d["kind"], d["agent"], d["previous_agent"], d["rule"]) for d in body["routing_history"]] == [
        ("SLA missed by MBR-BEFORE", "sla_reassign", agent.member_key, "MBR-BEFORE", None),
        ("round robin", "initial", "MBR-BEFORE", None, "Buyers"),
    ]
    assert body["routing_history"][1]["at"] == iso(old.at)
    assert [t["id"] for t in body["tasks"]] == [soon.pk, later.pk, done.pk]
    assert body["tasks"][2]["completed_at"] is not None


def test_list_stays_flat(api_client, agent, lead):
    row = api_for(api_client, agent.user).get("/api/v1/leads/").json()["results"][0]

    assert row["speed_to_lead_seconds"] == 185
    assert {"score_breakdown", "routing_history", "tasks", "consent"}.isdisjoint(row)


@pytest.mark.parametrize("who", ["outsider", "client"])
def test_detail_permission_matrix(api_client, lead, who):
    if who == "outsider":
        user, status = AgentFactory(brokerage=BrokerageFactory()).user, 404
    else:
        user, status = make_client(ContactFactory(brokerage=lead.brokerage)), 403

    response = api_for(api_client, user).get(f"/api/v1/leads/{lead.pk}/")

    assert response.status_code == status
    assert set(response.json()) == {"error", "message", "fields"}
