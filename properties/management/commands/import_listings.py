"""python manage.py import_listings --format reso-csv FILE"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from properties import cma_services
from properties.hooks import notify_listing_change
from properties.importers import ignored_headers, import_rows, read_reso_csv


class Command(BaseCommand):
    help = (
        "Import listings from a CSV whose headers are RESO Data Dictionary names (ListingKey, StandardStatus, "
        "ListPrice, ClosePrice, CloseDate, LivingArea, …). Upserts on ListingKey; re-running changes nothing. "
        "Bad rows are reported with line numbers and a batch with any bad row writes nothing. "
        "New Active listings and price drops are passed to settings.LISTING_CHANGE_HOOKS (buyer matching)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")
        parser.add_argument("--format", choices=["reso-csv"], default="reso-csv", help="input format (reso-csv)")
        parser.add_argument(
            "--batch-size", type=int, default=0, help="rows per all-or-nothing batch (default 0: the whole file)"
        )
        parser.add_argument("--source", default="", help="data source label stored on new listings")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, file, batch_size, source, no_progress, **options):
        if batch_size < 0:
            raise CommandError("--batch-size must be 0 or more")
        try:
            headers, rows = read_reso_csv(file)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from None
        for header in ignored_headers(headers):
            self.stderr.write(f"note: column {header!r} matches no listing field and is ignored")
        with tqdm(desc="Importing", unit=" rows", disable=no_progress, file=self.stderr) as bar:
            try:
                report = import_rows(
                    rows,
                    batch_size=batch_size,
                    data_source=source or file,
                    progress=bar.update,
                    on_change=notify_listing_change,
                )
            except UnicodeDecodeError as exc:
                raise CommandError(f"{file}: not UTF-8 text ({exc.reason})") from None
        for error in report.errors:
            self.stderr.write(self.style.ERROR(str(error)))
        if report.refresh_keys:
            queued = cma_services.refresh_listings(listing_keys=report.refresh_keys)
            self.stdout.write(f"Valuation and deal score refresh queued for {queued} listings.")
        summary = (
            f"{report.rows} rows: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        )
        if report.errors:
            summary += f"; {len(report.errors)} errors, {report.rows_not_written} rows in rejected batches not written"
            self.stdout.write(summary)
            raise CommandError("import finished with errors; rejected batches wrote nothing")
        self.stdout.write(self.style.SUCCESS(summary))
