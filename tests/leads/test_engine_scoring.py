"""Explainable scoring (pure) and its recomputation when events arrive; intent classification."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from leads import intent, scoring, services
from leads.models import BehaviorEvent
from leads.scoring import BehaviorSignal, ScoreInputs, score_lead
from realtor.models import AICall
from tests.factories.leads import ContactFactory
from tests.factories.properties import ListingFactory

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)

#: Protected characteristics (42 U.S.C. 3604, WA RCW 49.60.222) and their usual proxies.
FORBIDDEN = {
    "name",
    "first_name",
    "last_name",
    "age",
    "birth_date",
    "sex",
    "gender",
    "race",
    "religion",
    "national_origin",
    "familial_status",
    "children",
    "disability",
    "marital_status",
    "language",
    "email",
    "phone",
    "address",
    "postal_code",
    "postal_codes",
    "zip",
    "city",
    "ip_address",
}


def test_scoring_inputs_exclude_protected_characteristics_and_proxies():
    fields = {f.name for f in dataclasses.fields(ScoreInputs)}
    assert fields == {
        "events",
        "timeline",
        "pre_approved",
        "max_price",
        "local_median_price",
        "source_quality_points",
        "last_inbound_at",
    }
    assert fields.isdisjoint(FORBIDDEN)
    assert {f.name for f in dataclasses.fields(BehaviorSignal)} == {"kind", "occurred_at"}


def test_empty_lead_scores_zero_grade_f_view_1():
    result = score_lead(ScoreInputs(), now=NOW)
    assert (result.score, result.grade, result.view) == (0, "F", 1)
    assert [f["points"] for f in result.breakdown] == [0, 0, 0, 0, 0, 0]
    assert sum(f["max"] for f in result.breakdown) == 100


def test_hot_lead_scores_every_factor_with_reasons():
    inputs = ScoreInputs(
        events=tuple(BehaviorSignal("showing_request", NOW) for _ in range(4)),
        timeline="0-3",
        pre_approved=True,
        max_price=Decimal("800000"),
        local_median_price=Decimal("750000"),
        source_quality_points=25,
        last_inbound_at=NOW - dt.timedelta(days=1),
    )
    result = score_lead(inputs, now=NOW)
    points = {f["factor"]: f["points"] for f in result.breakdown}
    assert points == {
        "engagement": 30,
        "timeline": 20,
        "pre_approval": 15,
        "budget_fit": 10,
        "source_quality": 10,
        "responsiveness": 15,
    }
    assert (result.score, result.grade, result.view) == (100, "A", 10)
    budget = next(f for f in result.breakdown if f["factor"] == "budget_fit")
    assert budget["reason"] == "Budget $800,000 is 107% of the $750,000 local median list price"


def test_engagement_decays_with_a_seven_day_half_life():
    fresh = score_lead(ScoreInputs(events=(BehaviorSignal("showing_request", NOW),)), now=NOW)
    week_old = score_lead(ScoreInputs(events=(BehaviorSignal("showing_request", NOW - dt.timedelta(days=7)),)), now=NOW)
    assert (fresh.score, week_old.score) == (8, 4)


@pytest.mark.parametrize(
    ("max_price", "points"), [("900000", 10), ("700000", 6), ("500000", 3), ("400000", 0), (None, 0)]
)
def test_budget_fit_steps(max_price, points):
    inputs = ScoreInputs(max_price=Decimal(max_price) if max_price else None, local_median_price=Decimal("1000000"))
    assert score_lead(inputs, now=NOW).factors[3].points == points


@pytest.mark.parametrize(
    ("score", "grade"), [(100, "A"), (80, "A"), (79, "B"), (60, "B"), (40, "C"), (20, "D"), (19, "F")]
)
def test_grades(score, grade):
    assert scoring.grade_for(score) == grade


@pytest.mark.django_db
def test_score_is_recomputed_when_events_arrive(brokerage):
    contact = ContactFactory(brokerage=brokerage)
    services.apply_score(contact=contact)
    contact.refresh_from_db()
    assert contact.score == 0
    services.record_behavior_event(contact=contact, kind=BehaviorEvent.Kind.FAVORITED)
    services.record_behavior_event(contact=contact, kind=BehaviorEvent.Kind.SAVED_SEARCH)
    contact.refresh_from_db()
    assert contact.score == 7
    assert contact.score_breakdown[0] == {
        "factor": "engagement",
        "label": "Engagement and recency",
        "points": 7,
        "max": 30,
        "reason": "2 events, 2 in the last 7 days",
    }


@pytest.mark.django_db
def test_budget_fit_uses_local_active_listings(brokerage):
    for price in ("600000", "700000", "800000"):
        ListingFactory(postal_code="98103", list_price=Decimal(price))
    contact = ContactFactory(brokerage=brokerage)
    contact.saved_searches.create(list_price_max=Decimal("650000"), postal_codes=["98103"])
    result = services.apply_score(contact=contact)
    assert result.factors[3].points == 10  # 650k / 700k median = 93 %


def test_rules_intent():
    assert intent.rules_intent("Can we tour it Saturday?") == "showing_request"
    assert intent.rules_intent("What is my house worth? thinking of selling") == "seller"
    assert intent.rules_intent("We are pre-approved and looking for a 3 bed") == "buyer"
    assert intent.rules_intent("What are the HOA dues?") == "information"
    assert intent.rules_intent("please remove me from your list") == "unsubscribe"
    assert intent.rules_intent("thanks") == "other"
    assert intent.parse_intent("Label: showing_request") == "showing_request"
    assert intent.parse_intent("no idea") == "other"


@pytest.mark.django_db
def test_inbound_message_is_classified_through_the_gateway_fallback(brokerage):
    contact = ContactFactory(brokerage=brokerage)
    activity = services.record_inbound_message(contact=contact, channel="sms", body="Can I see it tomorrow?")
    contact.refresh_from_db()
    assert contact.last_intent == "showing_request"
    assert activity.body == "[showing_request] Can I see it tomorrow?"
    assert activity.direction == "inbound" and not activity.is_contact
    call = AICall.objects.get(task="lead_intent")
    assert call.fallback_used and call.output == "showing_request"
    assert contact.last_inbound_at is not None
    assert next(f for f in contact.score_breakdown if f["factor"] == "responsiveness")["points"] == 15
    assert contact.first_contact_at is None  # a reply from the lead is not the agent reaching out
    assert timezone.now() - contact.last_inbound_at < dt.timedelta(minutes=1)
