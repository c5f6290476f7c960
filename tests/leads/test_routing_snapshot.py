"""The routing snapshot: agents and rules read once per lifetime, dropped when they change."""

import pytest
from django.db import transaction

from leads import routing_snapshot, services
from tests.factories.core import AgentFactory, BrokerageFactory
from tests.factories.lead_engine import LeadSourceFactory, RoutingRuleFactory

# Snapshots are kept only outside a transaction: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def office():
    brokerage = BrokerageFactory()
    agents = [AgentFactory(brokerage=brokerage) for _ in range(2)]
    rule = RoutingRuleFactory(brokerage=brokerage, order=1, target="pool")
    rule.pool.set(agents)
    return brokerage, agents, rule


def capture(brokerage, email):
    source = LeadSourceFactory(brokerage=brokerage)
    return services.capture_lead(source=source, data=services.LeadInput(email=email))


def test_a_fresh_snapshot_is_read_once(office, django_assert_num_queries):
    brokerage, agents, rule = office
    with django_assert_num_queries(3):  # agents with users, rules, the pool rule's members
        first = routing_snapshot.routing_snapshot(brokerage.pk)
    with django_assert_num_queries(0):
        again = routing_snapshot.routing_snapshot(brokerage.pk)
    assert again is first
    assert [a.pk for a in first.agents] == sorted(a.pk for a in agents)
    assert [r.pk for r in first.rules] == [rule.pk]
    assert first.pools == {rule.pk: frozenset(a.pk for a in agents)}


def test_pausing_an_agent_drops_the_snapshot_at_once(office):
    brokerage, (first, second), _rule = office
    routing_snapshot.routing_snapshot(brokerage.pk)
    first.is_paused = True
    first.save()
    leads = [capture(brokerage, f"p{i}@example.test").contact for i in range(3)]
    assert [c.assigned_agent_id for c in leads] == [second.pk] * 3


def test_a_pool_change_drops_the_snapshot(office):
    brokerage, (first, second), rule = office
    routing_snapshot.routing_snapshot(brokerage.pk)
    rule.pool.remove(second)
    assert routing_snapshot.routing_snapshot(brokerage.pk).pools == {rule.pk: frozenset({first.pk})}
    assert capture(brokerage, "pool@example.test").contact.assigned_agent_id == first.pk


def test_a_change_that_skips_signals_is_seen_after_the_lifetime(office, monkeypatch):
    """``QuerySet.update`` sends no signal (as another process's change would not reach this one)."""
    brokerage, (first, second), _rule = office
    clock = [1000.0]
    monkeypatch.setattr(routing_snapshot.time, "monotonic", lambda: clock[0])
    routing_snapshot.routing_snapshot(brokerage.pk)
    type(first).objects.filter(pk=first.pk).update(is_paused=True)
    stale = routing_snapshot.routing_snapshot(brokerage.pk)
    assert next(a for a in stale.agents if a.pk == first.pk).is_paused is False
    clock[0] += routing_snapshot.snapshot_seconds()
    fresh = routing_snapshot.routing_snapshot(brokerage.pk)
    assert next(a for a in fresh.agents if a.pk == first.pk).is_paused is True


def test_a_snapshot_read_inside_a_transaction_is_not_kept(office, django_assert_num_queries):
    brokerage, _agents, _rule = office
    with transaction.atomic():
        routing_snapshot.routing_snapshot(brokerage.pk)
    assert routing_snapshot._snapshots == {}
    with django_assert_num_queries(3):
        routing_snapshot.routing_snapshot(brokerage.pk)


def test_lifetime_zero_reads_for_every_lead(office, settings, django_assert_num_queries):
    settings.LEADS_ROUTING_SNAPSHOT_SECONDS = 0
    brokerage, _agents, _rule = office
    routing_snapshot.routing_snapshot(brokerage.pk)
    with django_assert_num_queries(3):
        routing_snapshot.routing_snapshot(brokerage.pk)


def test_the_routed_agent_is_the_callers_own_copy(office):
    brokerage, _agents, _rule = office
    contact = capture(brokerage, "copy@example.test").contact
    contact.assigned_agent.routing_weight = 99
    contact.assigned_agent.user.first_name = "Changed"
    shared = next(
        a for a in routing_snapshot.routing_snapshot(brokerage.pk).agents if a.pk == contact.assigned_agent_id
    )
    assert shared.routing_weight != 99
    assert shared.user.first_name != "Changed"
