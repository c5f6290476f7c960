"""Listing market events reach buyer matching without properties importing leads (properties.hooks)."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory

from leads.models import Match
from properties.hooks import is_market_event
from properties.importers import import_rows
from properties.models import Listing
from realtor.models import User
from tests.factories.lead_engine import SavedSearchFactory
from tests.factories.leads import ContactFactory
from tests.factories.properties import ListingFactory

pytestmark = pytest.mark.django_db

HEADER = "ListingKey,StandardStatus,PropertyType,PropertySubType,ListPrice,LivingArea,BedroomsTotal,BathroomsTotalInteger,PostalCode,City,StateOrProvince,UnparsedAddress"  # noqa: E501


def row(key: str, status: str = "Active", price: str = "650000") -> dict[str, str]:
    values = [key, status, "Residential", "SingleFamilyResidence", price, "1800", "3", "2", "98115", "Seattle", "WA"]
    return dict(zip(HEADER.split(","), [*values, f"{key} Test Ave"], strict=True))


def run(rows) -> list[tuple]:
    calls: list[tuple] = []
    report = import_rows(enumerate(rows, start=2), on_change=lambda *args: calls.append(args))
    assert report.ok, report.errors
    return calls


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ((None, None), ("Active", Decimal("500")), True),  # new on the market
        ((None, None), ("Closed", None), False),  # a sale on record is no news
        (("Pending", Decimal("500")), ("Active", Decimal("500")), True),  # back on the market
        (("Active", Decimal("500")), ("Active", Decimal("450")), True),  # price drop
        (("Active", Decimal("500")), ("Active", Decimal("550")), False),  # price raise
        (("Active", Decimal("500")), ("Active", Decimal("500")), False),
        (("Active", Decimal("500")), ("Pending", Decimal("450")), False),  # went under contract
    ],
)
def test_market_event_rule(before, after, expected):
    assert (
        is_market_event(previous_status=before[0], previous_list_price=before[1], status=after[0], list_price=after[1])
        is expected
    )


def test_import_calls_the_hook_for_new_active_listings_and_price_drops_only():
    # New rows: one Active, one Withdrawn
    first = run([row("H1"), row("H2", status="Withdrawn")])
    h1 = Listing.objects.get(listing_key="H1")
    assert first == [(h1.pk, None, None)]

    # Unchanged re-run, then a price raise: no news
    assert run([row("H1")]) == []
    assert run([row("H1", price="700000")]) == []

    # A drop while Active, then Pending and back to Active
    assert run([row("H1", price="600000")]) == [(h1.pk, Decimal("700000.00"), "Active")]
    assert run([row("H1", status="Pending", price="600000")]) == []
    assert run([row("H1", price="600000")]) == [(h1.pk, Decimal("600000.00"), "Pending")]


def test_rejected_batch_calls_no_hook():
    calls: list = []

    report = import_rows(enumerate([row("H1"), row("H1")], start=2), on_change=lambda *a: calls.append(a))

    assert not report.ok
    assert calls == []
    assert not Listing.objects.exists()


def write_csv(tmp_path, rows) -> str:
    path = tmp_path / "listings.csv"
    lines = [HEADER, *(",".join(r.values()) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_import_listings_command_matches_new_listings_to_saved_searches(tmp_path, django_capture_on_commit_callbacks):
    buyer = ContactFactory()
    search = SavedSearchFactory(contact=buyer, list_price_max=Decimal("700000"), bedrooms_total_min=3)
    SavedSearchFactory(contact=ContactFactory(), list_price_max=Decimal("400000"))  # too cheap for H1

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_listings", write_csv(tmp_path, [row("H1"), row("H2", status="Withdrawn")]),
                     "--no-progress")  # fmt: skip

    match = Match.objects.get()
    assert (match.saved_search, match.listing.listing_key, match.trigger) == (search, "H1", "new_listing")
    assert any("3 bd" in reason for reason in match.reasons)

    # A price drop re-offers the listing to the search that could not afford it before
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_listings", write_csv(tmp_path, [row("H1", price="390000")]), "--no-progress")

    assert Match.objects.count() == 2
    assert Match.objects.exclude(saved_search=search).get().trigger == "price_drop"


def test_import_listings_command_uses_the_settings_registry(tmp_path, settings):
    settings.LISTING_CHANGE_HOOKS = ["tests.leads.test_listing_change_hook.record_hook"]
    RECORDED.clear()

    call_command("import_listings", write_csv(tmp_path, [row("H9")]), "--no-progress")

    assert [(Listing.objects.get(listing_key="H9").pk, None, None)] == RECORDED
    assert not Match.objects.exists()


RECORDED: list = []


def record_hook(listing_id, previous_list_price, previous_status) -> None:
    RECORDED.append((listing_id, previous_list_price, previous_status))


def test_admin_price_drop_reaches_the_hooks(settings):
    settings.LISTING_CHANGE_HOOKS = ["tests.leads.test_listing_change_hook.record_hook"]
    RECORDED.clear()
    listing = ListingFactory(list_price=Decimal("650000"))
    request = RequestFactory().post("/admin/")
    request.user = User(is_superuser=True, is_staff=True)
    model_admin = admin.site.get_model_admin(Listing)

    listing.list_price = Decimal("675000")
    model_admin.save_model(request, listing, form=None, change=True)
    listing.list_price = Decimal("625000")
    model_admin.save_model(request, listing, form=None, change=True)

    assert [(listing.pk, Decimal("675000.00"), "Active")] == RECORDED
