"""Lead routing math: rule conditions, agent availability and rotation order. Pure: no ORM imports.

The ORM side (loading rules and agents, locking the rotation pointer, recording the
decision) is ``leads.services.route_contact``. The chain it applies, first hit wins:

1. the listing agent, when the lead asked about one of the brokerage's listings;
2. the brokerage's rules in ``order`` whose conditions all hold and whose target has an
   available agent (a rule whose agents are all away falls through to the next rule);
3. rotation among every available agent of the brokerage;
4. the broker: the lead stays with the broker (unassigned, broker notified).

Routing looks only at the lead's source, type, ZIP codes and price — never at who the
lead is (Fair Housing Act, 42 U.S.C. 3604).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LeadFacts:
    """What routing may look at: source id, contact type, ZIP codes, price (USD)."""

    source_id: int | None = None
    contact_type: str = ""
    postal_codes: frozenset[str] = frozenset()
    price: Decimal | None = None


@dataclass(frozen=True)
class RuleConditions:
    """A rule's conditions; an empty/None condition matches every lead."""

    source_id: int | None = None
    postal_codes: frozenset[str] = frozenset()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    contact_type: str = ""


@dataclass(frozen=True)
class Candidate:
    """An agent as routing sees it."""

    agent_id: int
    is_active: bool = True
    is_paused: bool = False
    routing_weight: int = 1
    work_start: dt.time | None = None
    work_end: dt.time | None = None
    time_zone: str = "UTC"


def rule_matches(conditions: RuleConditions, lead: LeadFacts) -> tuple[bool, str]:
    """Whether a lead meets every condition of a rule; returns (matched, reason in words).

    A price condition needs a known lead price; a ZIP condition needs a ZIP in common.
    """
    met: list[str] = []
    if conditions.source_id is not None:
        if lead.source_id != conditions.source_id:
            return False, "source differs"
        met.append("source")
    if conditions.contact_type:
        if lead.contact_type not in (conditions.contact_type, "both"):
            return False, "contact type differs"
        met.append(f"type {conditions.contact_type}")
    if conditions.postal_codes:
        common = conditions.postal_codes & lead.postal_codes
        if not common:
            return False, "ZIP not covered"
        met.append(f"ZIP {', '.join(sorted(common))}")
    if conditions.price_min is not None or conditions.price_max is not None:
        if lead.price is None:
            return False, "price unknown"
        if conditions.price_min is not None and lead.price < conditions.price_min:
            return False, "price below range"
        if conditions.price_max is not None and lead.price > conditions.price_max:
            return False, "price above range"
        met.append(f"price ${lead.price:,.0f}")
    return True, ("matches " + ", ".join(met)) if met else "matches every lead"


def is_available(candidate: Candidate, *, now: dt.datetime) -> bool:
    """Active, not paused, and (if hours are set) within working hours in the agent's time zone.

    Hours are [work_start, work_end) local time; an end before the start spans midnight.
    ``now`` must be timezone-aware.
    """
    if not candidate.is_active or candidate.is_paused:
        return False
    if candidate.work_start is None or candidate.work_end is None:
        return True
    try:
        tz = zoneinfo.ZoneInfo(candidate.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    local = now.astimezone(tz).time()
    start, end = candidate.work_start, candidate.work_end
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def weighted_sequence(weights: Sequence[tuple[int, int]]) -> list[int]:
    """One full cycle of smooth weighted round robin over (agent_id, weight) pairs.

    Each agent appears ``weight`` times per cycle, spread out rather than bunched
    (nginx's smooth weighted round-robin, ngx_http_upstream_round_robin.c). Agents of
    weight 0 never appear; all weights 1 gives plain round robin in the given order.
    """
    items = [(agent_id, w) for agent_id, w in weights if w > 0]
    total = sum(w for _, w in items)
    current = [0] * len(items)
    sequence: list[int] = []
    for _ in range(total):
        for i, (_agent_id, w) in enumerate(items):
            current[i] += w
        best = max(range(len(items)), key=lambda i: (current[i], -i))
        current[best] -= total
        sequence.append(items[best][0])
    return sequence


def pick_rotation(candidates: Sequence[Candidate], *, counter: int, weighted: bool) -> int | None:
    """The agent id at position ``counter`` of the rotation, or None if there is nobody.

    ``candidates`` must be the available agents in a stable order (by id). Round robin
    treats every weight as 1; weighted rotation uses ``routing_weight``.
    """
    pairs = [(c.agent_id, c.routing_weight if weighted else 1) for c in candidates]
    sequence = weighted_sequence(pairs)
    if not sequence:
        return None
    return sequence[counter % len(sequence)]
