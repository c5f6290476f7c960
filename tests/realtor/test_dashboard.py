"""The agent dashboard at /app/: counts, newest leads, the follow-up queue, access."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories.core import AgentFactory, BrokerageFactory, make_broker
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ClosedSaleFactory, ListingFactory

pytestmark = pytest.mark.django_db

URL = reverse("app:dashboard")


@pytest.fixture
def book(agent):
    """Leads and listings around ``agent``: 2 own leads (1 this week), a colleague's, an outsider's."""
    now = timezone.now()
    colleague = AgentFactory(brokerage=agent.brokerage)
    outsider = AgentFactory(brokerage=BrokerageFactory())
    ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, first_name="Fresh", last_name="Lead")
    ContactFactory(
        brokerage=agent.brokerage,
        assigned_agent=agent,
        first_name="Older",
        last_name="Lead",
        created_at=now - datetime.timedelta(days=10),
    )
    ContactFactory(brokerage=agent.brokerage, assigned_agent=colleague, first_name="Colleague", last_name="Lead")
    ContactFactory(brokerage=outsider.brokerage, assigned_agent=outsider, first_name="Outside", last_name="Lead")
    ListingFactory(list_agent=agent)
    ListingFactory.create_batch(2, list_agent=colleague)
    ListingFactory(standard_status="Pending")
    ClosedSaleFactory.create_batch(3)
    ClosedSaleFactory(list_agent=agent)
    return {"colleague": colleague, "outsider": outsider}


def test_agent_dashboard_counts_and_newest_leads(agent_client, book):
    response = agent_client.get(URL)

    assert response.status_code == 200
    assert response.context["lead_counts"] == {"mine": 2, "new_this_week": 1}
    assert response.context["listing_counts"] == {"active": 3, "closed": 4, "my_active": 1}
    assert [c.full_name for c in response.context["newest_leads"]] == ["Fresh Lead", "Older Lead"]
    html = response.content.decode()
    assert "My leads" in html
    assert "My active listings" in html
    assert "Active listings on the market" in html
    assert "Closed sales on file" in html
    assert "Colleague Lead" not in html
    assert "Outside Lead" not in html


def test_dashboard_shows_an_empty_follow_up_queue_without_fake_data(agent_client):
    response = agent_client.get(URL)
    html = response.content.decode()

    assert 'id="follow-up-queue"' in html
    assert response.context["queue"] == []
    assert "Nothing to follow up right now." in html


def test_broker_sees_the_brokerages_leads(client, agent, book):
    broker = make_broker(agent.brokerage)
    client.force_login(broker)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["lead_counts"] == {"mine": 3, "new_this_week": 2}
    assert {c.full_name for c in response.context["newest_leads"]} == {"Fresh Lead", "Older Lead", "Colleague Lead"}
    html = response.content.decode()
    assert "Brokerage leads" in html
    assert "My active listings" not in html


def test_dashboard_links_to_the_sections(agent_client):
    html = agent_client.get(URL).content.decode()

    assert f'href="{reverse("app:listing_list")}"' in html
    assert f'href="{reverse("app:lead_list")}"' in html


def test_client_gets_403_and_anonymous_is_sent_to_login(client):
    client.force_login(make_client(ContactFactory()))
    assert client.get(URL).status_code == 403

    client.logout()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_home_sends_agents_to_the_dashboard_and_clients_to_the_portal(client, agent):
    client.force_login(agent.user)
    assert client.get("/")["Location"] == URL

    client.force_login(make_client(ContactFactory()))
    assert client.get("/")["Location"] == reverse("portal:home")
