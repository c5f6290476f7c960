"""The ORM adapter: per-process cache and its invalidation, listing-to-subject mapping, errors."""

import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from properties import valuation_service
from properties.models import Listing
from tests.factories.properties import ClosedSaleFactory, ListingFactory
from tests.properties.test_cma_market import SUBJECT, build_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    return build_market()


def test_sales_data_is_built_once_while_the_sales_do_not_change(market):
    first = valuation_service.get_sales_data()

    with mock.patch("properties.valuation.SalesData.from_records") as rebuild:
        again = valuation_service.get_sales_data()

    rebuild.assert_not_called()
    assert again is first
    assert len(first) == len(market)


def test_a_new_sale_or_a_changed_sale_rebuilds_it(market):
    before = valuation_service.get_sales_data()

    ClosedSaleFactory(listing_key="NEW-SALE", close_date=datetime.date(2016, 5, 5))
    added = valuation_service.get_sales_data()
    Listing.objects.filter(listing_key="MKT-5").update(
        close_price=Decimal("123456"), modification_timestamp=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    )
    changed = valuation_service.get_sales_data()

    assert added is not before and len(added) == len(before) + 1
    assert changed is not added
    assert changed.close_price[changed.row_of_listing("MKT-5")] == 123456


def test_an_active_listing_does_not_invalidate_it(market):
    before = valuation_service.get_sales_data()

    ListingFactory()

    assert valuation_service.get_sales_data() is before


def test_subject_from_listing_maps_reso_fields():
    listing = ListingFactory.build(
        listing_key="S-1", bathrooms_full=2, bathrooms_half=1, bathrooms_three_quarter=1, waterfront_yn=True,
        parcel_number="0001", building_grade=8, year_built_effective=1999, property_sub_type="Townhouse",
    )  # fmt: skip

    subject = valuation_service.subject_from_listing(listing)

    assert subject["bathrooms"] == 3.25
    assert subject["listing_key"] == "S-1" and subject["parcel_number"] == "0001"
    assert subject["waterfront_yn"] is True and subject["building_grade"] == 8
    assert subject["property_sub_type"] == "Townhouse"
    assert subject["display_address"] == listing.display_address


def test_subject_from_attributes_prefers_decimal_bathrooms_and_names_the_point():
    subject = valuation_service.subject_from_attributes(
        {"latitude": 47.6, "longitude": -122.3, "living_area": 1500, "bathrooms_total_integer": 2, "junk": 1}
    )

    assert subject["bathrooms"] == 2.0
    assert "junk" not in subject
    assert subject["display_address"] == "47.60000, -122.30000"


def test_no_sales_at_all_is_a_field_error():
    with pytest.raises(valuation_service.ValuationInputError) as caught:
        valuation_service.value_subject(subject=dict(SUBJECT), as_of=datetime.date(2016, 1, 1))

    assert "as_of" in caught.value.fields


def test_the_subjects_own_later_sale_and_parcel_sale_are_never_comps(market):
    own = market[-1]
    subject = valuation_service.subject_from_listing(own)

    result = valuation_service.value_subject(subject=subject, as_of=own.close_date)

    assert own.listing_key not in {c["listing_key"] for c in result["comps"]}
    assert all(c["close_date"] < own.close_date.isoformat() for c in result["comps"])


def test_market_trend_stops_before_the_as_of_month(market):
    rows = valuation_service.market_trend(postal_code="98115", as_of=datetime.date(2015, 3, 15), months=3)

    assert [r["month"] for r in rows] == [
        datetime.date(2014, 12, 1),
        datetime.date(2015, 1, 1),
        datetime.date(2015, 2, 1),
    ]
    assert valuation_service.market_trend(postal_code="00000", as_of=datetime.date(2015, 3, 15)) == []


AS_OF = datetime.date(2016, 6, 15)


def _value():
    return valuation_service.value_subject(
        subject=valuation_service.subject_from_attributes(dict(SUBJECT)), as_of=AS_OF
    )


def test_a_months_fit_is_saved_and_a_new_process_loads_it_instead_of_refitting(market, settings, tmp_path):
    settings.VALUATION_CACHE_DIR = str(tmp_path)
    valuation_service.clear_cache()
    first = _value()
    saved = list(tmp_path.glob("*.joblib"))
    assert len(saved) == 1 and saved[0].name.endswith("-24197.joblib")  # month number of June 2016

    valuation_service.clear_cache()  # as a fresh process would start
    with mock.patch("properties.valuation.engine.ValuationEngine.prepare", side_effect=AssertionError("refit")):
        again = _value()

    assert again["estimate"] == first["estimate"]
    assert (again["low"], again["high"], again["confidence"]) == (first["low"], first["high"], first["confidence"])


def test_an_unreadable_fit_file_is_refitted_and_replaced(market, settings, tmp_path, caplog):
    settings.VALUATION_CACHE_DIR = str(tmp_path)
    valuation_service.clear_cache()
    first = _value()
    (saved,) = tmp_path.glob("*.joblib")
    saved.write_bytes(b"not a pickle")
    valuation_service.clear_cache()

    again = _value()

    assert again["estimate"] == first["estimate"]
    assert "unreadable; refitting" in caplog.text
    assert saved.stat().st_size > 1000


def test_other_sales_never_load_a_saved_fit(market, settings, tmp_path):
    settings.VALUATION_CACHE_DIR = str(tmp_path)
    valuation_service.clear_cache()
    _value()
    (before,) = tmp_path.glob("*.joblib")
    ClosedSaleFactory(listing_key="LATE-ADD", close_date=datetime.date(2015, 3, 3))
    valuation_service.clear_cache()

    with mock.patch("properties.valuation.engine.ValuationEngine.restore_period") as restore:
        _value()

    restore.assert_not_called()
    (after,) = tmp_path.glob("*.joblib")
    assert after.name != before.name


def test_a_new_fit_of_a_month_replaces_the_stale_file(market, settings, tmp_path):
    settings.VALUATION_CACHE_DIR = str(tmp_path)
    stale = tmp_path / "avm-0.9-0123456789abcdef-24197.joblib"
    stale.write_bytes(b"old")
    other_month = tmp_path / "avm-0.9-0123456789abcdef-24100.joblib"
    other_month.write_bytes(b"old")
    valuation_service.clear_cache()

    _value()

    assert not stale.exists() and other_month.exists()
    assert len(list(tmp_path.glob("*-24197.joblib"))) == 1


def test_warm_valuation_fits_a_range_of_months_once_and_later_runs_load_them(market, settings, tmp_path, capsys):
    settings.VALUATION_CACHE_DIR = str(tmp_path)
    valuation_service.clear_cache()

    call_command("warm_valuation", "--from", "2014-01", "--to", "2016-06", "--no-progress")
    first = capsys.readouterr().out
    saved = sorted(p.name.rsplit("-", 1)[1] for p in tmp_path.glob("*.joblib"))
    valuation_service.clear_cache()  # a new process
    call_command("warm_valuation", "--from", "2016-04", "--to", "2016-06", "--no-progress")
    again = capsys.readouterr().out

    skipped = 30 - len(saved)
    assert skipped > 0  # the first months have too few earlier sales
    assert first.startswith(
        f"{len(saved)} months ready (2014-01 to 2016-06): {len(saved)} fitted, 0 already prepared, "
    )
    assert f"{skipped} skipped (too few earlier sales)" in first
    assert again.startswith("3 months ready (2016-04 to 2016-06): 0 fitted, 3 already prepared, 0 skipped")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--from", "2016-13"], "'2016-13' is not a month (YYYY-MM)"), (["--from", "2016-05", "--to", "2016-04"], "--to")],
)
def test_warm_valuation_rejects_bad_months(market, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("warm_valuation", *args, "--no-progress")
