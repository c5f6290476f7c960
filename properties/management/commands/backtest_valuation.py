"""python manage.py backtest_valuation --from 2016-01-01 --to 2016-12-31 --sample 2000 --seed 1 [--out results.csv]"""

from __future__ import annotations

import csv
import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from properties.selectors import closed_sales_records
from properties.valuation import SalesData, ValuationEngine, run_backtest
from properties.valuation.backtest import BacktestRow


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Backtest the valuation engine: value a seeded random sample of the Closed sales between --from and --to "
        "as of their close dates (each sale's own record and everything later unseen) and print accuracy: "
        "coverage, MdAPE, shares within 5/10/20%, share of prices inside the 80% range, time per valuation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first close date (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", required=True, help="last close date (YYYY-MM-DD), inclusive")
        parser.add_argument("--sample", type=int, default=2000, help="number of sales to value (default 2000)")
        parser.add_argument("--seed", type=int, default=0, help="seed of the random sample (default 0)")
        parser.add_argument("--out", default="", help="write one CSV row per valued sale to this path")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, start, end, sample, seed, out, no_progress, **options):
        start_date, end_date = _date(start), _date(end)
        if end_date < start_date:
            raise CommandError("--to must not be before --from")
        if sample < 1:
            raise CommandError("--sample must be at least 1")
        loaded = time.perf_counter()
        try:
            sales = SalesData.from_records(closed_sales_records())
        except ValueError as exc:
            raise CommandError(f"no sales to backtest on: {exc}") from None
        self.stderr.write(f"loaded {len(sales):,} closed sales in {time.perf_counter() - loaded:.1f} s")
        engine = ValuationEngine(sales)
        with tqdm(desc="Valuing", unit=" sales", disable=no_progress, file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                result = run_backtest(
                    engine, start=start_date, end=end_date, sample=sample, seed=seed, progress=progress
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        if not result.rows:
            raise CommandError(f"no closed sales between {start_date} and {end_date}")
        s = result.summary
        lines = [
            f"sales valued      {s.valued:,} of {s.count:,} (coverage {100 * s.coverage:.1f}%)",
            f"MdAPE             {s.mdape_pct:.2f}%",
            f"within 5/10/20%   {100 * s.within_5:.1f}% / {100 * s.within_10:.1f}% / {100 * s.within_20:.1f}%",
            f"in 80% range      {100 * s.range_coverage:.1f}%",
            f"per valuation     {s.mean_ms_per_valuation:.1f} ms mean, {s.p95_ms_per_valuation:.1f} ms p95",
            f"period fits       {s.fit_seconds:.1f} s; total {s.total_seconds:.1f} s",
        ]
        self.stdout.write("\n".join(lines))
        if out:
            _write_csv(out, result.rows)
            self.stdout.write(f"wrote {len(result.rows):,} rows to {out}")


def _write_csv(path: str, rows: list[BacktestRow]) -> None:
    fields = list(rows[0].to_dict())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow(row.to_dict())
