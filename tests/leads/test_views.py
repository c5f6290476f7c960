"""Agent-portal lead pages: list, create, detail, edit, add activity; scoping and errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads.models import Activity, Contact
from realtor.models import AuditLog
from tests.factories.core import AgentFactory, BrokerageFactory, TeamFactory, make_broker
from tests.factories.leads import ContactFactory, make_client

pytestmark = pytest.mark.django_db

LIST_URL = reverse("app:lead_list")
CREATE_URL = reverse("app:lead_create")


def names(response) -> set[str]:
    return {c.full_name for c in response.context["page"].object_list}


def lead_of(agent, **kwargs) -> Contact:
    return ContactFactory(brokerage=agent.brokerage, assigned_agent=agent, **kwargs)


@pytest.fixture
def outsider(db):
    """An agent of another brokerage."""
    return AgentFactory(brokerage=BrokerageFactory())


# --- list -----------------------------------------------------------------------------------


def test_list_shows_only_leads_the_agent_may_see(agent_client, agent, outsider):
    mine = lead_of(agent, first_name="Mina", last_name="Mine")
    colleague = AgentFactory(brokerage=agent.brokerage)
    lead_of(colleague, first_name="Carl", last_name="Colleague")
    lead_of(outsider, first_name="Otto", last_name="Other")

    response = agent_client.get(LIST_URL)

    assert response.status_code == 200
    assert names(response) == {mine.full_name}
    html = response.content.decode()
    assert "Mina Mine" in html
    assert "Carl Colleague" not in html
    assert "Otto Other" not in html


def test_team_members_see_each_others_leads_and_brokers_see_the_brokerage(client, agent, outsider):
    team = TeamFactory(brokerage=agent.brokerage)
    agent.team = team
    agent.save()
    teammate = AgentFactory(brokerage=agent.brokerage, team=team)
    own = lead_of(agent)
    shared = lead_of(teammate)
    unassigned = ContactFactory(brokerage=agent.brokerage)
    lead_of(outsider)

    client.force_login(agent.user)
    assert names(client.get(LIST_URL)) == {own.full_name, shared.full_name}
    client.force_login(make_broker(agent.brokerage))
    assert names(client.get(LIST_URL)) == {own.full_name, shared.full_name, unassigned.full_name}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ada", {"Ada Lovelace"}),
        ("LOVELACE", {"Ada Lovelace"}),
        ("grace@navy", {"Grace Hopper"}),
        ("555-0199", {"Grace Hopper"}),
        ("ada lovelace", {"Ada Lovelace"}),
    ],
)
def test_search_by_name_email_or_phone(agent_client, agent, q, expected):
    lead_of(agent, first_name="Ada", last_name="Lovelace", email="ada@example.test", phone="206-555-0100")
    lead_of(agent, first_name="Grace", last_name="Hopper", email="grace@navy.example", phone="(206) 555-0199")

    assert names(agent_client.get(LIST_URL, {"q": q})) == expected


def test_filter_by_stage_and_type(agent_client, agent):
    lead_of(agent, first_name="New", last_name="Buyer", stage="new", contact_type="buyer")
    wanted = lead_of(agent, first_name="Active", last_name="Seller", stage="active", contact_type="seller")
    lead_of(agent, first_name="Active", last_name="Buyer", stage="active", contact_type="buyer")

    response = agent_client.get(LIST_URL, {"stage": "active", "contact_type": "seller"})

    assert names(response) == {wanted.full_name}


def test_invalid_filter_answers_422_and_lists_nothing(agent_client, agent):
    lead_of(agent)

    response = agent_client.get(LIST_URL, {"stage": "bogus"}, headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert list(response.context["page"].object_list) == []
    assert 'role="alert"' in response.content.decode()


def test_htmx_request_returns_the_results_fragment(agent_client, agent):
    lead_of(agent, first_name="Frag", last_name="Ment")

    response = agent_client.get(LIST_URL, {"q": "frag"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<nav" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert "<table" in html
    assert "Frag Ment" in html
    assert "HX-Request" in response["Vary"]


def test_list_paginates_25_per_page(agent_client, agent):
    ContactFactory.create_batch(27, brokerage=agent.brokerage, assigned_agent=agent)

    first = agent_client.get(LIST_URL)
    second = agent_client.get(LIST_URL, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2
    assert "27 leads" in first.content.decode()


def test_list_query_count_is_constant(agent_client, agent, django_assert_max_num_queries):
    ContactFactory.create_batch(3, brokerage=agent.brokerage, assigned_agent=agent)
    with CaptureQueriesContext(connection) as few:
        agent_client.get(LIST_URL)
    other_agent = AgentFactory(brokerage=agent.brokerage)
    team = TeamFactory(brokerage=agent.brokerage)
    agent.team = team
    agent.save()
    other_agent.team = team
    other_agent.save()
    ContactFactory.create_batch(40, brokerage=agent.brokerage, assigned_agent=other_agent)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get(LIST_URL)

    assert len(response.context["page"].object_list) == 25


def test_clients_get_403_on_every_agent_page(client, agent):
    contact = lead_of(agent)
    client.force_login(make_client(ContactFactory(brokerage=agent.brokerage)))

    for url in (
        reverse("app:dashboard"),
        LIST_URL,
        CREATE_URL,
        reverse("app:lead_detail", args=[contact.pk]),
        reverse("app:lead_edit", args=[contact.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("app:lead_add_activity", args=[contact.pk]), {"kind": "call"})
    assert response.status_code == 403
    assert Activity.objects.count() == 0


# --- create ---------------------------------------------------------------------------------


def test_create_lead_assigns_it_to_the_agent_and_redirects_to_it(agent_client, agent):
    response = agent_client.post(
        CREATE_URL,
        {
            "first_name": "Nora",
            "last_name": "New",
            "email": "nora@example.test",
            "phone": "",
            "contact_type": "buyer",
            "stage": "new",
            "timeline": "0-3",
            "pre_approved": "true",
            "notes": "Met at the open house.",
            "assigned_agent": "",
        },
    )

    contact = Contact.objects.get(email="nora@example.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("app:lead_detail", args=[contact.pk])
    assert contact.brokerage_id == agent.brokerage_id
    assert contact.assigned_agent_id == agent.pk
    assert contact.pre_approved is True
    assert contact.timeline == "0-3"
    assert AuditLog.objects.filter(action="contact.create", object_id=str(contact.pk)).count() == 1


def test_create_form_offers_only_active_agents_of_the_brokerage(agent_client, agent, outsider):
    inactive = AgentFactory(brokerage=agent.brokerage, is_active=False)
    colleague = AgentFactory(brokerage=agent.brokerage)

    response = agent_client.get(CREATE_URL)

    offered = set(response.context["form"].fields["assigned_agent"].queryset)
    assert offered == {agent, colleague}
    assert inactive not in offered
    assert outsider not in offered
    assert response.context["form"].initial["assigned_agent"] == agent.pk


def test_create_without_email_or_phone_is_422_and_creates_nothing(agent_client):
    response = agent_client.post(
        CREATE_URL, {"first_name": "No", "last_name": "Way", "contact_type": "buyer", "stage": "new"}
    )

    assert response.status_code == 422
    assert Contact.objects.count() == 0
    assert response.context["form"].errors["email"] == ["Email or phone is required."]
    assert "Email or phone is required." in response.content.decode()


def test_create_with_invalid_email_is_422_and_creates_nothing(agent_client):
    response = agent_client.post(CREATE_URL, {"email": "not-an-email", "contact_type": "buyer", "stage": "new"})

    assert response.status_code == 422
    assert Contact.objects.count() == 0
    assert "email" in response.context["form"].errors


def test_create_assigned_to_another_brokerages_agent_is_422(agent_client, outsider):
    response = agent_client.post(
        CREATE_URL,
        {"email": "x@example.test", "contact_type": "buyer", "stage": "new", "assigned_agent": outsider.pk},
    )

    assert response.status_code == 422
    assert Contact.objects.count() == 0
    assert "assigned_agent" in response.context["form"].errors


# --- detail, edit ---------------------------------------------------------------------------


def test_detail_shows_facts_and_timeline(agent_client, agent):
    contact = lead_of(agent, first_name="Tim", last_name="Line", email="tim@example.test")
    Activity.objects.create(contact=contact, agent=agent, kind="note", body="Wants a yard.")

    response = agent_client.get(reverse("app:lead_detail", args=[contact.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Tim Line" in html
    assert 'href="mailto:tim@example.test"' in html
    assert "Wants a yard." in html
    assert 'id="timeline"' in html
    assert 'id="follow-up-queue"' not in html


def test_other_brokerage_agent_gets_404_and_changes_nothing(client, agent, outsider):
    contact = lead_of(agent, first_name="Safe", last_name="Lead", email="safe@example.test")
    client.force_login(outsider.user)

    assert client.get(reverse("app:lead_detail", args=[contact.pk])).status_code == 404
    assert client.get(reverse("app:lead_edit", args=[contact.pk])).status_code == 404
    edit = client.post(
        reverse("app:lead_edit", args=[contact.pk]),
        {"first_name": "Stolen", "email": "thief@example.test", "contact_type": "buyer", "stage": "lost"},
    )
    activity = client.post(reverse("app:lead_add_activity", args=[contact.pk]), {"kind": "call", "body": "hi"})

    assert edit.status_code == 404
    assert activity.status_code == 404
    contact.refresh_from_db()
    assert (contact.first_name, contact.email, contact.stage) == ("Safe", "safe@example.test", "new")
    assert contact.first_contact_at is None
    assert Activity.objects.count() == 0
    assert AuditLog.objects.filter(object_id=str(contact.pk)).count() == 0


def test_same_brokerage_agent_outside_the_team_gets_404(client, agent):
    contact = lead_of(agent)
    client.force_login(AgentFactory(brokerage=agent.brokerage).user)

    assert client.get(reverse("app:lead_detail", args=[contact.pk])).status_code == 404


def test_edit_saves_changes_and_redirects(agent_client, agent):
    contact = lead_of(agent, first_name="Ed", last_name="It", email="ed@example.test", stage="new")

    response = agent_client.post(
        reverse("app:lead_edit", args=[contact.pk]),
        {
            "first_name": "Edwin",
            "last_name": "It",
            "email": "ed@example.test",
            "phone": "",
            "contact_type": "both",
            "stage": "nurturing",
            "timeline": "",
            "pre_approved": "unknown",
            "notes": "",
            "assigned_agent": agent.pk,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("app:lead_detail", args=[contact.pk])
    contact.refresh_from_db()
    assert (contact.first_name, contact.contact_type, contact.stage) == ("Edwin", "both", "nurturing")
    assert AuditLog.objects.filter(action="contact.update", object_id=str(contact.pk)).count() == 1


def test_edit_removing_email_and_phone_is_422_and_changes_nothing(agent_client, agent):
    contact = lead_of(agent, first_name="Keep", email="keep@example.test", phone="")

    response = agent_client.post(
        reverse("app:lead_edit", args=[contact.pk]),
        {
            "first_name": "Changed",
            "email": "",
            "phone": "",
            "contact_type": "buyer",
            "stage": "new",
            "assigned_agent": agent.pk,
        },
    )

    assert response.status_code == 422
    assert "Email or phone is required." in response.content.decode()
    assert "<h1>Edit Keep " in response.content.decode()  # the header shows the saved name
    contact.refresh_from_db()
    assert (contact.first_name, contact.email) == ("Keep", "keep@example.test")


def test_reassigning_to_an_agent_outside_ones_view_goes_back_to_the_list(agent_client, agent):
    contact = lead_of(agent, email="hand@example.test")
    colleague = AgentFactory(brokerage=agent.brokerage)

    response = agent_client.post(
        reverse("app:lead_edit", args=[contact.pk]),
        {"email": "hand@example.test", "contact_type": "buyer", "stage": "new", "assigned_agent": colleague.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    contact.refresh_from_db()
    assert contact.assigned_agent_id == colleague.pk


# --- add activity ---------------------------------------------------------------------------


def test_add_activity_via_htmx_returns_timeline_and_marks_first_contact(agent_client, agent):
    contact = lead_of(agent, stage="new")
    assert contact.first_contact_at is None

    response = agent_client.post(
        reverse("app:lead_add_activity", args=[contact.pk]),
        {"kind": "call", "body": "Left a voicemail about 98115."},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="timeline"')
    assert "Left a voicemail about 98115." in html
    assert "<nav" not in html
    assert 'id="lead-facts" class="card" aria-labelledby="facts-heading" hx-swap-oob="true"' in html
    contact.refresh_from_db()
    assert contact.first_contact_at is not None
    assert contact.stage == "contacted"
    activity = Activity.objects.get(contact=contact)
    assert (activity.kind, activity.agent_id) == ("call", agent.pk)


def test_a_note_does_not_count_as_first_contact(agent_client, agent):
    contact = lead_of(agent)

    agent_client.post(reverse("app:lead_add_activity", args=[contact.pk]), {"kind": "note", "body": "Research"})

    contact.refresh_from_db()
    assert contact.first_contact_at is None
    assert Activity.objects.filter(contact=contact, kind="note").count() == 1


def test_add_activity_without_htmx_redirects_to_the_lead(agent_client, agent):
    contact = lead_of(agent)

    response = agent_client.post(reverse("app:lead_add_activity", args=[contact.pk]), {"kind": "email"})

    assert response.status_code == 302
    assert response["Location"] == reverse("app:lead_detail", args=[contact.pk])
    assert Activity.objects.filter(contact=contact, kind="email").count() == 1


@pytest.mark.parametrize("kind", ["", "system", "fax"])
def test_add_activity_with_invalid_kind_is_422_and_logs_nothing(agent_client, agent, kind):
    contact = lead_of(agent)

    response = agent_client.post(
        reverse("app:lead_add_activity", args=[contact.pk]), {"kind": kind}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert 'id="id_kind_error"' in response.content.decode()
    assert Activity.objects.count() == 0
    contact.refresh_from_db()
    assert contact.first_contact_at is None


def test_add_activity_only_accepts_post(agent_client, agent):
    contact = lead_of(agent)

    assert agent_client.get(reverse("app:lead_add_activity", args=[contact.pk])).status_code == 405
