"""Model constraints: the database refuses rows that break the rules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from leads.models import Contact, SavedSearch
from properties.models import Listing
from realtor.models import User
from tests.factories.core import AgentFactory, BrokerageFactory, OfficeFactory
from tests.factories.leads import ContactFactory
from tests.factories.properties import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"list_price": Decimal("-1")},
        {"standard_status": "Closed", "close_price": None, "close_date": datetime.date(2016, 1, 1)},
        {"standard_status": "Closed", "close_price": Decimal("1"), "close_date": None},
        {"latitude": 91.0},
        {"longitude": -181.0},
        {"year_built": 1200},
    ],
)
def test_listing_constraints_reject_bad_rows(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingFactory(**fields)
    assert Listing.objects.count() == 0


def test_listing_key_is_unique():
    ListingFactory(listing_key="DUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingFactory(listing_key="DUP")


def test_display_address_falls_back_to_parcel_for_assessor_rows():
    sale = ListingFactory(unparsed_address="", parcel_number="0001800010", city="Seattle", state_or_province="WA",
                          postal_code="98108")  # fmt: skip
    assert sale.display_address == "Parcel 0001800010, Seattle, WA 98108"


def test_bathrooms_decimal_counts_partial_baths():
    listing = ListingFactory(bathrooms_full=1, bathrooms_three_quarter=1, bathrooms_half=1, bathrooms_one_quarter=0)
    assert listing.bathrooms_decimal == 2.25


def test_user_email_is_the_login_and_normalised():
    user = User.objects.create_user("Someone@Example.COM", "pw-123456")
    assert user.email == "someone@example.com"
    assert user.get_username() == "someone@example.com"
    assert user.role == User.Role.CLIENT


def test_agent_license_is_unique_per_state(brokerage):
    AgentFactory(brokerage=brokerage, license_number="L1", license_state="WA")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgentFactory(brokerage=brokerage, license_number="L1", license_state="WA")
    AgentFactory(brokerage=brokerage, license_number="L1", license_state="TX")  # another state is fine


def test_agent_office_must_be_in_the_agents_brokerage(brokerage):
    agent = AgentFactory(brokerage=brokerage, office=OfficeFactory(brokerage=BrokerageFactory()))
    with pytest.raises(ValidationError) as exc:
        agent.full_clean()
    assert "office" in exc.value.message_dict


def test_agent_time_zone_must_be_iana(brokerage):
    agent = AgentFactory(brokerage=brokerage, time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as exc:
        agent.full_clean()
    assert "time_zone" in exc.value.message_dict


def test_contact_normalises_email_and_phone(brokerage):
    contact = ContactFactory(brokerage=brokerage, email=" Lead@Example.COM ", phone="(206) 555-0123")
    assert contact.email_normalized == "lead@example.com"
    assert contact.phone_e164 == "+12065550123"


def test_contact_idempotency_key_is_unique_per_brokerage(brokerage):
    ContactFactory(brokerage=brokerage, idempotency_key="abc")
    ContactFactory(idempotency_key="abc")  # another brokerage may reuse it
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(brokerage=brokerage, idempotency_key="abc")
    assert Contact.objects.filter(idempotency_key="abc").count() == 2


def test_saved_search_price_range_must_be_ordered(brokerage):
    contact = ContactFactory(brokerage=brokerage)
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedSearch.objects.create(contact=contact, list_price_min=Decimal("500000"), list_price_max=Decimal("400000"))
    assert SavedSearch.objects.count() == 0
