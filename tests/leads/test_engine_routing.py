"""Routing: rules in order, listing agent, round robin and weighted rotation, availability, fallback."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from leads import routing, services
from leads.models import Notification, RoutingDecision, RoutingRule
from realtor.models import User
from tests.factories.core import AgentFactory, TeamFactory, make_broker
from tests.factories.lead_engine import LeadSourceFactory, RoutingRuleFactory
from tests.factories.properties import ListingFactory


def capture(brokerage, **kwargs):
    source = LeadSourceFactory(brokerage=brokerage)
    data = services.LeadInput(email=kwargs.pop("email", "x@example.test"), **kwargs)
    return services.capture_lead(source=source, data=data)


@pytest.mark.django_db
def test_rules_apply_in_order_first_match_wins(brokerage):
    zip_agent, price_agent, other = (AgentFactory(brokerage=brokerage) for _ in range(3))
    RoutingRuleFactory(
        brokerage=brokerage,
        name="Luxury",
        order=1,
        price_min=Decimal("1000000"),
        target="agent",
        target_agent=price_agent,
    )
    RoutingRuleFactory(
        brokerage=brokerage, name="North", order=2, postal_codes=["98115"], target="agent", target_agent=zip_agent
    )
    luxury_north = capture(brokerage, email="a@x.test", postal_codes=["98115"], list_price_max=Decimal("1500000"))
    north = capture(brokerage, email="b@x.test", postal_codes=["98115"], list_price_max=Decimal("500000"))
    assert luxury_north.contact.assigned_agent == price_agent
    assert north.contact.assigned_agent == zip_agent
    assert luxury_north.decision.rule.name == "Luxury"
    assert luxury_north.decision.reason == "Rule 1 “Luxury” (matches price $1,500,000), assigned agent"
    assert north.decision.reason == "Rule 2 “North” (matches ZIP 98115), assigned agent"
    assert other.contacts.count() == 0


@pytest.mark.django_db
def test_rule_with_no_available_agent_falls_through_to_next(brokerage):
    paused = AgentFactory(brokerage=brokerage, is_paused=True)
    backup = AgentFactory(brokerage=brokerage)
    source = LeadSourceFactory(brokerage=brokerage)
    RoutingRuleFactory(brokerage=brokerage, name="Website", order=1, source=source, target="agent", target_agent=paused)
    RoutingRuleFactory(brokerage=brokerage, name="Backup", order=2, target="agent", target_agent=backup)
    result = capture(brokerage)
    assert result.contact.assigned_agent == backup
    assert result.decision.reason == (
        "rule “Website” had no available agent; Rule 2 “Backup” (matches every lead), assigned agent"
    )


@pytest.mark.django_db
def test_listing_agent_gets_inquiries_on_their_listing(brokerage):
    AgentFactory(brokerage=brokerage)
    list_agent = AgentFactory(brokerage=brokerage)
    listing = ListingFactory(list_agent=list_agent)
    RoutingRuleFactory(brokerage=brokerage, order=1)
    result = capture(brokerage, listing_key=listing.listing_key)
    assert result.contact.assigned_agent == list_agent
    assert result.decision.rule is None
    assert result.decision.reason == f"Listing agent of {listing.display_address}"


@pytest.mark.django_db
def test_round_robin_alternates_and_skips_unavailable(brokerage):
    a, b = AgentFactory(brokerage=brokerage), AgentFactory(brokerage=brokerage)
    AgentFactory(brokerage=brokerage, is_active=False)
    AgentFactory(brokerage=brokerage, is_paused=True)
    RoutingRuleFactory(brokerage=brokerage, order=1, strategy="round_robin")
    assigned = [capture(brokerage, email=f"rr{i}@x.test").contact.assigned_agent for i in range(4)]
    assert assigned == [a, b, a, b]


@pytest.mark.django_db
def test_weighted_rotation_follows_routing_weight(brokerage):
    heavy = AgentFactory(brokerage=brokerage, routing_weight=3)
    light = AgentFactory(brokerage=brokerage, routing_weight=1)
    team = TeamFactory(brokerage=brokerage)
    heavy.team = light.team = team
    heavy.save()
    light.save()
    RoutingRuleFactory(brokerage=brokerage, order=1, target="team", target_team=team, strategy="weighted")
    assigned = [capture(brokerage, email=f"w{i}@x.test").contact.assigned_agent for i in range(8)]
    assert assigned.count(heavy) == 6 and assigned.count(light) == 2


def test_weighted_sequence_is_smooth():
    assert routing.weighted_sequence([(1, 5), (2, 1), (3, 1)]) == [1, 1, 2, 1, 3, 1, 1]
    assert routing.weighted_sequence([(1, 1), (2, 1), (3, 0)]) == [1, 2]
    assert routing.pick_rotation([], counter=3, weighted=True) is None


def test_working_hours_in_the_agents_time_zone():
    agent = routing.Candidate(1, work_start=dt.time(9), work_end=dt.time(17), time_zone="America/New_York")
    assert routing.is_available(agent, now=dt.datetime(2026, 6, 1, 14, tzinfo=dt.UTC))  # 10:00 in New York
    assert not routing.is_available(agent, now=dt.datetime(2026, 6, 1, 22, tzinfo=dt.UTC))  # 18:00
    night = routing.Candidate(2, work_start=dt.time(22), work_end=dt.time(6), time_zone="UTC")
    assert routing.is_available(night, now=dt.datetime(2026, 6, 1, 23, tzinfo=dt.UTC))
    assert not routing.is_available(night, now=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_agent_off_hours_is_skipped(brokerage):
    now = timezone.now()
    local_hour = timezone.localtime(now, timezone=dt.UTC).hour
    off = AgentFactory(
        brokerage=brokerage,
        time_zone="UTC",
        work_start=dt.time((local_hour + 2) % 24),
        work_end=dt.time((local_hour + 3) % 24),
    )
    on = AgentFactory(brokerage=brokerage)
    assigned = {capture(brokerage, email=f"h{i}@x.test").contact.assigned_agent for i in range(3)}
    assert assigned == {on}
    assert off.contacts.count() == 0


@pytest.mark.django_db
def test_nobody_available_leaves_the_lead_with_the_broker(brokerage):
    broker = make_broker(brokerage)
    AgentFactory(brokerage=brokerage, is_paused=True)
    result = capture(brokerage)
    assert result.contact.assigned_agent is None
    assert result.contact.sla_due_at is None
    assert result.decision.reason == "No agent available: held by the broker"
    assert Notification.objects.get().recipient == broker


@pytest.mark.django_db
def test_agents_of_other_brokerages_are_never_candidates(brokerage):
    from tests.factories.core import BrokerageFactory

    outsider = AgentFactory(brokerage=BrokerageFactory())
    RoutingRuleFactory(brokerage=brokerage, order=1, target="pool")
    RoutingRule.objects.get().pool.add(outsider)
    result = capture(brokerage)
    assert result.contact.assigned_agent is None
    assert User.objects.filter(role="broker").count() == 0


@pytest.mark.django_db(transaction=True)
def test_rotation_pointer_is_locked_and_advanced_once_per_lead(brokerage):
    a, b = AgentFactory(brokerage=brokerage), AgentFactory(brokerage=brokerage)
    for i in range(3):
        with transaction.atomic():
            capture(brokerage, email=f"t{i}@x.test")
    from leads.models import RotationPointer

    assert RotationPointer.objects.get(key="default").counter == 3
    assert list(RoutingDecision.objects.order_by("id").values_list("agent_id", flat=True)) == [a.pk, b.pk, a.pk]
