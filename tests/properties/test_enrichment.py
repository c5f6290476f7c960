"""Enrichment on change: queued on commit; run twice, effect once; facts changed, work redone."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction

from properties import cma_services, tasks
from properties.models import Listing, ListingValuation, MarketStat
from realtor.models import AuditLog
from tests.factories.properties import ListingFactory
from tests.properties.test_cma_market import SUBJECT, build_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(db):
    build_market()
    return ListingFactory(
        listing_key="ACTIVE-1", latitude=SUBJECT["latitude"], longitude=SUBJECT["longitude"], living_area=1800,
        list_price=Decimal("640000"), postal_code="98115",
    )  # fmt: skip


def _snapshot():
    return (
        list(ListingValuation.objects.values_list("id", "fingerprint", "computed_at", "estimate", "deal_grade")),
        list(MarketStat.objects.order_by("month").values_list("id", "month", "sales_count", "computed_at")),
        AuditLog.objects.filter(action="listing.enrich").count(),
    )


def test_the_change_is_queued_only_when_the_transaction_commits(listing, django_capture_on_commit_callbacks):
    with (
        mock.patch("properties.tasks.enrich_listing.delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        cma_services.record_listing_facts_changed(listing_id=listing.pk)
        delay.assert_not_called()

    assert len(callbacks) == 1
    delay.assert_called_once_with(listing_id=listing.pk)


def test_a_rolled_back_change_queues_nothing(listing, django_capture_on_commit_callbacks):
    with (
        mock.patch("properties.tasks.enrich_listing.delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        try:
            with transaction.atomic():
                cma_services.record_listing_facts_changed(listing_id=listing.pk)
                raise RuntimeError("the edit failed")
        except RuntimeError:
            pass

    assert callbacks == []
    delay.assert_not_called()


def test_enrichment_writes_valuation_market_stats_and_deal_score(listing):
    valuation_id = tasks.enrich_listing(listing_id=listing.pk)

    valuation = ListingValuation.objects.get(pk=valuation_id)
    assert valuation.listing == listing
    assert valuation.low < valuation.estimate < valuation.high
    newest = Listing.objects.filter(standard_status="Closed").latest("close_date").close_date
    assert valuation.as_of == newest + datetime.timedelta(days=1)
    assert valuation.deal_grade in {"A", "B", "C", "D", "F"}
    assert valuation.deal["inputs"]["price"] == 640000.0
    assert {d["name"] for d in valuation.deal["dimensions"]} >= {"value", "price_per_sqft", "market"}
    months = MarketStat.objects.filter(postal_code="98115")
    assert months.count() == 30  # 2014-01 .. 2016-06
    assert (
        sum(months.values_list("sales_count", flat=True))
        == Listing.objects.filter(standard_status="Closed", postal_code="98115").count()
    )


def test_the_task_run_twice_has_the_effect_of_once(listing):
    tasks.enrich_listing(listing_id=listing.pk)
    first = _snapshot()

    tasks.enrich_listing(listing_id=listing.pk)

    assert _snapshot() == first
    assert first[2] == 1


def test_changed_facts_are_revalued(listing):
    tasks.enrich_listing(listing_id=listing.pk)
    before = ListingValuation.objects.get(listing=listing)

    listing.living_area = 2600
    listing.save()
    tasks.enrich_listing(listing_id=listing.pk)

    after = ListingValuation.objects.get(listing=listing)
    assert after.fingerprint != before.fingerprint
    assert after.estimate > before.estimate
    assert AuditLog.objects.filter(action="listing.enrich").count() == 2


def test_a_listing_that_cannot_be_valued_stores_why_once(listing):
    listing.latitude = None
    listing.save()

    tasks.enrich_listing(listing_id=listing.pk)
    first = _snapshot()
    tasks.enrich_listing(listing_id=listing.pk)

    valuation = ListingValuation.objects.get(listing=listing)
    assert valuation.estimate is None and "lacks facts" in valuation.error
    assert _snapshot() == first


def test_a_deleted_listing_is_not_an_error(listing):
    assert tasks.enrich_listing(listing_id=listing.pk + 1000) is None
