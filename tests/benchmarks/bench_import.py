"""Import speed: the 43,313 Seattle sales as a RESO CSV through import_listings (target: well under 60 s)."""

import csv
import time

import pytest
from django.core.management import call_command

from properties.importers import field_to_header
from properties.kc_data import read_seattle_sales
from properties.models import Listing

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]


def test_import_43k_reso_csv(tmp_path, bench):
    records = list(read_seattle_sales())
    fields = ["standard_status", *records[0].keys()]
    path = tmp_path / "seattle.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([field_to_header(f) for f in fields])
        for r in records:
            writer.writerow(["Closed", *(r[f] for f in fields[1:])])

    started = time.perf_counter()
    call_command("import_listings", str(path), "--no-progress")
    first = time.perf_counter() - started
    started = time.perf_counter()
    call_command("import_listings", str(path), "--no-progress")
    rerun = time.perf_counter() - started

    assert Listing.objects.count() == len(records) == 43313
    bench.record("import 43,313 rows (RESO CSV, new)", first, "s", "< 60 s", first < 60)
    bench.record("re-import 43,313 rows (unchanged)", rerun, "s", "< 60 s", rerun < 60)
