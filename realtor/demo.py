"""Demo brokerage, offices, agents and logins (all marked synthetic). Idempotent."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Agent, Brokerage, Office, Team, User

DEMO_PASSWORD = "realtor-demo"
DEMO_BROKERAGE = "Evergreen Realty (demo)"
#: (email, first, last, member key, office key, team) — agent@example.com is the demo agent login.
DEMO_AGENTS = [
    ("agent@example.com", "Avery", "Lindqvist", "DEMO-M1", "DEMO-O1", "Northside"),
    ("jordan.agent@example.com", "Jordan", "Okafor", "DEMO-M2", "DEMO-O1", "Northside"),
    ("riley.agent@example.com", "Riley", "Nakamura", "DEMO-M3", "DEMO-O2", ""),
    ("morgan.agent@example.com", "Morgan", "Castillo", "DEMO-M4", "DEMO-O2", ""),
    ("casey.agent@example.com", "Casey", "Brennan", "DEMO-M5", "DEMO-O1", ""),
]
BROKER_GROUP = "Brokers"


@dataclass
class DemoTeam:
    brokerage: Brokerage
    broker: User
    agents: list[Agent]


def _user(email: str, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def ensure_demo_brokerage() -> DemoTeam:
    """Create (once) the demo brokerage, two offices, five agents and the broker login."""
    with transaction.atomic():
        brokerage, _ = Brokerage.objects.get_or_create(
            name=DEMO_BROKERAGE,
            defaults={
                "license_number": "DEMO-0001",
                "license_state": "WA",
                "street_address": "1000 2nd Ave, Suite 100, Seattle, WA 98104 (demo address)",
                "is_synthetic": True,
            },
        )
        offices = {
            "DEMO-O1": Office.objects.get_or_create(
                office_key="DEMO-O1",
                defaults={"brokerage": brokerage, "name": "Evergreen North (demo)", "city": "Seattle",
                          "state_or_province": "WA", "postal_code": "98115"},
            )[0],
            "DEMO-O2": Office.objects.get_or_create(
                office_key="DEMO-O2",
                defaults={"brokerage": brokerage, "name": "Evergreen South (demo)", "city": "Seattle",
                          "state_or_province": "WA", "postal_code": "98118"},
            )[0],
        }  # fmt: skip
        group, _ = Group.objects.get_or_create(name=BROKER_GROUP)
        if not group.permissions.exists():
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label__in=[
                        "realtor",
                        "properties",
                        "leads",
                        "contracts",
                        "marketing",
                        "analytics",
                    ]
                )
            )
        broker = _user(
            "broker@example.com",
            first_name="Blair",
            last_name="Whitfield",
            role=User.Role.BROKER,
            brokerage=brokerage,
            is_staff=True,
            is_synthetic=True,
        )
        broker.groups.add(group)
        agents = []
        for email, first, last, member_key, office_key, team_name in DEMO_AGENTS:
            user = _user(
                email, first_name=first, last_name=last, role=User.Role.AGENT, brokerage=brokerage, is_synthetic=True
            )
            team = Team.objects.get_or_create(brokerage=brokerage, name=team_name)[0] if team_name else None
            agent, _ = Agent.objects.get_or_create(
                user=user,
                defaults={
                    "brokerage": brokerage,
                    "office": offices[office_key],
                    "team": team,
                    "member_key": member_key,
                    "license_number": f"DEMO{member_key[-1]}000",
                    "license_state": "WA",
                    "time_zone": "America/Los_Angeles",
                    "is_synthetic": True,
                },
            )
            agents.append(agent)
    return DemoTeam(brokerage=brokerage, broker=broker, agents=agents)


def demo_webhook_secret() -> str:
    """The demo lead source's webhook secret: REALTOR_DEMO_WEBHOOK_SECRET (demo only)."""
    return os.environ.get("REALTOR_DEMO_WEBHOOK_SECRET", "demo-webhook-secret")
