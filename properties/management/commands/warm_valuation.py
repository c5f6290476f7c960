"""python manage.py warm_valuation [--from YYYY-MM] [--to YYYY-MM]"""

from __future__ import annotations

import datetime
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from properties import valuation_service
from properties.valuation import InsufficientData
from properties.valuation.data import date_from_day, month_number, month_start


def _month(value: str) -> int:
    try:
        return month_number(datetime.datetime.strptime(value, "%Y-%m").date())
    except ValueError:
        raise CommandError(f"{value!r} is not a month (YYYY-MM)") from None


class Command(BaseCommand):
    help = (
        "Fit the valuation engine's months ahead of time and keep them in VALUATION_CACHE_DIR, so a valuation as "
        "of any date in the range (a sold listing's value panel, a CMA as of a past date) starts at once. "
        "Default range: the month after the first sale to the data's as-of month. Months already on disk load "
        "in well under a second; each new one takes seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", default="", help="first month (YYYY-MM)")
        parser.add_argument("--to", dest="end", default="", help="last month (YYYY-MM), inclusive")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, start, end, no_progress, **options):
        try:
            sales = valuation_service.get_sales_data()
        except valuation_service.ValuationInputError as exc:
            raise CommandError(exc.message) from None
        first = _month(start) if start else month_number(date_from_day(int(sales.close_day[0]))) + 1
        last = _month(end) if end else month_number(valuation_service.data_as_of())
        if last < first:
            raise CommandError("--to must not be before --from")
        if not settings.VALUATION_CACHE_DIR:
            self.stderr.write("note: VALUATION_CACHE_DIR is empty, so the fits last only as long as this command")
        started = time.perf_counter()
        outcomes: Counter = Counter()
        for month in tqdm(range(first, last + 1), desc="Months", unit=" months", disable=no_progress, file=self.stderr):
            try:
                outcomes[valuation_service.prepare_month(month_start(month))] += 1
            except InsufficientData:
                outcomes["skipped"] += 1
        ready = outcomes["fitted"] + outcomes["disk"] + outcomes["memory"]
        self.stdout.write(
            f"{ready} months ready ({month_start(first):%Y-%m} to {month_start(last):%Y-%m}): {outcomes['fitted']} "
            f"fitted, {outcomes['disk'] + outcomes['memory']} already prepared, {outcomes['skipped']} skipped "
            f"(too few earlier sales); {time.perf_counter() - started:.0f} s; fits kept in "
            f"{settings.VALUATION_CACHE_DIR or 'memory only'}"
        )
