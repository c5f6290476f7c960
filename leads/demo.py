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

from .models import Activity, Contact, SavedSearch

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
