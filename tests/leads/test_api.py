"""/api/v1/leads/ (contacts) and /api/v1/leads/{id}/activities/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from leads.models import Activity, Contact
from realtor.models import AuditLog
from tests.factories.core import AgentFactory, BrokerageFactory, TeamFactory
from tests.factories.leads import ContactFactory, make_client

LIST_URL = "/api/v1/leads/"

pytestmark = pytest.mark.django_db


def detail_url(pk) -> str:
    return f"{LIST_URL}{pk}/"


def activities_url(pk) -> str:
    return f"{LIST_URL}{pk}/activities/"


@pytest.fixture
def as_user(api_client):
    """Authenticate ``api_client`` with the user's API token."""

    def authenticate(user):
        token, _ = Token.objects.get_or_create(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api_client

    return authenticate


@pytest.fixture
def team(brokerage):
    return TeamFactory(brokerage=brokerage)


@pytest.fixture
def agent(brokerage, team):
    """The agent under test, on a team (overrides the conftest agent)."""
    return AgentFactory(brokerage=brokerage, team=team, member_key="MBR-ME")


@pytest.fixture
def teammate(brokerage, team):
    return AgentFactory(brokerage=brokerage, team=team, member_key="MBR-MATE")


@pytest.fixture
def colleague(brokerage):
    """Same brokerage, not on the team."""
    return AgentFactory(brokerage=brokerage, member_key="MBR-COLLEAGUE")


@pytest.fixture
def outsider():
    """An agent of another brokerage."""
    return AgentFactory(brokerage=BrokerageFactory(), member_key="MBR-OUTSIDER")


@pytest.fixture
def lead(brokerage, agent):
    return ContactFactory(
        brokerage=brokerage,
        assigned_agent=agent,
        first_name="Dana",
        last_name="Rivera",
        email="dana@example.test",
        phone="206-555-0101",
    )


@pytest.fixture
def users(brokerage, agent, teammate, colleague, outsider, broker, lead):
    return {
        "client": make_client(ContactFactory(brokerage=brokerage, assigned_agent=agent)),
        "agent": agent.user,
        "teammate": teammate.user,
        "colleague": colleague.user,
        "outsider": outsider.user,
        "broker": broker,
    }


def snapshot(contact: Contact) -> dict:
    contact.refresh_from_db()
    return {f.attname: getattr(contact, f.attname) for f in Contact._meta.concrete_fields}


def assert_error(response, status: int, error: str, fields: dict | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "message", "fields"}
    assert body["error"] == error
    assert isinstance(body["message"], str)
    assert body["message"]
    if fields is not None:
        assert body["fields"] == fields


# --- permission matrix ------------------------------------------------------------------

READERS = [("agent", 200), ("teammate", 200), ("colleague", 404), ("outsider", 404), ("broker", 200)]


@pytest.mark.parametrize(("who", "expected"), [("client", 403), *READERS])
def test_retrieve_matrix(as_user, users, lead, who, expected):
    response = as_user(users[who]).get(detail_url(lead.pk))

    if expected == 200:
        assert response.status_code == 200
        assert response.json()["id"] == lead.pk
    elif expected == 404:
        assert_error(response, 404, "not_found", {})
    else:
        assert_error(response, 403, "permission_denied", {})


@pytest.mark.parametrize(
    ("who", "sees_lead"),
    [("agent", True), ("teammate", True), ("colleague", False), ("outsider", False), ("broker", True)],
)
def test_list_is_scoped_to_what_the_user_may_see(as_user, users, lead, brokerage, who, sees_lead):
    response = as_user(users[who]).get(LIST_URL)

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert (lead.pk in ids) is sees_lead
    assert set(Contact.objects.filter(pk__in=ids).values_list("brokerage_id", flat=True)) <= {users[who].brokerage_id}


def test_broker_sees_every_contact_of_the_brokerage_only(as_user, users, broker, brokerage, lead, colleague, outsider):
    mine = ContactFactory(brokerage=brokerage, assigned_agent=colleague)
    unassigned = ContactFactory(brokerage=brokerage)
    ContactFactory(brokerage=outsider.brokerage, assigned_agent=outsider)

    response = as_user(broker).get(LIST_URL)

    expected = set(Contact.objects.filter(brokerage=brokerage).values_list("pk", flat=True))
    assert {row["id"] for row in response.json()["results"]} == expected
    assert {lead.pk, mine.pk, unassigned.pk} <= expected


def test_client_gets_403_everywhere(as_user, users, lead):
    api = as_user(users["client"])
    before = snapshot(lead)

    responses = [
        api.get(LIST_URL),
        api.post(LIST_URL, {"email": "new@example.test"}, format="json"),
        api.get(detail_url(lead.pk)),
        api.patch(detail_url(lead.pk), {"stage": "lost"}, format="json"),
        api.put(detail_url(lead.pk), {}, format="json"),
        api.delete(detail_url(lead.pk)),
        api.get(activities_url(lead.pk)),
        api.post(activities_url(lead.pk), {"kind": "call"}, format="json"),
    ]

    for response in responses:
        assert_error(response, 403, "permission_denied", {})
    assert snapshot(lead) == before
    assert Contact.objects.count() == 2
    assert not Activity.objects.exists()


def test_anonymous_gets_401_everywhere(api_client, lead):
    before = snapshot(lead)

    responses = [
        api_client.get(LIST_URL),
        api_client.post(LIST_URL, {"email": "new@example.test"}, format="json"),
        api_client.get(detail_url(lead.pk)),
        api_client.patch(detail_url(lead.pk), {"stage": "lost"}, format="json"),
        api_client.delete(detail_url(lead.pk)),
        api_client.get(activities_url(lead.pk)),
        api_client.post(activities_url(lead.pk), {"kind": "call"}, format="json"),
    ]

    for response in responses:
        assert_error(response, 401, "not_authenticated", {})
    assert snapshot(lead) == before
    assert Contact.objects.count() == 1
    assert not Activity.objects.exists()


@pytest.mark.parametrize("pk", ["abc", "0", "99999999", "99999999999999999999999", "1.5", "%00"])
def test_unknown_or_malformed_id_is_404_in_the_error_shape(as_user, broker, lead, pk):
    response = as_user(broker).get(detail_url(pk))

    assert_error(response, 404, "not_found", {})


# --- create -----------------------------------------------------------------------------


def test_agent_creates_a_contact_assigned_to_themselves(as_user, agent):
    response = as_user(agent.user).post(
        LIST_URL,
        {"first_name": "Sam", "last_name": "Lee", "email": "Sam@Example.test", "phone": "(206) 555-0199"},
        format="json",
    )

    assert response.status_code == 201
    contact = Contact.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/leads/{contact.pk}/"
    body = response.json()
    assert body["id"] == contact.pk
    assert (body["full_name"], body["email"], body["phone_e164"]) == ("Sam Lee", "Sam@Example.test", "+12065550199")
    assert (body["contact_type"], body["stage"], body["assigned_agent"]) == ("buyer", "new", "MBR-ME")
    assert body["assigned_agent_name"] == agent.user.get_full_name()
    assert (contact.brokerage_id, contact.assigned_agent_id, contact.system) == (agent.brokerage_id, agent.pk, "manual")
    assert AuditLog.objects.filter(action="contact.create", object_id=str(contact.pk), actor=agent.user).count() == 1


@pytest.mark.parametrize("reference", ["MBR-COLLEAGUE", "id", "id-as-string"])
def test_broker_assigns_by_member_key_or_id(as_user, broker, colleague, reference):
    value = {"MBR-COLLEAGUE": "MBR-COLLEAGUE", "id": colleague.pk, "id-as-string": str(colleague.pk)}[reference]

    response = as_user(broker).post(LIST_URL, {"email": "x@example.test", "assigned_agent": value}, format="json")

    assert response.status_code == 201
    assert response.json()["assigned_agent"] == "MBR-COLLEAGUE"
    assert Contact.objects.get().assigned_agent == colleague


def test_broker_may_leave_a_contact_unassigned(as_user, broker):
    response = as_user(broker).post(LIST_URL, {"phone": "2065550100", "assigned_agent": None}, format="json")

    assert response.status_code == 201
    assert response.json()["assigned_agent"] is None
    assert Contact.objects.get().assigned_agent is None


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"email": "x@example.test", "assigned_agent": "MBR-OUTSIDER"}, {"assigned_agent": ["Unknown agent."]}),
        ({"email": "x@example.test", "assigned_agent": "outsider-id"}, {"assigned_agent": ["Unknown agent."]}),
        ({"email": "x@example.test", "assigned_agent": "NOPE"}, {"assigned_agent": ["Unknown agent."]}),
        (
            {"email": "x@example.test", "assigned_agent": True},
            {"assigned_agent": ["Give the agent's member_key (a string) or id (an integer)."]},
        ),
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"phone": "12"}, {"phone": ["Enter a valid phone number."]}),
        ({"email": "x@example.test", "stage": "won"}, {"stage": ['"won" is not a valid choice.']}),
        ({"email": "x@example.test", "contact_type": "renter"}, {"contact_type": ['"renter" is not a valid choice.']}),
        (
            {"email": "x@example.test", "first_name": "x" * 101},
            {"first_name": ["Ensure this field has no more than 100 characters."]},
        ),
        ({"email": "x@example.test", "pre_approved": "maybe"}, {"pre_approved": ["Must be a valid boolean."]}),
    ],
)
def test_invalid_create_is_400_and_creates_nothing(as_user, agent, outsider, payload, fields):
    if payload.get("assigned_agent") == "outsider-id":
        payload = {**payload, "assigned_agent": outsider.pk}

    response = as_user(agent.user).post(LIST_URL, payload, format="json")

    assert_error(response, 400, "invalid", fields)
    assert not Contact.objects.exists()
    assert not AuditLog.objects.exists()


def test_create_without_email_or_phone_is_422_and_creates_nothing(as_user, agent):
    response = as_user(agent.user).post(LIST_URL, {"first_name": "Anon"}, format="json")

    assert_error(response, 422, "domain_error", {"email": ["Email or phone is required."]})
    assert response.json()["message"] == "A contact needs an email or a phone number."
    assert not Contact.objects.exists()


def test_malformed_json_is_400_in_the_error_shape(as_user, agent):
    response = as_user(agent.user).post(LIST_URL, "{not json", content_type="application/json")

    assert_error(response, 400, "parse_error", {})
    assert not Contact.objects.exists()


# --- update -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "teammate", "broker"])
def test_patch_changes_only_the_given_fields_and_is_audited(as_user, users, lead, who):
    response = as_user(users[who]).patch(
        detail_url(lead.pk), {"stage": "nurturing", "notes": "Wants a yard."}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["notes"]) == ("nurturing", "Wants a yard.")
    lead.refresh_from_db()
    assert (lead.stage, lead.notes, lead.email, lead.first_name) == (
        "nurturing",
        "Wants a yard.",
        "dana@example.test",
        "Dana",
    )
    audit = AuditLog.objects.get(action="contact.update", object_id=str(lead.pk))
    assert audit.actor == users[who]
    assert audit.changes == {"stage": ["new", "nurturing"], "notes": ["", "Wants a yard."]}


def test_patch_reassigns_to_a_colleague(as_user, agent, lead, colleague):
    response = as_user(agent.user).patch(detail_url(lead.pk), {"assigned_agent": "MBR-COLLEAGUE"}, format="json")

    assert response.status_code == 200
    assert response.json()["assigned_agent"] == "MBR-COLLEAGUE"
    lead.refresh_from_db()
    assert lead.assigned_agent == colleague
    # The lead left the agent's book: it is no longer theirs to see.
    assert as_user(agent.user).get(detail_url(lead.pk)).status_code == 404


@pytest.mark.parametrize("who", ["colleague", "outsider"])
@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_of_an_unseen_contact_is_404_and_changes_nothing(as_user, users, lead, who, method):
    before = snapshot(lead)
    payload = {
        "first_name": "X",
        "last_name": "Y",
        "email": "x@example.test",
        "phone": "",
        "contact_type": "seller",
        "stage": "lost",
        "timeline": "",
        "pre_approved": None,
        "notes": "",
        "assigned_agent": None,
    }

    response = getattr(as_user(users[who]), method)(detail_url(lead.pk), payload, format="json")

    assert_error(response, 404, "not_found", {})
    assert snapshot(lead) == before
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"assigned_agent": "MBR-OUTSIDER"}, {"assigned_agent": ["Unknown agent."]}),
        ({"email": "nope"}, {"email": ["Enter a valid email address."]}),
        ({"stage": ""}, {"stage": ['"" is not a valid choice.']}),
        ({"timeline": "soon"}, {"timeline": ['"soon" is not a valid choice.']}),
    ],
)
def test_invalid_patch_is_400_and_changes_nothing(as_user, agent, outsider, lead, payload, fields):
    before = snapshot(lead)

    response = as_user(agent.user).patch(detail_url(lead.pk), payload, format="json")

    assert_error(response, 400, "invalid", fields)
    assert snapshot(lead) == before
    assert not AuditLog.objects.exists()


def test_patch_clearing_email_and_phone_is_422_and_changes_nothing(as_user, agent, lead):
    before = snapshot(lead)

    response = as_user(agent.user).patch(detail_url(lead.pk), {"email": "", "phone": ""}, format="json")

    assert_error(response, 422, "domain_error", {"email": ["Email or phone is required."]})
    assert snapshot(lead) == before


def test_put_replaces_every_editable_field(as_user, agent, lead, teammate):
    payload = {
        "first_name": "Dana",
        "last_name": "Rivera-Cho",
        "email": "",
        "phone": "+1 206 555 0102",
        "contact_type": "both",
        "stage": "active",
        "timeline": "0-3",
        "pre_approved": True,
        "notes": "",
        "assigned_agent": teammate.pk,
    }

    response = as_user(agent.user).put(detail_url(lead.pk), payload, format="json")

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.last_name, lead.email, lead.phone_e164, lead.contact_type, lead.stage) == (
        "Rivera-Cho",
        "",
        "+12065550102",
        "both",
        "active",
    )
    assert (lead.timeline, lead.pre_approved, lead.assigned_agent) == ("0-3", True, teammate)


def test_put_requires_every_editable_field(as_user, agent, lead):
    before = snapshot(lead)

    response = as_user(agent.user).put(detail_url(lead.pk), {"stage": "lost"}, format="json")

    assert_error(response, 400, "invalid")
    assert set(response.json()["fields"]) == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "contact_type",
        "timeline",
        "pre_approved",
        "notes",
        "assigned_agent",
    }
    assert snapshot(lead) == before


# --- delete is not offered --------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "broker"])
def test_delete_is_not_offered(as_user, users, lead, who):
    Activity.objects.create(contact=lead, kind="call")

    response = as_user(users[who]).delete(detail_url(lead.pk))

    assert_error(response, 405, "method_not_allowed", {})
    assert Contact.objects.filter(pk=lead.pk).exists()
    assert Activity.objects.filter(contact=lead).count() == 1


# --- filters, search, ordering, queries -------------------------------------------------


@pytest.fixture
def book(brokerage, agent):
    """Four contacts of the agent, named for what tells them apart."""
    make = ContactFactory
    return {
        "dana": make(
            brokerage=brokerage,
            assigned_agent=agent,
            first_name="Dana",
            last_name="Rivera",
            email="dana@example.test",
            phone="206-555-0101",
            stage="new",
        ),
        "omar": make(
            brokerage=brokerage,
            assigned_agent=agent,
            first_name="Omar",
            last_name="Haddad",
            email="oh@mail.test",
            phone="425-555-0177",
            stage="nurturing",
            contact_type="seller",
        ),
        "ana": make(
            brokerage=brokerage,
            assigned_agent=agent,
            first_name="Ana",
            last_name="Dana-Smith",
            email="ana@x.test",
            phone="",
            stage="active",
            contact_type="both",
        ),
        "li": make(
            brokerage=brokerage,
            assigned_agent=agent,
            first_name="Li",
            last_name="Wu",
            email="",
            phone="2065550333",
            stage="lost",
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "nurturing"}, {"omar"}),
        ({"contact_type": "seller"}, {"omar"}),
        ({"contact_type": "buyer", "stage": "lost"}, {"li"}),
        ({"q": "dana"}, {"dana", "ana"}),
        ({"q": "DANA rivera"}, {"dana"}),
        ({"q": "mail.test"}, {"omar"}),
        ({"q": "(425) 555-0177"}, {"omar"}),
        ({"q": "+1 206 555 0333"}, {"li"}),
        ({"q": "555-01"}, {"dana", "omar"}),
        ({"q": "206"}, set()),
        ({"q": "   "}, {"dana", "omar", "ana", "li"}),
        ({"q": "100%_"}, set()),
    ],
)
def test_filters_and_search(as_user, agent, book, params, expected):
    response = as_user(agent.user).get(LIST_URL, params)

    assert response.status_code == 200
    by_id = {contact.pk: name for name, contact in book.items()}
    assert {by_id[row["id"]] for row in response.json()["results"]} == expected


def test_ordering_by_last_name(as_user, agent, book):
    response = as_user(agent.user).get(LIST_URL, {"ordering": "last_name"})

    assert [row["last_name"] for row in response.json()["results"]] == ["Dana-Smith", "Haddad", "Rivera", "Wu"]


def test_default_order_is_newest_first(as_user, agent, book):
    now = timezone.now()
    for age, contact in enumerate(book.values()):
        Contact.objects.filter(pk=contact.pk).update(created_at=now - datetime.timedelta(days=age))

    response = as_user(agent.user).get(LIST_URL)

    assert [row["id"] for row in response.json()["results"]] == [c.pk for c in book.values()]


@pytest.mark.parametrize(
    ("param", "value"),
    [("stage", "won"), ("contact_type", "renter"), ("ordering", "email"), ("q", "x" * 101), ("q", "a\x00b")],
)
def test_invalid_filter_is_400_with_field_errors(as_user, agent, book, param, value):
    response = as_user(agent.user).get(LIST_URL, {param: value})

    assert_error(response, 400, "invalid")
    assert list(response.json()["fields"]) == [param]


def test_list_runs_a_constant_number_of_queries(as_user, agent, brokerage, django_assert_max_num_queries):
    # Token, COUNT(*), one SELECT joining agent, user and source (the user's agent row is cached).
    api = as_user(agent.user)
    ContactFactory.create_batch(3, brokerage=brokerage, assigned_agent=agent)
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as few:
        assert len(api.get(LIST_URL, {"page_size": 500}).json()["results"]) == 3

    ContactFactory.create_batch(40, brokerage=brokerage, assigned_agent=agent)
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as many:
        assert len(api.get(LIST_URL, {"page_size": 500}).json()["results"]) == 43

    assert len(few) == len(many)


# --- activities -------------------------------------------------------------------------


def test_log_a_call_marks_the_lead_contacted(as_user, agent, lead):
    occurred_at = timezone.now() - datetime.timedelta(minutes=3)

    response = as_user(agent.user).post(
        activities_url(lead.pk),
        {"kind": "call", "body": "Left a voicemail.", "occurred_at": occurred_at.isoformat()},
        format="json",
    )

    assert response.status_code == 201
    activity = Activity.objects.get()
    assert response.json() == {
        "id": activity.pk,
        "kind": "call",
        "body": "Left a voicemail.",
        "occurred_at": timezone.localtime(occurred_at).isoformat(),
        "agent": "MBR-ME",
        "agent_name": agent.user.get_full_name(),
        "is_contact": True,
    }
    lead.refresh_from_db()
    assert (lead.stage, lead.first_contact_at, lead.last_contacted_at) == ("contacted", occurred_at, occurred_at)


def test_a_note_does_not_count_as_contact(as_user, broker, lead):
    response = as_user(broker).post(activities_url(lead.pk), {"kind": "note"}, format="json")

    assert response.status_code == 201
    assert (response.json()["is_contact"], response.json()["agent"], response.json()["body"]) == (False, None, "")
    lead.refresh_from_db()
    assert (lead.stage, lead.first_contact_at) == ("new", None)


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"kind": ["This field is required."]}),
        ({"kind": "system"}, {"kind": ['"system" is not a valid choice.']}),
        ({"kind": "fax"}, {"kind": ['"fax" is not a valid choice.']}),
        ({"kind": "call", "occurred_at": "tomorrow"}, None),
        (
            {"kind": "call", "occurred_at": "2999-01-01T00:00:00Z"},
            {"occurred_at": ["An activity cannot happen in the future."]},
        ),
    ],
)
def test_invalid_activity_is_400_and_logs_nothing(as_user, agent, lead, payload, fields):
    before = snapshot(lead)

    response = as_user(agent.user).post(activities_url(lead.pk), payload, format="json")

    assert_error(response, 400, "invalid", fields)
    assert not Activity.objects.exists()
    assert snapshot(lead) == before


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_activities_of_an_unseen_contact_are_404(as_user, users, lead, who):
    Activity.objects.create(contact=lead, kind="note", body="private")
    api = as_user(users[who])

    assert_error(api.get(activities_url(lead.pk)), 404, "not_found", {})
    assert_error(api.post(activities_url(lead.pk), {"kind": "call"}, format="json"), 404, "not_found", {})
    assert Activity.objects.count() == 1


def test_activities_are_listed_newest_first_in_constant_queries(
    as_user, agent, lead, teammate, django_assert_max_num_queries
):
    now = timezone.now()
    for hours, who in ((3, agent), (1, teammate), (2, None)):
        Activity.objects.create(
            contact=lead, agent=who, kind="note", body=f"{hours}h", occurred_at=now - datetime.timedelta(hours=hours)
        )
    Activity.objects.create(contact=ContactFactory(brokerage=lead.brokerage, assigned_agent=agent), kind="call")
    api = as_user(agent.user)

    # Token, the agent row (visibility), the contact, COUNT(*), one SELECT joining agent and user.
    with django_assert_max_num_queries(5):
        response = api.get(activities_url(lead.pk))

    body = response.json()
    assert body["count"] == 3
    assert [(row["body"], row["agent"]) for row in body["results"]] == [
        ("1h", "MBR-MATE"),
        ("2h", None),
        ("3h", "MBR-ME"),
    ]
