"""The "Ask about this home" form: spam protection and capture as a lead of the listing agent."""

import time

import pytest
from django.core import signing

from leads import services
from leads.inquiry_views import FORM_SALT
from leads.models import Contact
from tests.factories.core import AgentFactory
from tests.factories.properties import ListingFactory


def _form(**overrides):
    data = {
        "name": "Robin Buyer",
        "email": "robin@example.test",
        "phone": "",
        "message": "Is there parking?",
        "email_consent": "on",
        "website": "",
        "rendered": signing.dumps(str(time.time() - 10), salt=FORM_SALT),
    }
    data.update(overrides)
    return data


@pytest.fixture
def listing(brokerage):
    return ListingFactory(list_agent=AgentFactory(brokerage=brokerage))


@pytest.mark.django_db
def test_inquiry_creates_a_lead_for_the_listing_agent(client, listing):
    assert client.get(f"/listings/{listing.listing_key}/ask/").status_code == 200
    response = client.post(f"/listings/{listing.listing_key}/ask/", _form())
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.brokerage) == (
        "Robin",
        "Buyer",
        listing.list_agent.brokerage,
    )
    assert contact.assigned_agent == listing.list_agent
    assert contact.inquiry_listing == listing and contact.system == "listing_form"
    assert contact.email_consent and "emails about homes" in contact.consent_text
    assert not contact.sms_consent


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"website": "http://spam.example"},  # honeypot
        {"rendered": 0},  # posted the moment it was rendered
        {"rendered": 2 * 86400},  # a stale form
        {"rendered": "forged"},
    ],
)
def test_spam_is_thanked_and_dropped(client, listing, overrides):
    if isinstance(overrides.get("rendered"), int):
        overrides = {"rendered": signing.dumps(str(time.time() - overrides["rendered"]), salt=FORM_SALT)}
    response = client.post(f"/listings/{listing.listing_key}/ask/", _form(**overrides))
    assert response.status_code == 200
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_bad_input_is_422_and_changes_nothing(client, listing):
    response = client.post(f"/listings/{listing.listing_key}/ask/", _form(email="", phone=""))
    assert response.status_code == 422
    assert Contact.objects.count() == 0
    assert client.post(f"/listings/{listing.listing_key}/ask/", _form(phone="12")).status_code == 422


@pytest.mark.django_db
def test_repeat_inquiry_merges(listing):
    for _ in range(2):
        services.record_listing_inquiry(
            listing=listing,
            brokerage=listing.list_agent.brokerage,
            data=services.LeadInput(email="same@example.test"),
            honeypot="",
            rendered_at=time.time() - 30,
        )
    assert Contact.objects.count() == 1
    assert Contact.objects.get().activities.count() == 2
