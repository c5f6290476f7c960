"""Synthetic leads and the demo clients (buyer@example.com, seller@example.com). Idempotent.

Names come from short fixed lists; stages, types and timelines are assigned by a seeded
generator (``numpy.random.default_rng``). Every row is ``is_synthetic=True``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from properties.models import Listing
from realtor.demo import DEMO_PASSWORD, DemoTeam
from realtor.models import User

from .models import Activity, BehaviorEvent, Contact, Match, SavedSearch, Task

SEED = 4242
FIRST = ["Alex", "Sam", "Taylor", "Jamie", "Quinn", "Drew", "Rowan", "Harper", "Emerson", "Reese", "Kai", "Skyler"]
LAST = ["Anders", "Bauer", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kowalski", "Lopez"]


def _client_user(email: str, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "role": User.Role.CLIENT, "is_synthetic": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def ensure_demo_contacts(team: DemoTeam, *, count: int = 60) -> dict[str, Contact]:
    """Create ``count`` synthetic leads across the demo agents, plus the buyer and seller clients.

    Returns the two client contacts by role. The seller's home is the demo agent's first
    synthetic Active listing.
    """
    rng = np.random.default_rng(SEED)
    brokerage, agents = team.brokerage, team.agents
    stages = list(Contact.Stage.values)
    timelines = [t for t in Contact.Timeline.values if t]
    now = timezone.now()
    with transaction.atomic():
        for n in range(count):
            first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
            email = f"{first}.{last}.{n}@demo.example.com".lower()
            if Contact.objects.filter(brokerage=brokerage, email_normalized=email).exists():
                continue
            contact = Contact.objects.create(
                brokerage=brokerage,
                assigned_agent=agents[n % len(agents)],
                first_name=first,
                last_name=last,
                email=email,
                phone=f"+1206555{n:04d}",
                contact_type=str(rng.choice(Contact.ContactType.values)),
                stage=str(rng.choice(stages)),
                timeline=str(rng.choice(timelines)),
                pre_approved=bool(rng.random() < 0.4),
                system="demo",
                email_consent=True,
                email_consent_at=now,
                consent_text="Synthetic demo consent.",
                is_synthetic=True,
            )
            Contact.objects.filter(pk=contact.pk).update(
                created_at=now - datetime.timedelta(hours=int(rng.integers(1, 24 * 45)))
            )
            if contact.stage != Contact.Stage.NEW:
                Activity.objects.create(
                    contact=contact, agent=contact.assigned_agent, kind=Activity.Kind.CALL,
                    body="Intro call (synthetic demo activity).", is_synthetic=True,
                )  # fmt: skip
        demo_agent = agents[0]
        buyer_user = _client_user("buyer@example.com", "Bailey", "Buyer")
        buyer, _ = Contact.objects.get_or_create(
            brokerage=brokerage,
            user=buyer_user,
            defaults={
                "assigned_agent": demo_agent, "first_name": "Bailey", "last_name": "Buyer",
                "email": "buyer@example.com", "contact_type": Contact.ContactType.BUYER, "stage": Contact.Stage.ACTIVE,
                "timeline": "0-3", "pre_approved": True, "email_consent": True, "email_consent_at": now,
                "consent_text": "Synthetic demo consent.", "is_synthetic": True, "system": "demo",
            },
        )  # fmt: skip
        if not buyer.saved_searches.exists():
            SavedSearch.objects.create(
                contact=buyer, name="3+ bd in north Seattle", list_price_min=Decimal("400000"),
                list_price_max=Decimal("900000"), bedrooms_total_min=3, postal_codes=["98115", "98117", "98103"],
            )  # fmt: skip
        seller_user = _client_user("seller@example.com", "Sydney", "Seller")
        home = Listing.objects.filter(list_agent=demo_agent, is_synthetic=True).order_by("listing_key").first()
        seller, _ = Contact.objects.get_or_create(
            brokerage=brokerage,
            user=seller_user,
            defaults={
                "assigned_agent": demo_agent, "first_name": "Sydney", "last_name": "Seller",
                "email": "seller@example.com", "contact_type": Contact.ContactType.SELLER, "stage": Contact.Stage.ACTIVE,
                "home_listing": home, "email_consent": True, "email_consent_at": now,
                "consent_text": "Synthetic demo consent.", "is_synthetic": True, "system": "demo",
            },
        )  # fmt: skip
    return {"buyer": buyer, "seller": seller}


#: Demo leads that get synthetic behaviour events (views, favourites, opened emails).
ENGAGED_LEADS = 12


def ensure_demo_engine_activity(team: DemoTeam) -> dict[str, int]:
    """Give the demo's lead engine something to show, idempotently; returns what was created.

    - synthetic behaviour events (``is_synthetic=True``) for up to :data:`ENGAGED_LEADS`
      open leads, drawn by a seeded generator, once per brokerage;
    - a score (with its breakdown) for every synthetic contact not scored yet;
    - matches of the Active listings against the demo buyer's saved search (the real
      matcher; the listings carry synthetic prices and say so);
    - two follow-up tasks for the demo agent when they have none ("(demo)" in the title).
    """
    from .services import apply_score, match_listing_to_searches

    rng = np.random.default_rng(SEED + 1)
    brokerage, demo_agent = team.brokerage, team.agents[0]
    now = timezone.now()
    created = {"events": 0, "scored": 0, "matches": 0, "tasks": 0}
    kinds = [BehaviorEvent.Kind.VIEWED_LISTING, BehaviorEvent.Kind.OPENED_EMAIL, BehaviorEvent.Kind.FAVORITED]
    listing_ids = list(
        Listing.objects.filter(is_synthetic=True, standard_status="Active")
        .order_by("listing_key")
        .values_list("pk", flat=True)[:50]
    )
    with transaction.atomic():
        seeded = BehaviorEvent.objects.filter(contact__brokerage=brokerage, is_synthetic=True).exists()
        leads = (
            Contact.objects.filter(brokerage=brokerage, is_synthetic=True, user__isnull=True)
            .filter(stage__in=[Contact.Stage.NEW, Contact.Stage.CONTACTED, Contact.Stage.NURTURING])
            .order_by("email")[: 0 if seeded else ENGAGED_LEADS]
        )
        events = []
        for contact in leads:
            for _ in range(int(rng.integers(1, 5))):
                kind = kinds[int(rng.integers(0, len(kinds)))]
                events.append(
                    BehaviorEvent(
                        contact=contact,
                        kind=kind,
                        listing_id=listing_ids[int(rng.integers(0, len(listing_ids)))] if listing_ids else None,
                        occurred_at=now - datetime.timedelta(hours=int(rng.integers(1, 24 * 14))),
                        is_synthetic=True,
                    )
                )
        BehaviorEvent.objects.bulk_create(events)
        created["events"] = len(events)
        for contact in Contact.objects.filter(
            brokerage=brokerage, is_synthetic=True, scored_at__isnull=True
        ).select_related("source", "inquiry_listing"):
            apply_score(contact=contact, now=now)
            created["scored"] += 1
        if not Task.objects.filter(agent=demo_agent).exists():
            mine = list(
                Contact.objects.filter(assigned_agent=demo_agent, is_synthetic=True, user__isnull=True).order_by(
                    "email"
                )[:2]
            )
            for offset, contact in zip((-1, 1), mine, strict=False):
                Task.objects.create(
                    contact=contact,
                    agent=demo_agent,
                    title="Call back about the showing (demo)" if offset < 0 else "Send new listings (demo)",
                    due_at=now + datetime.timedelta(days=offset),
                )
                created["tasks"] += 1
    searches = SavedSearch.objects.filter(contact__brokerage=brokerage, contact__is_synthetic=True, is_active=True)
    for search in searches:
        candidates = Listing.objects.filter(standard_status="Active", is_synthetic=True).exclude(
            pk__in=Match.objects.filter(saved_search=search).values("listing_id")
        )
        if search.list_price_min is not None:
            candidates = candidates.filter(list_price__gte=search.list_price_min)
        if search.list_price_max is not None:
            candidates = candidates.filter(list_price__lte=search.list_price_max)
        if search.bedrooms_total_min:
            candidates = candidates.filter(bedrooms_total__gte=search.bedrooms_total_min)
        for listing_id in candidates.order_by("listing_key").values_list("pk", flat=True)[:200]:
            created["matches"] += len(match_listing_to_searches(listing_id=listing_id))
    return created
