"""Listings created or changed by an import or in the admin get their valuation refreshed; sales do not."""

import pytest
from django.core.management import call_command

from properties.models import Listing, ListingValuation
from tests.factories.properties import ListingFactory

pytestmark = pytest.mark.django_db

HEADER = "ListingKey,StandardStatus,ListPrice,ClosePrice,CloseDate,LivingArea,BedroomsTotal,Latitude,Longitude"


def test_import_refreshes_active_listings_only(tmp_path, capsys, django_capture_on_commit_callbacks):
    path = tmp_path / "l.csv"
    path.write_text(
        "\n".join(
            [HEADER, "S1,Closed,,500000,2016-03-01,1500,3,47.68,-122.30", "A1,Active,650000,,,1700,3,47.68,-122.31"]
        )
        + "\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_listings", str(path), "--no-progress")

    active = Listing.objects.get(listing_key="A1")
    assert ListingValuation.objects.filter(listing=active).count() == 1
    assert not ListingValuation.objects.filter(listing__listing_key="S1").exists()
    assert "Valuation and deal score refresh queued for 1 listings." in capsys.readouterr().out

    # Re-importing the same file changes nothing, so nothing is queued again.
    call_command("import_listings", str(path), "--no-progress")
    assert "refresh queued" not in capsys.readouterr().out


def test_admin_edit_of_an_active_listing_refreshes_it(admin_client, django_capture_on_commit_callbacks):
    listing = ListingFactory(list_price=650000)
    url = f"/admin/properties/listing/{listing.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, list)}
    data.pop("modification_timestamp", None)
    data.update(
        {"list_price": "640000", "modification_timestamp_0": "2016-12-01", "modification_timestamp_1": "10:00:00"}
    )
    for prefix in ("history", "media", "open_houses"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    listing.refresh_from_db()
    assert listing.list_price == 640000

    assert ListingValuation.objects.filter(listing=listing).count() == 1
