"""Agent CMA pages: list, new (422 on bad input), detail, htmx partials, scoping, deal panel."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from properties import cma_services, valuation_service
from properties.models import CMA
from tests.factories.core import AgentFactory, TeamFactory, make_broker
from tests.factories.leads import ContactFactory, make_client
from tests.properties.test_cma_market import SUBJECT, build_market

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2016, 7, 1)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def market():
    return build_market()


@pytest.fixture
def cma(agent, market):
    subject = valuation_service.subject_from_attributes({**SUBJECT, "unparsed_address": "77 Workspace Rd"})
    return cma_services.create_cma(agent=agent, subject=subject, as_of=AS_OF)


def test_the_list_shows_the_agents_cmas_and_the_nav_links_it(agent_client, cma):
    response = agent_client.get(reverse("app:cma_list"))

    assert response.status_code == 200
    assert b"77 Workspace Rd" in response.content
    assert b'href="/app/cmas/"' in response.content  # the "CMAs" nav entry


def test_the_list_makes_a_constant_number_of_queries(agent_client, agent, cma, django_assert_max_num_queries):
    for n in range(3):
        CMA.objects.create(
            brokerage=agent.brokerage, created_by=agent, subject={"display_address": f"{n} Copy St"},
            as_of=AS_OF, result=cma.result, estimate=cma.estimate, low=cma.low, high=cma.high,
        )  # fmt: skip

    with django_assert_max_num_queries(6):
        response = agent_client.get(reverse("app:cma_list"))

    assert response.content.count(b"Copy St") == 3


def test_new_from_a_listing_key_creates_and_redirects(agent_client, market):
    sale = market[-1]

    response = agent_client.post(
        reverse("app:cma_new"), {"listing_key": sale.listing_key, "as_of": "2016-07-01", "max_comps": "5"}
    )

    cma = CMA.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("app:cma_detail", args=[cma.pk])
    assert cma.subject_listing == sale
    assert cma.subject["listing_key"] == sale.listing_key
    assert sale.listing_key not in {c["listing_key"] for c in cma.result["comps"]}


def test_new_from_attributes_over_htmx_answers_a_redirect_header(agent_client, market):
    body = {k: SUBJECT[k] for k in ("latitude", "longitude", "living_area", "bedrooms_total", "year_built")}

    response = agent_client.post(
        reverse("app:cma_new"), {**body, "unparsed_address": "9 Form St", "as_of": "2016-07-01"}, **HTMX
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("app:cma_detail", args=[CMA.objects.get().pk])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"as_of": "2016-07-01"}, "latitude"),
        ({"listing_key": "NOPE", "as_of": "2016-07-01"}, "listing_key"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": -5, "as_of": "2016-07-01"}, "living_area"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": 1500, "as_of": "2001-01-01"}, "as_of"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": 1500, "as_of": "9999-12-31"}, "as_of"),
        ({"latitude": 47.68, "longitude": -122.3, "living_area": 2147483648, "as_of": "2016-07-01"}, "living_area"),
        (
            {
                "latitude": 47.68,
                "longitude": -122.3,
                "living_area": 1500,
                "lot_size_square_feet": 10**30,
                "as_of": "2016-07-01",
            },
            "lot_size_square_feet",
        ),
    ],
)
def test_new_with_bad_input_answers_422_and_creates_nothing(agent_client, market, body, field):
    response = agent_client.post(reverse("app:cma_new"), body)

    assert response.status_code == 422
    assert field in response.context["form"].errors or response.context["form"].non_field_errors()
    assert not CMA.objects.exists()


def test_the_new_form_defaults_to_the_day_after_the_newest_sale(agent_client, market):
    response = agent_client.get(reverse("app:cma_new"), {"listing_key": "MKT-3"})

    assert response.status_code == 200
    assert response.context["form"].initial["as_of"] == market[-1].close_date + datetime.timedelta(days=1)
    assert b'value="MKT-3"' in response.content


def test_detail_shows_range_plot_comps_and_history(agent_client, cma):
    response = agent_client.get(reverse("app:cma_detail", args=[cma.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert f"${cma.estimate:,.0f}" in content
    assert "<svg" in content and "Subject and comparable sales by location" in content
    for comp in cma.result["comps"]:
        assert comp["display_address"] in content
    assert "Version 1" in content


def test_removing_a_comp_over_htmx_swaps_the_workspace(agent_client, cma):
    key = cma.result["comps"][0]["listing_key"]

    response = agent_client.post(
        reverse("app:cma_comps", args=[cma.pk]), {"action": "remove", "listing_key": key}, **HTMX
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="workspace">')
    assert "<html" not in content
    cma.refresh_from_db()
    assert cma.version == 2 and key in cma.excluded_listing_keys


def test_adding_a_future_sale_answers_422_with_the_reason(agent_client, cma):
    from tests.factories.properties import ClosedSaleFactory

    ClosedSaleFactory(listing_key="FUTURE", close_date=AS_OF + datetime.timedelta(days=10))

    response = agent_client.post(
        reverse("app:cma_comps", args=[cma.pk]), {"action": "add", "listing_key": "FUTURE"}, **HTMX
    )

    assert response.status_code == 422
    assert b"on or after the CMA" in response.content
    assert CMA.objects.get(pk=cma.pk).version == 1


def test_overriding_an_adjustment_from_the_page(agent_client, cma):
    key = cma.result["comps"][0]["listing_key"]

    response = agent_client.post(
        reverse("app:cma_adjustment", args=[cma.pk]),
        {"listing_key": key, "adjustment": "age", "amount": "-2500"},
        **HTMX,
    )

    assert response.status_code == 200
    cma.refresh_from_db()
    assert cma.adjustment_overrides == {key: {"age": -2500.0}}


def test_the_recommendation_form_answers_422_on_a_bad_price(agent_client, cma):
    url = reverse("app:cma_recommendation", args=[cma.pk])

    bad = agent_client.post(url, {"price": "-1", "note": ""}, **HTMX)
    # Fits the form's 14 digits but not the column's 12 before the point: it saved, then every read failed.
    huge = agent_client.post(url, {"price": "9999999999999", "note": ""}, **HTMX)
    cma.refresh_from_db()
    assert cma.recommended_list_price is None and cma.version == 1
    good = agent_client.post(url, {"price": "710000", "note": "Matches the best comps."}, **HTMX)

    assert bad.status_code == 422 and huge.status_code == 422
    assert good.status_code == 200
    assert b'id="recommendation"' in good.content and b"<html" not in good.content
    cma.refresh_from_db()
    assert cma.recommended_list_price == Decimal("710000.00")


def test_sharing_with_the_seller_contact(agent_client, agent, cma):
    seller = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, contact_type="seller")
    make_client(seller)

    with mock.patch("properties.tasks.generate_cma_pdf.delay_on_commit"):
        response = agent_client.post(reverse("app:cma_share", args=[cma.pk]), {"contact": seller.pk}, **HTMX)

    assert response.status_code == 200
    cma.refresh_from_db()
    assert cma.status == CMA.Status.SHARED and cma.shared_with == seller.user


def test_sharing_with_another_agents_contact_is_422(agent_client, agent, cma):
    stranger = ContactFactory(brokerage=agent.brokerage, assigned_agent=AgentFactory(brokerage=agent.brokerage))
    make_client(stranger)

    response = agent_client.post(reverse("app:cma_share", args=[cma.pk]), {"contact": stranger.pk}, **HTMX)

    assert response.status_code == 422
    assert CMA.objects.get(pk=cma.pk).status == CMA.Status.DRAFT


def test_pdf_request_queues_the_task_and_download_serves_it(agent_client, cma, django_capture_on_commit_callbacks):
    url = reverse("app:cma_pdf", args=[cma.pk])
    assert agent_client.get(url).status_code == 404  # nothing generated yet

    with (
        mock.patch("realtor.pdf.render_pdf", return_value=b"%PDF-1.7 fake"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = agent_client.post(url, **HTMX)
    download = agent_client.get(url)

    assert response.status_code == 200
    assert len(callbacks) == 1
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.7 fake"
    assert download["Content-Disposition"].startswith("attachment")


def test_an_agent_of_another_brokerage_gets_404_everywhere(client, cma):
    outsider = AgentFactory()
    client.force_login(outsider.user)

    for name in ("app:cma_detail", "app:cma_pdf"):
        assert client.get(reverse(name, args=[cma.pk])).status_code == 404
    for name in ("app:cma_comps", "app:cma_recommendation", "app:cma_share", "app:cma_adjustment"):
        assert client.post(reverse(name, args=[cma.pk]), {"action": "remove", "listing_key": "x"}).status_code == 404
    assert client.get(reverse("app:cma_version", args=[cma.pk, 1])).status_code == 404
    assert b"77 Workspace Rd" not in client.get(reverse("app:cma_list")).content
    assert CMA.objects.get(pk=cma.pk).version == 1


def test_an_agent_of_the_same_brokerage_outside_the_team_gets_404(client, agent, cma):
    colleague = AgentFactory(brokerage=agent.brokerage)
    client.force_login(colleague.user)

    assert client.get(reverse("app:cma_detail", args=[cma.pk])).status_code == 404


def test_teammates_and_the_broker_can_open_it(client, agent, cma):
    team = TeamFactory(brokerage=agent.brokerage)
    agent.team = team
    agent.save()
    teammate = AgentFactory(brokerage=agent.brokerage, team=team)

    client.force_login(teammate.user)
    assert client.get(reverse("app:cma_detail", args=[cma.pk])).status_code == 200
    client.force_login(make_broker(agent.brokerage))
    assert client.get(reverse("app:cma_detail", args=[cma.pk])).status_code == 200


def test_clients_get_403(client, agent, cma):
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    client.force_login(make_client(contact))

    assert client.get(reverse("app:cma_list")).status_code == 403
    assert client.get(reverse("app:cma_detail", args=[cma.pk])).status_code == 403


def test_a_version_page_shows_the_old_state(agent_client, agent, cma):
    cma_services.set_cma_recommendation(cma=cma, actor=agent.user, price=Decimal("700000"))

    response = agent_client.get(reverse("app:cma_version", args=[cma.pk, 1]))

    assert response.status_code == 200
    assert b"Version 1 of the CMA" in response.content
    assert b"Recommended list price" not in response.content
