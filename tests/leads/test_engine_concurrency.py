"""Captures racing each other: rotation turns stay consecutive, a person never becomes two contacts.

A new lead is scored and routed before its transaction opens (its rotation turn is one
``UPDATE … RETURNING``), then re-checked for a duplicate under advisory locks. These tests
run captures outside any test transaction, in real threads with their own connections.
"""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from leads import services
from leads.models import Activity, Contact, RotationPointer, RoutingDecision
from tests.factories.core import AgentFactory
from tests.factories.lead_engine import LeadSourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _capture(source, email, **kwargs):
    return services.capture_lead(source=source, data=services.LeadInput(email=email, **kwargs))


def _race(n, work):
    """Run ``work(i)`` in ``n`` threads released together; re-raise the first error."""
    barrier, errors = threading.Barrier(n), []

    def run(i):
        try:
            barrier.wait(timeout=10)
            work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise errors[0]


def test_sequential_captures_outside_a_transaction_take_consecutive_turns(brokerage):
    a, b = AgentFactory(brokerage=brokerage), AgentFactory(brokerage=brokerage)
    source = LeadSourceFactory(brokerage=brokerage)
    for i in range(3):
        _capture(source, f"s{i}@x.test")
    assert RotationPointer.objects.get(key="default").counter == 3
    assert list(RoutingDecision.objects.order_by("id").values_list("agent_id", flat=True)) == [a.pk, b.pk, a.pk]
    assert list(Contact.objects.order_by("id").values_list("assigned_agent_id", flat=True)) == [a.pk, b.pk, a.pk]


def test_a_repeat_inquiry_takes_no_rotation_turn(brokerage):
    AgentFactory(brokerage=brokerage), AgentFactory(brokerage=brokerage)
    source = LeadSourceFactory(brokerage=brokerage)
    first = _capture(source, "same@x.test")
    again = _capture(source, "Same@X.test", message="Still available?")
    assert again.contact.pk == first.contact.pk and not again.created
    assert RotationPointer.objects.get(key="default").counter == 1
    assert RoutingDecision.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_new_leads_share_the_rotation_evenly(brokerage):
    agents = [AgentFactory(brokerage=brokerage) for _ in range(3)]
    source = LeadSourceFactory(brokerage=brokerage)
    _race(12, lambda i: _capture(source, f"c{i}@x.test"))
    assert Contact.objects.count() == 12
    assert RotationPointer.objects.get(key="default").counter == 12
    per_agent = Counter(Contact.objects.values_list("assigned_agent_id", flat=True))
    assert per_agent == {agent.pk: 4 for agent in agents}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_inquiries_from_one_person_make_one_contact(brokerage):
    agent = AgentFactory(brokerage=brokerage)
    source = LeadSourceFactory(brokerage=brokerage)
    _race(6, lambda i: _capture(source, "twin@x.test" if i % 2 else "TWIN@x.test", message=f"Question {i}"))
    contact = Contact.objects.get()
    assert contact.assigned_agent_id == agent.pk
    assert Activity.objects.filter(contact=contact, kind=Activity.Kind.INQUIRY).count() == 6
    assert RoutingDecision.objects.filter(contact=contact).count() == 1
