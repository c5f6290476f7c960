"""End to end in a real browser: a buyer favourites a home; an agent filters the listing search via htmx."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from leads.models import Favorite
from tests.factories.core import PASSWORD, AgentFactory, BrokerageFactory
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ClosedSaleFactory, ListingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_buyer_signs_in_browses_homes_and_saves_a_favourite(live_server, page, screenshot):
    brokerage = BrokerageFactory(name="Lakeside Realty")
    agent = AgentFactory(brokerage=brokerage, user__first_name="Alex", user__last_name="Agent", phone="206-555-0142")
    buyer = ContactFactory(
        brokerage=brokerage, assigned_agent=agent, first_name="Bea", last_name="Buyer", contact_type="buyer"
    )
    user = make_client(buyer, first_name="Bea", last_name="Buyer")
    ListingFactory(unparsed_address="1200 Maple Leaf Pl NE", list_price=Decimal("815000"), bedrooms_total=4)
    ListingFactory(
        unparsed_address="455 Ravenna Ave NE", list_price=Decimal("649000"), bedrooms_total=2, is_synthetic=True
    )
    ListingFactory(unparsed_address="78 Cowen Park Dr", list_price=Decimal("1095000"), bedrooms_total=5)
    ClosedSaleFactory(unparsed_address="", parcel_number="1234500000")

    sign_in(page, live_server.url, user.email)

    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Welcome, Bea")).to_be_visible()
    expect(page.get_by_text("Alex Agent")).to_be_visible()
    screenshot(page, "portal-home")
    screenshot(page, "portal-home", mobile=True)

    page.get_by_role("link", name="Browse homes for sale").click()
    expect(page).to_have_url(f"{live_server.url}/portal/homes/")
    expect(page.get_by_text("3 homes for sale")).to_be_visible()
    expect(page.get_by_text("Synthetic demo price")).to_be_visible()
    save = page.get_by_role("button", name="Save 455 Ravenna Ave NE, Seattle, WA 98115 to favourites")
    save.click()
    # htmx swapped the button in place: the page itself did not reload.
    expect(page.get_by_role("button", name=re.compile(r"remove 455 Ravenna Ave NE"))).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/portal/homes/")
    screenshot(page, "portal-homes")
    assert Favorite.objects.filter(contact=buyer).count() == 1

    page.get_by_role("navigation", name="Client portal").get_by_role("link", name="Favourites").click()
    expect(page).to_have_url(f"{live_server.url}/portal/favorites/")
    expect(page.get_by_role("link", name="455 Ravenna Ave NE, Seattle, WA 98115")).to_be_visible()
    expect(page.get_by_text("1200 Maple Leaf Pl NE")).to_have_count(0)


def test_agent_filters_the_listing_search_and_results_update_via_htmx(live_server, page, screenshot):
    agent = AgentFactory(user__first_name="Alex", user__last_name="Agent")
    ListingFactory(unparsed_address="1200 Maple Leaf Pl NE", list_price=Decimal("815000"))
    ListingFactory(unparsed_address="455 Ravenna Ave NE", list_price=Decimal("649000"), is_synthetic=True)
    for day in range(1, 4):
        ClosedSaleFactory(
            unparsed_address="",
            parcel_number=f"98765{day:05d}",
            close_date=datetime.date(2016, 3, day),
            close_price=Decimal(600000 + day * 10000),
        )

    sign_in(page, live_server.url, agent.user.email)
    expect(page).to_have_url(f"{live_server.url}/app/")
    page.get_by_role("navigation", name="Agent portal").get_by_role("link", name="Listings").click()
    expect(page.get_by_text("5 listings")).to_be_visible()
    screenshot(page, "app-listings")
    screenshot(page, "app-listings", mobile=True)
    # A marker on window survives an htmx swap but not a full page load.
    page.evaluate("window.__noReload = true")

    page.get_by_label("Status").select_option("Closed")

    expect(page.get_by_text("3 listings")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/app/listings/\?.*standard_status=Closed"))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#results")).not_to_contain_text("Maple Leaf")
    assert page.evaluate("window.__noReload") is True

    page.get_by_label("Sort by").select_option("-close_price")
    expect(rows.first).to_contain_text("Parcel 9876500003")
    expect(rows.first).to_contain_text("$630,000")
    assert page.evaluate("window.__noReload") is True
