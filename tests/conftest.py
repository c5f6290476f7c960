import pytest

from tests.factories.core import AgentFactory, BrokerageFactory, make_broker


@pytest.fixture
def brokerage(db):
    return BrokerageFactory()


@pytest.fixture
def agent(brokerage):
    return AgentFactory(brokerage=brokerage)


@pytest.fixture
def broker(brokerage):
    return make_broker(brokerage)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
