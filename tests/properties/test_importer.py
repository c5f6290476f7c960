"""import_listings: RESO CSV upsert, row-numbered errors, all-or-nothing batches, idempotent re-runs."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from properties.importers import header_to_field, import_rows, read_reso_csv
from properties.models import Listing, ListingHistory
from tests.factories.core import AgentFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "ListingKey,StandardStatus,PropertyType,PropertySubType,ListPrice,ClosePrice,CloseDate,LivingArea,BedroomsTotal,"
    "BathroomsTotalInteger,YearBuilt,LotSizeSquareFeet,Latitude,Longitude,PostalCode,City,StateOrProvince,"
    "UnparsedAddress,ParcelNumber,WaterfrontYN"
)
GOOD = [
    "K1,Closed,Residential,SingleFamilyResidence,,650000,2016-05-02,1800,3,2,1955,5000,47.68,-122.30,98115,Seattle,WA,1 A St,P1,false",
    "K2,Active,Residential,Townhouse,725000,,,1500,2,3,2010,1200,47.66,-122.35,98103,Seattle,WA,2 B St,P2,",
    "K3,Closed,Residential,SingleFamilyResidence,,1250000,2016-07-20,2900,4,3,1928,7000,47.64,-122.28,,,,,P3,true",
]


def write_csv(tmp_path, rows, header=HEADER, name="listings.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def snapshot():
    return sorted(
        Listing.objects.values_list(
            "listing_key", "standard_status", "list_price", "close_price", "modification_timestamp"
        )
    )


def test_header_names_map_to_snake_case_reso_fields():
    assert header_to_field("BathroomsTotalInteger") == "bathrooms_total_integer"
    assert header_to_field("LotSizeSquareFeet") == "lot_size_square_feet"
    assert header_to_field("WaterfrontYN") == "waterfront_yn"
    assert header_to_field("list_price") == "list_price"


def test_good_file_imports_every_field(tmp_path):
    path = write_csv(tmp_path, GOOD)
    call_command("import_listings", "--format", "reso-csv", str(path), "--no-progress")

    assert Listing.objects.count() == 3
    k1 = Listing.objects.get(listing_key="K1")
    assert k1.standard_status == "Closed"
    assert k1.close_price == Decimal("650000")
    assert k1.close_date == datetime.date(2016, 5, 2)
    assert (k1.living_area, k1.bedrooms_total, k1.bathrooms_total_integer, k1.year_built) == (1800, 3, 2, 1955)
    assert k1.waterfront_yn is False
    k2 = Listing.objects.get(listing_key="K2")
    assert k2.list_price == Decimal("725000") and k2.property_sub_type == "Townhouse"
    assert k2.waterfront_yn is None
    # K3 has coordinates but no ZIP or city: filled offline from the nearest ZIP centroid
    k3 = Listing.objects.get(listing_key="K3")
    assert k3.waterfront_yn is True
    assert k3.city == "Seattle"
    assert k3.postal_code.startswith("981")
    assert k3.state_or_province == "WA"


def test_rerun_changes_nothing(tmp_path):
    path = write_csv(tmp_path, GOOD)
    call_command("import_listings", str(path), "--no-progress")
    before = snapshot()

    call_command("import_listings", str(path), "--no-progress")

    assert snapshot() == before
    assert ListingHistory.objects.count() == 0


def test_changed_row_updates_and_records_price_history(tmp_path):
    call_command("import_listings", str(write_csv(tmp_path, GOOD)), "--no-progress")
    changed = [GOOD[0], GOOD[1].replace("725000", "699000"), GOOD[2]]

    call_command("import_listings", str(write_csv(tmp_path, changed, name="b.csv")), "--no-progress")

    assert Listing.objects.get(listing_key="K2").list_price == Decimal("699000")
    event = ListingHistory.objects.get()
    assert (event.event, event.previous_value, event.new_value) == ("price", "725000.00", "699000")


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(tmp_path, capsys):
    bad = [
        GOOD[0],
        "B1,Closed,Residential,SingleFamilyResidence,,650000,2016-13-45,1800,3,2,1955,5000,47.6,-122.3,98115,Seattle,WA,x,P,",
        "B2,Active,Residential,SingleFamilyResidence,-100,,,1800,3,2,1955,5000,47.6,-122.3,98115,Seattle,WA,x,P,",
        ",Active,Residential,SingleFamilyResidence,100,,,1800,3,2,1955,5000,47.6,-122.3,98115,Seattle,WA,x,P,",
        "B4,Closed,Residential,SingleFamilyResidence,,,,1800,3,2,1955,5000,47.6,-122.3,98115,Seattle,WA,x,P,",
        "B5,Sold,Residential,SingleFamilyResidence,1,,,1800,3,2,1955,5000,47.6,-122.3,98115,Seattle,WA,x,P,",
        "B6,Active,Residential,SingleFamilyResidence,1,,,big,3,2,1955,5000,95,-122.3,98115,Seattle,WA,x,P,",
    ]
    path = write_csv(tmp_path, bad)

    with pytest.raises(CommandError, match="rejected batches wrote nothing"):
        call_command("import_listings", str(path), "--no-progress")

    err = capsys.readouterr().err
    assert "line 3: CloseDate '2016-13-45' is not a date (YYYY-MM-DD)" in err
    assert "line 4: ListPrice must not be negative" in err
    assert "line 5: ListingKey is required" in err
    assert "line 6: ClosePrice is required for a Closed listing" in err
    assert "line 6: CloseDate is required for a Closed listing" in err
    assert "line 7: StandardStatus 'Sold' is not a RESO StandardStatus" in err
    assert "line 8: LivingArea 'big' is not a whole number" in err
    assert "line 8: Latitude must be between -90 and 90" in err
    assert "line 2" not in err  # the good row has no error…
    assert Listing.objects.count() == 0  # …but its batch failed, so nothing was written


def test_only_failing_batches_are_rejected(tmp_path):
    rows = [GOOD[0], GOOD[1], "X,Bogus,Residential,,1,,,,,,,,,,,,,,,"]
    path = write_csv(tmp_path, rows)
    headers, reader = read_reso_csv(path)

    report = import_rows(reader, batch_size=2)

    assert report.created == 2
    assert report.rejected_batches == 1
    assert [str(e) for e in report.errors] == ["line 4: StandardStatus 'Bogus' is not a RESO StandardStatus"]
    assert set(Listing.objects.values_list("listing_key", flat=True)) == {"K1", "K2"}


def test_duplicate_key_in_file_is_an_error(tmp_path):
    path = write_csv(tmp_path, [GOOD[0], GOOD[0]])
    with pytest.raises(CommandError):
        call_command("import_listings", str(path), "--no-progress")
    assert Listing.objects.count() == 0


def test_list_agent_key_links_the_agent_and_unknown_keys_fail(tmp_path, brokerage):
    agent = AgentFactory(brokerage=brokerage, member_key="M-77")
    header = "ListingKey,StandardStatus,ListPrice,ListAgentKey"
    call_command("import_listings", str(write_csv(tmp_path, ["Z1,Active,500000,M-77"], header=header)), "--no-progress")
    assert Listing.objects.get(listing_key="Z1").list_agent == agent

    bad = write_csv(tmp_path, ["Z2,Active,500000,NOPE"], header=header, name="bad.csv")
    with pytest.raises(CommandError):
        call_command("import_listings", str(bad), "--no-progress")
    assert not Listing.objects.filter(listing_key="Z2").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty or has no header"), ("City,ListPrice\nSeattle,1\n", "no ListingKey column")],
)
def test_files_that_are_not_reso_csv_are_refused(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_listings", str(path), "--no-progress")


def test_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_listings", "/nonexistent/file.csv", "--no-progress")


def test_a_database_refusal_rejects_the_batch_without_crashing(monkeypatch, tmp_path):
    # Given a row the row rules accept but the database refuses (simulated constraint drift)
    from django.db import IntegrityError

    import properties.importers as importers

    def refuse(*args, **kwargs):
        raise IntegrityError("CHECK constraint failed: listing_list_price_nonneg")

    monkeypatch.setattr(importers.Listing.objects, "bulk_create", refuse)
    headers, rows = read_reso_csv(write_csv(tmp_path, GOOD[:2]))

    report = import_rows(rows)

    assert report.rejected_batches == 1
    assert report.rows_not_written == 2
    assert [e.message for e in report.errors] == [
        "batch rejected by the database: CHECK constraint failed: listing_list_price_nonneg"
    ]
    assert Listing.objects.count() == 0
