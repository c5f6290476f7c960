"""Consent: STOP revokes and nothing is sent afterwards; one-click unsubscribe; the one send path."""

import time

import pytest
from django.core import mail

from leads.models import ConsentEvent
from marketing import services
from marketing.models import Delivery, Suppression
from tests.factories.core import AgentFactory
from tests.factories.lead_engine import BrandFactory, LeadSourceFactory, signed_post
from tests.factories.leads import ContactFactory


@pytest.fixture
def contact(brokerage):
    BrandFactory(brokerage=brokerage)
    services.sms_outbox.clear()
    return ContactFactory(
        brokerage=brokerage,
        phone="206-555-0142",
        email_consent=True,
        sms_consent=True,
        assigned_agent=AgentFactory(brokerage=brokerage),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "UNSUBSCRIBE", "cancel", "End", "QUIT", "stopall"])
def test_stop_keywords_revoke_sms_and_nothing_is_sent_afterwards(contact, word):
    result = services.record_inbound_sms(brokerage=contact.brokerage, from_number="+12065550142", body=word)
    assert result == {"action": "opt_out", "contacts": [contact.pk]}
    contact.refresh_from_db()
    assert contact.sms_consent is False and contact.email_consent is True
    event = ConsentEvent.objects.get(contact=contact)
    assert (event.channel, event.granted, event.source) == ("sms", False, f"keyword {word.strip().upper()}")
    assert Suppression.objects.filter(brokerage=contact.brokerage, channel="sms", address="+12065550142").exists()
    sent = services.send_to_contact(contact=contact, channel="sms", body="New listing!")
    assert (sent.sent, sent.status, sent.error) == (False, "suppressed", "sms address is suppressed")
    assert services.sms_outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["please stop by at 5", "STOP IT", "don't stop", "stopp"])
def test_words_inside_a_sentence_are_not_keywords(contact, body):
    assert (
        services.record_inbound_sms(brokerage=contact.brokerage, from_number="2065550142", body=body)["action"]
        == "reply"
    )
    contact.refresh_from_db()
    assert contact.sms_consent is True
    assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_start_re_subscribes(contact):
    services.record_inbound_sms(brokerage=contact.brokerage, from_number="+12065550142", body="STOP")
    services.record_inbound_sms(brokerage=contact.brokerage, from_number="+12065550142", body="start")
    contact.refresh_from_db()
    assert contact.sms_consent is True
    assert not Suppression.objects.exists()
    assert services.send_to_contact(contact=contact, channel="sms", body="Hi").sent


@pytest.mark.django_db
def test_no_consent_no_message(brokerage):
    BrandFactory(brokerage=brokerage)
    contact = ContactFactory(brokerage=brokerage, email_consent=False, sms_consent=False)
    assert services.send_to_contact(contact=contact, channel="email", subject="s", body="b").error == "no email consent"
    assert services.send_to_contact(contact=contact, channel="sms", body="b").error == "no sms consent"
    assert mail.outbox == []


@pytest.mark.django_db
def test_email_carries_postal_address_and_one_click_unsubscribe(client, contact):
    result = services.send_to_contact(contact=contact, channel="email", subject="Hello", body="Hi there")
    assert result.sent
    message = mail.outbox[0]
    # The token is signed with a timestamp, so take the URL from the message and check it.
    url = message.extra_headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    assert url.startswith("http://127.0.0.1:8000/")
    assert services.read_unsubscribe_token(url.rstrip("/").rsplit("/", 1)[1]) == (contact.pk, "email")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "100 Main St, Seattle, WA 98101" in message.body and url in message.body
    html = message.alternatives[0][0]
    assert "100 Main St, Seattle, WA 98101" in html and url in html

    path = url.removeprefix("http://127.0.0.1:8000")
    # GET (a link scanner) changes nothing; the RFC 8058 POST unsubscribes.
    assert client.get(path).status_code == 200
    contact.refresh_from_db()
    assert contact.email_consent is True
    response = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.email_consent is False
    assert Suppression.objects.filter(channel="email", address=contact.email_normalized).exists()
    assert not services.send_to_contact(contact=contact, channel="email", subject="Again", body="x").sent
    assert len(mail.outbox) == 1
    client.post(path)  # twice: still one ledger entry
    assert ConsentEvent.objects.filter(contact=contact, channel="email", granted=False).count() == 1


@pytest.mark.django_db
def test_forged_unsubscribe_token_is_404(client, contact):
    assert client.post("/m/unsubscribe/forged-token/").status_code == 404
    contact.refresh_from_db()
    assert contact.email_consent is True


@pytest.mark.django_db
def test_email_without_postal_address_is_not_sent(brokerage):
    brokerage.street_address = ""
    brokerage.save()
    contact = ContactFactory(brokerage=brokerage, email_consent=True)
    result = services.send_to_contact(contact=contact, channel="email", subject="s", body="b")
    assert (result.sent, result.error) == (False, "no postal address for CAN-SPAM")
    assert mail.outbox == []


@pytest.mark.django_db
def test_inbound_sms_webhook_is_signed(client, contact):
    LeadSourceFactory(brokerage=contact.brokerage, slug="sms", name="SMS")
    body = {"from": "+12065550142", "to": "+12065550000", "body": "STOP"}
    assert signed_post(client, "/api/v1/webhooks/sms/", body, secret="bad").status_code == 401
    assert signed_post(client, "/api/v1/webhooks/sms/", body, timestamp=int(time.time()) - 600).status_code == 401
    contact.refresh_from_db()
    assert contact.sms_consent is True
    assert signed_post(client, "/api/v1/webhooks/sms/", {"body": "x"}).status_code == 400
    response = signed_post(client, "/api/v1/webhooks/sms/", body)
    assert response.status_code == 200
    assert response.json() == {"action": "opt_out", "contacts": [contact.pk]}
    contact.refresh_from_db()
    assert contact.sms_consent is False
    assert Delivery.objects.count() == 0
