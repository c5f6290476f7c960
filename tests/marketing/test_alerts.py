"""Listing alerts: instant and digest, throttled per day, paused after unopened ones, resumed on open."""

import pytest
from django.core import mail

from leads import services as lead_services
from leads.models import Match
from marketing import services
from marketing.models import AlertDelivery
from tests.factories.lead_engine import BrandFactory, SavedSearchFactory
from tests.factories.leads import ContactFactory
from tests.factories.properties import ListingFactory


@pytest.fixture
def search(brokerage):
    BrandFactory(brokerage=brokerage)
    contact = ContactFactory(brokerage=brokerage, email_consent=True)
    return SavedSearchFactory(contact=contact, alert_frequency="instant")


def _new_listings(n):
    for _ in range(n):
        lead_services.match_listing_to_searches(listing_id=ListingFactory().pk)


@pytest.mark.django_db
def test_instant_alert_lists_reasons_and_is_sent_once(search):
    _new_listings(1)
    assert services.send_instant_alerts() == 1
    assert services.send_instant_alerts() == 0
    assert len(mail.outbox) == 1
    match = Match.objects.get()
    assert match.alerted_at is not None
    assert "650k" not in mail.outbox[0].body  # prices are printed in full
    assert "$650,000" in mail.outbox[0].body
    assert AlertDelivery.objects.get().match_ids == [match.pk]


@pytest.mark.django_db
def test_alerts_pause_after_three_unopened_and_resume_on_open(client, search):
    _new_listings(5)
    assert services.send_instant_alerts() == 3
    search.refresh_from_db()
    assert search.consecutive_unopened_alerts == 3 and search.alerts_paused_at is not None
    assert sorted(Match.objects.values_list("alert_skipped", flat=True)) == [
        "",
        "",
        "",
        *["paused: unopened alerts"] * 2,
    ]
    assert len(mail.outbox) == 3
    # The buyer opens one (the pixel): alerts resume for what comes next.
    pixel = services.open_pixel_url(alert_id=AlertDelivery.objects.first().pk).removeprefix("http://127.0.0.1:8000")
    assert client.get(pixel).status_code == 200
    search.refresh_from_db()
    assert search.consecutive_unopened_alerts == 0 and search.alerts_paused_at is None
    _new_listings(1)
    assert services.send_instant_alerts() == 1


@pytest.mark.django_db
def test_no_more_than_five_alerts_a_day(search, monkeypatch):
    monkeypatch.setattr(services, "ALERT_PAUSE_AFTER_UNOPENED", 100)
    _new_listings(7)
    assert services.send_instant_alerts() == 5
    assert sorted(Match.objects.values_list("alert_skipped", flat=True))[-2:] == ["daily limit reached"] * 2
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_daily_digest_sends_one_email_with_every_match(search):
    search.alert_frequency = "daily"
    search.save()
    _new_listings(3)
    assert services.send_instant_alerts() == 0
    assert services.send_daily_digests() == 1
    assert services.send_daily_digests() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "3 new homes for “Family search”"
    assert Match.objects.filter(alerted_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_no_alert_without_email_consent(search):
    search.contact.email_consent = False
    search.contact.save()
    _new_listings(1)
    assert services.send_instant_alerts() == 0
    assert mail.outbox == []
    assert AlertDelivery.objects.get().status == "suppressed"
    assert Match.objects.get().alert_skipped == "no email consent"
