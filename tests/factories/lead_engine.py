"""Factories and helpers for the lead engine (sources, rules, saved searches, brands, signed webhooks)."""

import json
import time

import factory
from factory.django import DjangoModelFactory

from leads.models import LeadSource, RoutingRule, SavedSearch
from leads.webhooks import sign
from marketing.models import Brand

from .core import BrokerageFactory
from .leads import ContactFactory

SECRET = "test-webhook-secret"


class LeadSourceFactory(DjangoModelFactory):
    class Meta:
        model = LeadSource
        django_get_or_create = ("brokerage", "slug")

    brokerage = factory.SubFactory(BrokerageFactory)
    name = "Website"
    slug = "website"
    webhook_secret = SECRET
    sla_minutes = 5
    quality_points = 5


class RoutingRuleFactory(DjangoModelFactory):
    class Meta:
        model = RoutingRule

    brokerage = factory.SubFactory(BrokerageFactory)
    name = factory.Sequence(lambda n: f"Rule {n}")
    order = factory.Sequence(lambda n: n + 1)
    target = RoutingRule.Target.ALL_AGENTS


class SavedSearchFactory(DjangoModelFactory):
    class Meta:
        model = SavedSearch

    contact = factory.SubFactory(ContactFactory)
    name = "Family search"
    alert_frequency = SavedSearch.Frequency.INSTANT


class BrandFactory(DjangoModelFactory):
    class Meta:
        model = Brand

    brokerage = factory.SubFactory(BrokerageFactory)
    display_name = "Test Realty"
    postal_address = "100 Main St, Seattle, WA 98101"


def lead_body(**overrides) -> dict:
    """A valid webhook body; override any field."""
    body = {
        "source": "website",
        "first_name": "Robin",
        "last_name": "Buyer",
        "email": "robin@example.test",
        "phone": "(206) 555-0199",
        "message": "Is the house on Elm still available?",
        "type": "buyer",
        "list_price_max": "700000",
        "bedrooms_total_min": 3,
        "postal_codes": ["98115"],
        "timeline": "0-3",
        "pre_approved": True,
        "consent": {"email": True, "sms": True, "text": "I agree to emails and texts.", "captured_at": None},
        "utm_source": "google",
    }
    body.update(overrides)
    return body


def signed_post(client, path: str, body, *, secret: str = SECRET, timestamp: int | None = None, headers=None):
    """POST ``body`` (dict or raw bytes) signed like a lead source would."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    extra = {
        "HTTP_X_REALTOR_TIMESTAMP": str(ts),
        "HTTP_X_REALTOR_SIGNATURE": sign(secret=secret, timestamp=ts, body=raw),
    }
    extra.update(headers or {})
    return client.post(path, data=raw, content_type="application/json", **extra)
