"""Admin of the lead engine: routing rules brokers manage, webhook secrets and SLA, read-only logs."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leads.models import Contact, LeadSource, RotationPointer, RoutingDecision, RoutingRule
from marketing.models import Enrollment
from marketing.services import ensure_default_nurture
from tests.factories.core import AgentFactory, BrokerageFactory, make_broker
from tests.factories.lead_engine import LeadSourceFactory, RoutingRuleFactory
from tests.factories.leads import ContactFactory

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def grant(user, *codenames: str) -> None:
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))


@pytest.fixture
def own(db):
    return BrokerageFactory(name="Alpha Realty")


@pytest.fixture
def other(db):
    return BrokerageFactory(name="Beta Homes")


@pytest.fixture
def broker_client(client, own):
    broker = make_broker(own)
    grant(
        broker,
        *(f"leads.{action}_routingrule" for action in ("view", "add", "change", "delete")),
        "leads.view_leadsource",
        "leads.change_leadsource",
        "leads.view_rotationpointer",
        "leads.view_routingdecision",
        "leads.view_contact",
        "leads.change_contact",
        "realtor.view_agent",
        "marketing.view_enrollment",
    )
    client.force_login(broker)
    return client


def rule_post(brokerage, **overrides) -> dict:
    data = {
        "brokerage": brokerage.pk,
        "name": "Waterfront to Pat",
        "order": "10",
        "is_active": "on",
        "postal_codes": "[]",
        "contact_type": "",
        "target": "all",
        "strategy": "round_robin",
    }
    data.update(overrides)
    return data


def test_broker_creates_a_routing_rule_for_an_own_agent(broker_client, own):
    pat = AgentFactory(brokerage=own)

    response = broker_client.post(
        url(RoutingRule, "add"), rule_post(own, target="agent", target_agent=pat.pk, postal_codes='["98115"]')
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.brokerage, rule.target, rule.target_agent, rule.postal_codes) == (own, "agent", pat, ["98115"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"target": "agent"}, "target_agent"),
        ({"target": "pool"}, "pool"),
        ({"price_min": "800000", "price_max": "500000"}, "price_max"),
    ],
)
def test_invalid_routing_rule_is_refused(broker_client, own, overrides, field):
    response = broker_client.post(url(RoutingRule, "add"), rule_post(own, **overrides))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not RoutingRule.objects.exists()


def test_broker_cannot_route_to_another_brokerages_agent_or_file_a_rule_there(broker_client, own, other):
    theirs = AgentFactory(brokerage=other)

    to_their_agent = broker_client.post(url(RoutingRule, "add"), rule_post(own, target="agent", target_agent=theirs.pk))
    to_their_pool = broker_client.post(url(RoutingRule, "add"), rule_post(own, target="pool", pool=[theirs.pk]))
    in_their_brokerage = broker_client.post(url(RoutingRule, "add"), rule_post(other))

    assert "target_agent" in to_their_agent.context["adminform"].form.errors
    assert "pool" in to_their_pool.context["adminform"].form.errors
    assert "brokerage" in in_their_brokerage.context["adminform"].form.errors
    assert not RoutingRule.objects.exists()


def test_broker_sees_only_own_routing_rules(broker_client, own, other):
    mine = RoutingRuleFactory(brokerage=own)
    theirs = RoutingRuleFactory(brokerage=other)

    changelist = broker_client.get(url(RoutingRule, "changelist"))
    their_page = broker_client.get(url(RoutingRule, "change", theirs.pk))

    assert list(changelist.context["cl"].result_list) == [mine]
    assert their_page.status_code == 302


def test_broker_sets_sla_and_a_webhook_secret(broker_client, own):
    source = LeadSourceFactory(brokerage=own, webhook_secret="an-old-secret-of-20ch")
    data = {"brokerage": own.pk, "name": "Website", "slug": "website", "is_active": "on", "quality_points": "5"}

    too_short = broker_client.post(
        url(LeadSource, "change", source.pk), {**data, "webhook_secret": "short", "sla_minutes": "10"}
    )
    zero_sla = broker_client.post(
        url(LeadSource, "change", source.pk), {**data, "webhook_secret": "a-new-secret-0123456789", "sla_minutes": "0"}
    )
    source.refresh_from_db()
    unchanged = (source.webhook_secret, source.sla_minutes)
    saved = broker_client.post(
        url(LeadSource, "change", source.pk), {**data, "webhook_secret": "a-new-secret-0123456789", "sla_minutes": "10"}
    )

    assert "webhook_secret" in too_short.context["adminform"].form.errors
    assert "sla_minutes" in zero_sla.context["adminform"].form.errors
    assert unchanged == ("an-old-secret-of-20ch", 5)
    assert saved.status_code == 302
    source.refresh_from_db()
    assert (source.webhook_secret, source.sla_minutes) == ("a-new-secret-0123456789", 10)


def test_rotate_webhook_secret_action(broker_client, own, other):
    mine = LeadSourceFactory(brokerage=own, webhook_secret="x" * 20)
    theirs = LeadSourceFactory(brokerage=other, webhook_secret="y" * 20)

    response = broker_client.post(
        url(LeadSource, "changelist"),
        {"action": "rotate_webhook_secret", "_selected_action": [mine.pk, theirs.pk]},
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.webhook_secret != "x" * 20 and len(mine.webhook_secret) >= 40
    assert theirs.webhook_secret == "y" * 20


def test_contact_engine_fields_are_read_only(broker_client, own):
    contact = ContactFactory(brokerage=own)

    form = broker_client.get(url(Contact, "change", contact.pk)).context["adminform"].form

    engine = {"score_breakdown", "sla_due_at", "speed_to_lead_seconds", "first_contact_at", "follow_up_done_at"}
    assert engine.isdisjoint(form.fields)


@pytest.mark.parametrize("model", [RotationPointer, RoutingDecision, Enrollment])
def test_logs_are_read_only(broker_client, own, model):
    agent = AgentFactory(brokerage=own)
    contact = ContactFactory(brokerage=own, assigned_agent=agent)
    row = {
        RotationPointer: lambda: RotationPointer.objects.create(brokerage=own, key="default", counter=2),
        RoutingDecision: lambda: RoutingDecision.objects.create(contact=contact, agent=agent, reason="round robin"),
        Enrollment: lambda: Enrollment.objects.create(campaign=ensure_default_nurture(own), contact=contact),
    }[model]()

    page = broker_client.get(url(model, "change", row.pk))
    add = broker_client.get(url(model, "add"))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert add.status_code == 403


def test_stop_nurture_action_needs_change_permission_and_stops_enrollments(broker_client, own):
    contact = ContactFactory(brokerage=own)
    enrollment = Enrollment.objects.create(campaign=ensure_default_nurture(own), contact=contact)
    post = {"action": "stop_nurture", "_selected_action": [enrollment.pk]}

    broker_client.post(url(Enrollment, "changelist"), post)
    enrollment.refresh_from_db()
    assert enrollment.stopped_at is None  # view permission only: the action is not offered

    grant(contact.brokerage.users.get(role="broker"), "marketing.change_enrollment")
    response = broker_client.post(url(Enrollment, "changelist"), post)

    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.stop_reason, enrollment.stopped_at is not None) == ("manual", True)
