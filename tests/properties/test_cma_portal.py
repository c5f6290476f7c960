"""The seller's "My home's value" portal page: value, comps, trend, and only SHARED CMAs."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from properties import cma_services, valuation_service
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ListingFactory
from tests.properties.test_cma_market import SUBJECT, build_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(db):
    build_market()
    return ListingFactory(
        listing_key="HOME-1", unparsed_address="12 Seller Ln", latitude=SUBJECT["latitude"],
        longitude=SUBJECT["longitude"], postal_code="98115", list_price=None, standard_status="ComingSoon",
    )  # fmt: skip


@pytest.fixture
def seller(agent, home):
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, contact_type="seller", home_listing=home)
    make_client(contact)
    return contact


def _cma(agent, home, address):
    subject = {**valuation_service.subject_from_listing(home), "display_address": address}
    return cma_services.create_cma(agent=agent, subject=subject, subject_listing=home, as_of=datetime.date(2016, 7, 1))


def test_the_seller_sees_the_value_range_comps_and_trend(client, seller):
    client.force_login(seller.user)

    response = client.get(reverse("portal:valuation"))

    assert response.status_code == 200
    assert response.context["result"]["estimate"] > 0
    content = response.content.decode()
    assert "12 Seller Ln" in content
    assert "Median sale price by month" in content  # the trend chart
    for comp in response.context["comps"]:
        assert comp["display_address"] in content
    assert b'href="/portal/my-home/value/"' in response.content  # nav entry


def test_the_seller_sees_shared_cmas_and_never_drafts(client, agent, seller, home):
    shared = _cma(agent, home, "SHARED CMA ADDRESS")
    _cma(agent, home, "DRAFT CMA ADDRESS")
    with mock.patch("properties.tasks.generate_cma_pdf.delay_on_commit"):
        cma_services.share_cma(cma=shared, actor=agent.user, recipient=seller.user)
    client.force_login(seller.user)

    response = client.get(reverse("portal:valuation"))

    assert [c.pk for c in response.context["shared_cmas"]] == [shared.pk]
    assert b"SHARED CMA ADDRESS" in response.content
    assert b"DRAFT CMA ADDRESS" not in response.content
    assert client.get(reverse("portal:valuation_cma", args=[shared.pk])).status_code == 200


def test_a_draft_cma_page_is_404_for_the_seller(client, agent, seller, home):
    draft = _cma(agent, home, "Draft")
    client.force_login(seller.user)

    assert client.get(reverse("portal:valuation_cma", args=[draft.pk])).status_code == 404
    assert client.get(reverse("portal:valuation_cma_pdf", args=[draft.pk])).status_code == 404


def test_an_unshared_cma_disappears(client, agent, seller, home):
    cma = _cma(agent, home, "Was shared")
    with mock.patch("properties.tasks.generate_cma_pdf.delay_on_commit"):
        cma_services.share_cma(cma=cma, actor=agent.user, recipient=seller.user)
    cma_services.unshare_cma(cma=cma, actor=agent.user)
    client.force_login(seller.user)

    assert client.get(reverse("portal:valuation")).context["shared_cmas"] == []
    assert client.get(reverse("portal:valuation_cma", args=[cma.pk])).status_code == 404


def test_another_client_cannot_open_the_sellers_cma(client, agent, seller, home):
    cma = _cma(agent, home, "Private")
    with mock.patch("properties.tasks.generate_cma_pdf.delay_on_commit"):
        cma_services.share_cma(cma=cma, actor=agent.user, recipient=seller.user)
    other = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    client.force_login(make_client(other))

    assert client.get(reverse("portal:valuation_cma", args=[cma.pk])).status_code == 404
    assert b"Private" not in client.get(reverse("portal:valuation")).content


def test_the_seller_downloads_the_shared_pdf(client, agent, seller, home, django_capture_on_commit_callbacks):
    cma = _cma(agent, home, "With PDF")
    with (
        mock.patch("realtor.pdf.render_pdf", return_value=b"%PDF-1.7 shared"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        cma_services.share_cma(cma=cma, actor=agent.user, recipient=seller.user)
    client.force_login(seller.user)

    response = client.get(reverse("portal:valuation_cma_pdf", args=[cma.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 shared"


def test_a_buyer_without_a_home_sees_an_explanation(client, agent):
    buyer = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    client.force_login(make_client(buyer))

    response = client.get(reverse("portal:valuation"))

    assert response.status_code == 200
    assert b"has not linked your home yet" in response.content


def test_agents_are_refused_by_the_portal(agent_client):
    assert agent_client.get(reverse("portal:valuation")).status_code == 403
