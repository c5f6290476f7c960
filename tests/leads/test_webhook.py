"""The signed lead webhook: signature, timestamp, replay, dedupe, errors (issue 4)."""

import json
import time

import pytest

from leads.models import Activity, ConsentEvent, Contact, RoutingDecision, SavedSearch, WebhookDelivery
from tests.factories.core import AgentFactory, BrokerageFactory
from tests.factories.lead_engine import SECRET, LeadSourceFactory, lead_body, signed_post

URL = "/api/v1/webhooks/leads/"
GHL_URL = "/api/v1/webhooks/gohighlevel/"


@pytest.fixture
def source(brokerage):
    return LeadSourceFactory(brokerage=brokerage)


def _counts():
    return (
        Contact.objects.count(),
        Activity.objects.count(),
        WebhookDelivery.objects.count(),
        ConsentEvent.objects.count(),
        RoutingDecision.objects.count(),
    )


@pytest.mark.django_db
def test_signed_lead_is_created_scored_routed(client, source, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = signed_post(client, URL, lead_body())
    assert response.status_code == 201
    data = response.json()
    contact = Contact.objects.get()
    assert data == {
        "lead_id": contact.pk,
        "result": "created",
        "score": contact.score,
        "grade": contact.grade,
        "score_view": contact.score_view,
        "assigned_agent": {"id": agent.pk, "name": str(agent)},
    }
    assert contact.phone_e164 == "+12065550199"
    assert contact.source == source and contact.system == "webhook" and contact.utm_source == "google"
    assert contact.email_consent and contact.sms_consent
    assert contact.consent_text == "I agree to emails and texts."
    assert sorted(ConsentEvent.objects.values_list("channel", "granted")) == [("email", True), ("sms", True)]
    assert [f["factor"] for f in contact.score_breakdown] == [
        "engagement",
        "timeline",
        "pre_approval",
        "budget_fit",
        "source_quality",
        "responsiveness",
    ]
    assert sum(f["points"] for f in contact.score_breakdown) == contact.score
    assert contact.sla_due_at is not None and contact.assigned_agent == agent
    search = SavedSearch.objects.get(contact=contact)
    assert (search.list_price_max, search.bedrooms_total_min, search.postal_codes) == (700000, 3, ["98115"])
    assert WebhookDelivery.objects.get().result == "created"
    assert len(callbacks) == 1  # the agent's notification email


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "secret", "age"),
    [
        ({}, "wrong-secret", 0),  # bad signature
        ({}, SECRET, 301),  # older than 5 minutes
        ({}, SECRET, -301),  # more than 5 minutes in the future
        ({"HTTP_X_REALTOR_SIGNATURE": ""}, SECRET, 0),  # missing signature
        ({"HTTP_X_REALTOR_TIMESTAMP": ""}, SECRET, 0),  # missing timestamp
        ({"HTTP_X_REALTOR_SIGNATURE": "sha1=abc"}, SECRET, 0),  # wrong scheme
    ],
)
def test_bad_signature_or_timestamp_is_401_and_changes_nothing(
    client, source, agent, headers, secret, age, django_capture_on_commit_callbacks
):
    before = _counts()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = signed_post(
            client, URL, lead_body(), secret=secret, timestamp=int(time.time()) - age, headers=headers
        )
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert _counts() == before
    assert callbacks == []


@pytest.mark.django_db
def test_tampered_body_is_401(client, source):
    raw = json.dumps(lead_body()).encode()
    ts = int(time.time())
    from leads.webhooks import sign

    response = client.post(
        URL,
        data=raw.replace(b"Robin", b"Mallory"),
        content_type="application/json",
        HTTP_X_REALTOR_TIMESTAMP=str(ts),
        HTTP_X_REALTOR_SIGNATURE=sign(secret=SECRET, timestamp=ts, body=raw),
    )
    assert response.status_code == 401
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_signature_for_one_timestamp_cannot_be_replayed_with_another(client, source):
    raw = json.dumps(lead_body()).encode()
    from leads.webhooks import sign

    old = int(time.time()) - 10
    response = client.post(
        URL,
        data=raw,
        content_type="application/json",
        HTTP_X_REALTOR_TIMESTAMP=str(int(time.time())),
        HTTP_X_REALTOR_SIGNATURE=sign(secret=SECRET, timestamp=old, body=raw),
    )
    assert response.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lead_body(email="", phone=""), "email"),
        (lead_body(email="not-an-email"), "email"),
        (lead_body(phone="12"), "phone"),
        (lead_body(type="renter"), "type"),
        (lead_body(postal_codes=["ABCDE"]), "postal_codes.0"),
        (lead_body(list_price_min="900000", list_price_max="100000"), "list_price_max"),
        (lead_body(consent={"sms": True, "text": ""}), "consent.text"),
        (lead_body(timeline="tomorrow"), "timeline"),
    ],
)
def test_malformed_body_is_400_with_field_errors(
    client, source, agent, body, field, django_capture_on_commit_callbacks
):
    before = _counts()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = signed_post(client, URL, body)
    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "invalid"
    assert field in data["fields"]
    assert _counts() == before
    assert callbacks == []


@pytest.mark.django_db
def test_non_json_body_is_400_when_source_in_header(client, source):
    response = signed_post(client, URL, b"{not json", headers={"HTTP_X_REALTOR_SOURCE": "website"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": ["The body must be a JSON object."]}
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_redelivery_with_same_idempotency_key_returns_same_lead(
    client, source, agent, django_capture_on_commit_callbacks
):
    first = signed_post(client, URL, lead_body(idempotency_key="evt-1"))
    assert first.status_code == 201
    before = _counts()[:2] + _counts()[3:]
    # The sender retries later with a new timestamp and a changed body: still the same delivery.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = signed_post(client, URL, lead_body(idempotency_key="evt-1", message="retry"))
    assert again.status_code == 200
    assert again.json()["lead_id"] == first.json()["lead_id"]
    assert again.json()["result"] == "duplicate"
    assert _counts()[:2] + _counts()[3:] == before
    assert list(WebhookDelivery.objects.order_by("id").values_list("result", flat=True)) == ["created", "duplicate"]
    assert callbacks == []


@pytest.mark.django_db
def test_redelivery_of_same_body_without_key_returns_same_lead(client, source, agent):
    raw = json.dumps(lead_body()).encode()
    first = signed_post(client, URL, raw)
    again = signed_post(client, URL, raw, timestamp=int(time.time()) + 2)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Contact.objects.count() == 1
    assert Activity.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_key_header_is_honoured(client, source, agent):
    first = signed_post(client, URL, lead_body(), headers={"HTTP_IDEMPOTENCY_KEY": "h-1"})
    again = signed_post(client, URL, lead_body(message="other"), headers={"HTTP_IDEMPOTENCY_KEY": "h-1"})
    assert (first.status_code, again.status_code) == (201, 200)


@pytest.mark.django_db
def test_repeat_inquiry_merges_on_normalised_email_and_phone(client, source, agent):
    signed_post(client, URL, lead_body(idempotency_key="a"))
    by_email = signed_post(
        client, URL, lead_body(idempotency_key="b", email="ROBIN@Example.test ", phone="", message="Second")
    )
    by_phone = signed_post(
        client, URL, lead_body(idempotency_key="c", email="", phone="+1 206-555-0199", message="Third")
    )
    assert by_email.status_code == by_phone.status_code == 201
    assert by_email.json()["result"] == by_phone.json()["result"] == "merged"
    contact = Contact.objects.get()
    assert by_email.json()["lead_id"] == by_phone.json()["lead_id"] == contact.pk
    bodies = list(contact.activities.order_by("id").values_list("body", flat=True))
    assert len(bodies) == 3
    assert bodies[1].startswith("Repeat inquiry via Website") and bodies[1].endswith("Second")
    assert RoutingDecision.objects.count() == 1  # merged leads stay with their agent


@pytest.mark.django_db
def test_same_slug_in_two_brokerages_the_signature_picks_the_tenant(client):
    first, second = BrokerageFactory(), BrokerageFactory()
    LeadSourceFactory(brokerage=first, webhook_secret="first-secret")
    LeadSourceFactory(brokerage=second, webhook_secret="second-secret")
    response = signed_post(client, URL, lead_body(), secret="second-secret")
    assert response.status_code == 201
    assert Contact.objects.get().brokerage == second


@pytest.mark.django_db
def test_inactive_source_or_source_without_secret_is_401(client, brokerage):
    LeadSourceFactory(brokerage=brokerage, is_active=False)
    LeadSourceFactory(brokerage=brokerage, slug="open", webhook_secret="")
    assert signed_post(client, URL, lead_body()).status_code == 401
    assert signed_post(client, URL, lead_body(source="open"), secret="").status_code == 401
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_unknown_listing_key_still_captures_the_lead(client, source, agent):
    response = signed_post(client, URL, lead_body(listing_key="NOPE-1"))
    assert response.status_code == 201
    assert "NOPE-1" in Activity.objects.get().body


@pytest.mark.django_db
def test_gohighlevel_contact_is_mapped(client, brokerage, agent):
    LeadSourceFactory(brokerage=brokerage, slug="gohighlevel", name="GoHighLevel")
    body = {
        "type": "ContactCreate",
        "id": "ghl-123",
        "locationId": "loc",
        "firstName": "Gale",
        "lastName": "Hill",
        "email": "gale@example.test",
        "phone": "+12065550111",
        "tags": ["seller", "facebook"],
        "source": "Facebook ad",
        "customFields": [{"id": "timeline", "value": "3-6"}, {"id": "pre_approved", "value": True}],
    }
    response = signed_post(client, GHL_URL, body)
    assert response.status_code == 201, response.json()
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.email, contact.phone_e164) == (
        "Gale",
        "Hill",
        "gale@example.test",
        "+12065550111",
    )
    assert (contact.contact_type, contact.timeline, contact.pre_approved) == ("seller", "3-6", True)
    assert (contact.system, contact.campaign) == ("gohighlevel", "Facebook ad")
    assert signed_post(client, GHL_URL, body, timestamp=int(time.time()) + 1).status_code == 200
    assert WebhookDelivery.objects.filter(endpoint="gohighlevel").count() == 2


@pytest.mark.django_db
def test_gohighlevel_workflow_shape(client, brokerage, agent):
    LeadSourceFactory(brokerage=brokerage, slug="gohighlevel", name="GoHighLevel")
    body = {"contact_id": "c9", "first_name": "Ash", "email": "ash@example.test", "tags": "buyer, zillow"}
    response = signed_post(client, GHL_URL, body)
    assert response.status_code == 201
    assert Contact.objects.get().first_name == "Ash"


@pytest.mark.django_db
@pytest.mark.parametrize("tags", [7, True, {"seller": True}, None])
def test_gohighlevel_tags_of_neither_shape_are_ignored(client, brokerage, agent, tags):
    LeadSourceFactory(brokerage=brokerage, slug="gohighlevel", name="GoHighLevel")
    body = {"contact_id": "c10", "first_name": "Ash", "email": "ash@example.test", "tags": tags}
    response = signed_post(client, GHL_URL, body)
    assert response.status_code == 201
    assert Contact.objects.get().contact_type == "buyer"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": 5}, "email"),
        ({"firstName": {"a": 1}}, "first_name"),
        ({"customData": {"postal_codes": 98115}}, "postal_codes"),
        ({"customFields": [{"id": "list_price_max", "value": "lots"}]}, "list_price_max"),
    ],
)
def test_gohighlevel_bad_field_types_are_400_and_change_nothing(client, brokerage, agent, body, field):
    LeadSourceFactory(brokerage=brokerage, slug="gohighlevel", name="GoHighLevel")
    before = _counts()
    response = signed_post(client, GHL_URL, {"contact_id": "c11", "email": "ash@example.test", **body})
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("consent", "errors"),
    [
        ({"email": True, "text": ""}, {"consent.text": ["The consent text shown to the lead is required."]}),
        (
            {"email": True, "text": "OK to email.", "captured_at": "2999-01-01T00:00:00Z"},
            {"consent.captured_at": ["Must not be in the future."]},
        ),
    ],
)
def test_a_bad_consent_names_the_nested_field_and_changes_nothing(client, source, consent, errors):
    before = _counts()
    response = signed_post(client, URL, lead_body(consent=consent))
    assert response.status_code == 400
    assert response.json()["fields"] == errors
    assert _counts() == before


@pytest.mark.django_db
def test_gohighlevel_bad_signature_is_401(client, brokerage):
    LeadSourceFactory(brokerage=brokerage, slug="gohighlevel")
    assert signed_post(client, GHL_URL, {"id": "x", "email": "a@b.test"}, secret="nope").status_code == 401
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_agents_of_another_brokerage_never_see_the_lead(client, api_client, source, agent):
    other_agent = AgentFactory(brokerage=BrokerageFactory())
    lead_id = signed_post(client, URL, lead_body()).json()["lead_id"]
    assert Contact.objects.visible_to(agent.user).filter(pk=lead_id).exists()
    assert not Contact.objects.visible_to(other_agent.user).filter(pk=lead_id).exists()
    from leads.engine_selectors import follow_up_queue, matches_visible_to

    assert follow_up_queue(agent=other_agent) == []
    assert not matches_visible_to(user=other_agent.user).exists()
