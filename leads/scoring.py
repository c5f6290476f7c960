"""Explainable lead score: 0-100 points from documented factors, a grade A-F and a 1-10 view.

Pure: no ORM imports. :func:`score_lead` takes a :class:`ScoreInputs` — and nothing else —
so what the score may look at is fixed by that dataclass. It holds behaviour, stated
intent and market fit only: no name, age, sex, family status, language, email domain,
phone area code, address or ZIP code (a ZIP is used upstream only to pick the local
market median price; it never carries weight by itself). This keeps protected
characteristics and their usual proxies out of the score (Fair Housing Act, 42 U.S.C.
3604; HUD guidance on algorithmic screening, 2024). ``tests/leads/test_engine_scoring.py``
asserts the field list.

Factors and their maximum points (sum 100). The weights are the lead engine's own
heuristic, written down here so an agent can check every point; they are not fitted
to data. They follow what lead-scoring CRMs (Follow Up Boss, kvCORE, Lofty) weigh:
recent engagement first, then stated readiness.

==================  ====  ==========================================================
factor              max   rule
==================  ====  ==========================================================
engagement            30  sum of event weights x 0.5 ** (age_days / 7), capped at 30
timeline              20  0-3 months 20, 3-6 months 12, 6-12 months 6, 12+ months 2
pre_approval          15  pre-approved 15
budget_fit            10  max price / local median list price: >= 0.9 -> 10,
                          >= 0.7 -> 6, >= 0.5 -> 3, else 0 (unknown -> 0)
source_quality        10  the lead source's quality points, clamped to 0-10
responsiveness        15  replied within 7 days 15, replied before 8, never 0
==================  ====  ==========================================================

Grades: A >= 80, B >= 60, C >= 40, D >= 20, F below 20. View: ceil(score / 10), at least 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

#: Engagement weight per behaviour event kind (points before recency decay).
EVENT_WEIGHTS: dict[str, float] = {
    "viewed_listing": 1.0,
    "opened_email": 1.0,
    "clicked": 2.0,
    "favorited": 3.0,
    "saved_search": 4.0,
    "inquiry": 5.0,
    "replied": 6.0,
    "showing_request": 8.0,
}
#: Days after which an event counts half (exponential decay).
ENGAGEMENT_HALF_LIFE_DAYS = 7.0
ENGAGEMENT_MAX = 30
TIMELINE_POINTS: dict[str, int] = {"0-3": 20, "3-6": 12, "6-12": 6, "12+": 2}
PRE_APPROVAL_POINTS = 15
#: (minimum ratio of max price to local median list price, points), best first.
BUDGET_FIT_STEPS: tuple[tuple[float, int], ...] = ((0.9, 10), (0.7, 6), (0.5, 3))
SOURCE_QUALITY_MAX = 10
RESPONSIVE_RECENT_DAYS = 7
RESPONSIVE_RECENT_POINTS = 15
RESPONSIVE_EVER_POINTS = 8
GRADES: tuple[tuple[int, str], ...] = ((80, "A"), (60, "B"), (40, "C"), (20, "D"), (0, "F"))


@dataclass(frozen=True)
class BehaviorSignal:
    """One behaviour event: its kind (a key of :data:`EVENT_WEIGHTS`) and when it happened."""

    kind: str
    occurred_at: datetime


@dataclass(frozen=True)
class ScoreInputs:
    """Everything the score may use. Adding a field here is a fair-housing review decision."""

    events: tuple[BehaviorSignal, ...] = ()
    timeline: str = ""
    pre_approved: bool | None = None
    max_price: Decimal | None = None
    local_median_price: Decimal | None = None
    source_quality_points: int = 0
    last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class Factor:
    """Points earned on one factor, out of ``max_points``, with the reason in words."""

    factor: str
    label: str
    points: int
    max_points: int
    reason: str

    def as_dict(self) -> dict:
        return {
            "factor": self.factor,
            "label": self.label,
            "points": self.points,
            "max": self.max_points,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ScoreResult:
    score: int
    grade: str
    view: int
    factors: tuple[Factor, ...] = field(default_factory=tuple)

    @property
    def breakdown(self) -> list[dict]:
        """The factors as JSON-ready dicts (stored on ``Contact.score_breakdown``)."""
        return [f.as_dict() for f in self.factors]


def grade_for(score: int) -> str:
    """Letter grade for a 0-100 score (A >= 80, B >= 60, C >= 40, D >= 20, else F)."""
    return next(letter for floor, letter in GRADES if score >= floor)


def view_for(score: int) -> int:
    """The 1-10 view of a 0-100 score: ceil(score / 10), at least 1."""
    return max(1, math.ceil(score / 10))


def _engagement(events: tuple[BehaviorSignal, ...], now: datetime) -> Factor:
    raw = 0.0
    for event in events:
        age_days = max(0.0, (now - event.occurred_at).total_seconds() / 86400)
        raw += EVENT_WEIGHTS.get(event.kind, 0.0) * 0.5 ** (age_days / ENGAGEMENT_HALF_LIFE_DAYS)
    points = min(ENGAGEMENT_MAX, round(raw))
    if not events:
        reason = "No activity on listings or emails yet"
    else:
        recent = sum(1 for e in events if (now - e.occurred_at).days < ENGAGEMENT_HALF_LIFE_DAYS)
        reason = f"{len(events)} events, {recent} in the last 7 days"
    return Factor("engagement", "Engagement and recency", points, ENGAGEMENT_MAX, reason)


def _timeline(timeline: str) -> Factor:
    points = TIMELINE_POINTS.get(timeline, 0)
    reason = f"Plans to move in {timeline} months" if timeline else "Timeline not stated"
    return Factor("timeline", "Stated timeline", points, max(TIMELINE_POINTS.values()), reason)


def _pre_approval(pre_approved: bool | None) -> Factor:
    if pre_approved:
        return Factor("pre_approval", "Pre-approval", PRE_APPROVAL_POINTS, PRE_APPROVAL_POINTS, "Pre-approved")
    reason = "Not pre-approved" if pre_approved is False else "Pre-approval not stated"
    return Factor("pre_approval", "Pre-approval", 0, PRE_APPROVAL_POINTS, reason)


def _budget_fit(max_price: Decimal | None, median: Decimal | None) -> Factor:
    best = BUDGET_FIT_STEPS[0][1]
    if not max_price or not median:
        return Factor("budget_fit", "Budget vs local market", 0, best, "Budget or local prices unknown")
    ratio = float(max_price) / float(median)
    points = next((p for floor, p in BUDGET_FIT_STEPS if ratio >= floor), 0)
    reason = f"Budget ${float(max_price):,.0f} is {ratio:.0%} of the ${float(median):,.0f} local median list price"
    return Factor("budget_fit", "Budget vs local market", points, best, reason)


def _source_quality(points: int) -> Factor:
    clamped = max(0, min(SOURCE_QUALITY_MAX, points))
    return Factor("source_quality", "Source quality", clamped, SOURCE_QUALITY_MAX, f"Source rated {clamped}/10")


def _responsiveness(last_inbound_at: datetime | None, now: datetime) -> Factor:
    if last_inbound_at is None:
        return Factor("responsiveness", "Responsiveness", 0, RESPONSIVE_RECENT_POINTS, "Has not replied yet")
    days = (now - last_inbound_at).total_seconds() / 86400
    if days <= RESPONSIVE_RECENT_DAYS:
        return Factor(
            "responsiveness", "Responsiveness", RESPONSIVE_RECENT_POINTS, RESPONSIVE_RECENT_POINTS, "Replied this week"
        )
    return Factor(
        "responsiveness",
        "Responsiveness",
        RESPONSIVE_EVER_POINTS,
        RESPONSIVE_RECENT_POINTS,
        f"Last replied {int(days)} days ago",
    )


def score_lead(inputs: ScoreInputs, *, now: datetime) -> ScoreResult:
    """Score a lead 0-100 from :class:`ScoreInputs` as of ``now`` (timezone-aware); see the module table."""
    factors = (
        _engagement(inputs.events, now),
        _timeline(inputs.timeline),
        _pre_approval(inputs.pre_approved),
        _budget_fit(inputs.max_price, inputs.local_median_price),
        _source_quality(inputs.source_quality_points),
        _responsiveness(inputs.last_inbound_at, now),
    )
    total = max(0, min(100, sum(f.points for f in factors)))
    return ScoreResult(score=total, grade=grade_for(total), view=view_for(total), factors=factors)
