"""Chainable listing queries."""

from __future__ import annotations

from django.db import models


class ListingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(standard_status="Active")

    def closed(self):
        return self.filter(standard_status="Closed")

    def sold_between(self, start, end):
        """Closed sales with ``start <= close_date <= end`` (dates)."""
        return self.closed().filter(close_date__gte=start, close_date__lte=end)

    def sold_before(self, as_of):
        """Closed sales strictly before ``as_of`` (a date): the only ones a valuation may use."""
        return self.closed().filter(close_date__lt=as_of)
