"""python manage.py load_demo — real Seattle sales plus a synthetic demo brokerage. Idempotent."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from leads import demo as leads_demo
from leads.services import ensure_demo_lead_engine
from marketing.services import ensure_default_nurture
from properties import demo as properties_demo
from properties import valuation_service
from realtor import demo as realtor_demo

DEMO_LOGINS = """Demo logins (password: realtor-demo)
  broker@example.com   broker, admin access at /admin/
  agent@example.com    agent portal at /app/
  buyer@example.com    buyer portal at /portal/
  seller@example.com   seller portal at /portal/"""


class Command(BaseCommand):
    help = "Load the King County sales (real) and a demo brokerage with synthetic listings, leads and clients."

    def add_arguments(self, parser):
        parser.add_argument("--active", type=int, default=300, help="synthetic Active listings to create (default 300)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, active, no_progress, **options):
        if active < 0:
            raise CommandError("--active must be 0 or more")
        with tqdm(total=43313, desc="Seattle sales", unit=" rows", disable=no_progress, file=self.stderr) as bar:
            report = properties_demo.load_seattle_sales(progress=bar.update)
        if report.errors:
            raise CommandError(f"the shipped sales failed to import: {report.errors[:3]}")
        self.stdout.write(
            f"Seattle sales: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        )
        team = realtor_demo.ensure_demo_brokerage()
        listings = properties_demo.load_synthetic_active_listings(
            count=active, agent_keys=[a.member_key for a in team.agents]
        )
        self.stdout.write(f"Synthetic Active listings: {listings.created} created, {listings.unchanged} unchanged")
        clients = leads_demo.ensure_demo_contacts(team)
        source = ensure_demo_lead_engine(team.brokerage)
        nurture = ensure_default_nurture(team.brokerage)
        engine = leads_demo.ensure_demo_engine_activity(team)
        self.stdout.write(
            f"Lead engine: webhook source {source.slug!r} (secret from REALTOR_DEMO_WEBHOOK_SECRET), "
            f"nurture {nurture.name!r}; {engine['events']} synthetic behaviour events, {engine['scored']} leads "
            f"scored, {engine['matches']} matches, {engine['tasks']} tasks"
        )
        started = time.perf_counter()
        months = valuation_service.warm_up()
        where = settings.VALUATION_CACHE_DIR or "memory only"
        self.stdout.write(
            f"Valuation engine ready for {', '.join(d.strftime('%B %Y') for d in months) or 'no month'} "
            f"in {time.perf_counter() - started:.0f} s (fits kept in {where})"
        )
        seller = clients["seller"]
        if seller.home_listing_id and seller.assigned_agent_id:
            cma = properties_demo.ensure_demo_shared_cma(
                agent=seller.assigned_agent,
                listing=seller.home_listing,
                seller_user=seller.user,
                as_of=valuation_service.data_as_of(),
            )
            if cma is not None:
                self.stdout.write(
                    f"CMA #{cma.pk} of {seller.home_listing.display_address} shared with {seller.user.email}"
                )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(DEMO_LOGINS)
