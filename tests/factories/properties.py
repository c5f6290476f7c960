import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from properties.models import Listing, StandardStatus


class ListingFactory(DjangoModelFactory):
    """An Active single-family listing in Seattle 98115."""

    class Meta:
        model = Listing

    listing_key = factory.Sequence(lambda n: f"TEST-{n}")
    listing_id = factory.Sequence(lambda n: f"L{n}")
    standard_status = StandardStatus.ACTIVE
    property_type = "Residential"
    property_sub_type = "SingleFamilyResidence"
    list_price = Decimal("650000")
    bedrooms_total = 3
    bathrooms_total_integer = 2
    bathrooms_full = 2
    living_area = 1800
    lot_size_square_feet = 5000
    year_built = 1960
    unparsed_address = factory.Sequence(lambda n: f"{100 + n} Test Ave NE")
    city = "Seattle"
    state_or_province = "WA"
    postal_code = "98115"
    latitude = 47.68
    longitude = -122.30


class ClosedSaleFactory(ListingFactory):
    standard_status = StandardStatus.CLOSED
    list_price = None
    close_price = Decimal("640000")
    close_date = datetime.date(2016, 6, 1)
