"""Match listings to a buyer's criteria: hard filters, then a soft score with reasons. Pure: no ORM imports.

Hard filters (a listing failing any is not a match):

- list price within [min, max] (USD);
- bedrooms >= minimum, bathrooms (RESO ``BathroomsTotalInteger``) >= minimum;
- living area >= minimum (sq ft);
- property sub type among the chosen ones, if any are chosen;
- area: in one of the chosen ZIP codes, or within ``radius_miles`` of the chosen point
  (haversine, ``properties.geo``); with both set either one suffices; with neither, the
  city if one is chosen.

A criterion the buyer left empty does not filter, and a listing missing the field a
set criterion needs (no bedrooms count when a minimum is set) does not match.

Soft score 0-100 = earned / possible x 100 over the criteria the buyer set (50 when
none is set), each with a reason the buyer can read:

==============  ====  ============================================================
criterion       max   points
==============  ====  ============================================================
price             30  30 x (0.5 + 0.5 x share of the range left under the maximum)
bedrooms          15  10 at the minimum, 15 with more
bathrooms         10  7 at the minimum, 10 with more
living area       10  7 at the minimum, 10 at 20 % or more above
location          25  ZIP hit 25; radius: 25 x (1 - distance / radius), at least 5
must-haves        10  10 x share of must-haves found (flags or words in the remarks)
price drop        +5  bonus when the match comes from a price reduction
==============  ====  ============================================================

The weights are the lead engine's own, documented here; they are not fitted. Matching
uses only the home's facts and the buyer's stated criteria (Fair Housing Act).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from properties.geo import haversine_miles


@dataclass(frozen=True)
class Criteria:
    """A saved search as the matcher sees it (prices USD, area sq ft, radius miles)."""

    list_price_min: Decimal | None = None
    list_price_max: Decimal | None = None
    bedrooms_total_min: int | None = None
    bathrooms_total_min: int | None = None
    living_area_min: int | None = None
    postal_codes: frozenset[str] = frozenset()
    city: str = ""
    center_latitude: float | None = None
    center_longitude: float | None = None
    radius_miles: float | None = None
    property_sub_types: frozenset[str] = frozenset()
    must_haves: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListingFacts:
    """A listing as the matcher sees it."""

    list_price: Decimal | None
    bedrooms_total: int | None = None
    bathrooms_total_integer: int | None = None
    living_area: int | None = None
    postal_code: str = ""
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None
    property_sub_type: str = ""
    waterfront_yn: bool | None = None
    public_remarks: str = ""
    previous_list_price: Decimal | None = None


@dataclass(frozen=True)
class MatchResult:
    score: int
    reasons: tuple[str, ...] = field(default_factory=tuple)


#: Must-haves answered by a listing flag rather than the remarks text.
FLAG_MUST_HAVES = {"waterfront": "waterfront_yn"}


def _money(value: Decimal | float) -> str:
    value = float(value)
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:.2f}M".replace(".00M", "M")
    if abs(value) >= 1000:
        return f"${value / 1000:,.0f}k"
    return f"${value:,.0f}"


def _location(c: Criteria, x: ListingFacts) -> tuple[bool, float, str]:
    """(passes, points out of 25, reason); 25 points possible only when an area is set."""
    has_zip = bool(c.postal_codes)
    has_radius = c.radius_miles is not None and c.center_latitude is not None and c.center_longitude is not None
    if has_zip and x.postal_code in c.postal_codes:
        return True, 25.0, f"In {x.postal_code}, one of your ZIP codes"
    if has_radius and x.latitude is not None and x.longitude is not None:
        distance = float(haversine_miles(c.center_latitude, c.center_longitude, x.latitude, x.longitude))
        if distance <= c.radius_miles:
            points = max(5.0, 25.0 * (1 - distance / c.radius_miles))
            return True, points, f"{distance:.1f} mi from the area you chose"
    if has_zip or has_radius:
        return False, 0.0, ""
    if c.city:
        if x.city.strip().lower() == c.city.strip().lower():
            return True, 25.0, f"In {x.city}"
        return False, 0.0, ""
    return True, 0.0, ""


def match_listing(c: Criteria, x: ListingFacts, *, price_drop: bool = False) -> MatchResult | None:
    """Apply the hard filters, then the soft score; None when the listing is not a match."""
    price = x.list_price
    if c.list_price_min is not None and (price is None or price < c.list_price_min):
        return None
    if c.list_price_max is not None and (price is None or price > c.list_price_max):
        return None
    if c.bedrooms_total_min and (x.bedrooms_total is None or x.bedrooms_total < c.bedrooms_total_min):
        return None
    if c.bathrooms_total_min and (
        x.bathrooms_total_integer is None or x.bathrooms_total_integer < c.bathrooms_total_min
    ):
        return None
    if c.living_area_min and (x.living_area is None or x.living_area < c.living_area_min):
        return None
    if c.property_sub_types and x.property_sub_type not in c.property_sub_types:
        return None
    in_area, location_points, location_reason = _location(c, x)
    if not in_area:
        return None

    earned = possible = 0.0
    reasons: list[str] = []
    if c.list_price_max is not None:
        possible += 30
        floor = c.list_price_min or Decimal(0)
        span = c.list_price_max - floor
        under = c.list_price_max - price
        share = float(under / span) if span > 0 else 0.0
        earned += 30 * (0.5 + 0.5 * share)
        reasons.append(f"{_money(under)} under budget" if under >= 1000 else "At your budget")
    elif c.list_price_min is not None:
        possible += 30
        earned += 15
        reasons.append(f"{_money(price)}, above your {_money(c.list_price_min)} minimum")
    if c.bedrooms_total_min:
        possible += 15
        earned += 15 if x.bedrooms_total > c.bedrooms_total_min else 10
        reasons.append(f"{x.bedrooms_total} bd, you asked for {c.bedrooms_total_min}+")
    if c.bathrooms_total_min:
        possible += 10
        earned += 10 if x.bathrooms_total_integer > c.bathrooms_total_min else 7
        reasons.append(f"{x.bathrooms_total_integer} ba, you asked for {c.bathrooms_total_min}+")
    if c.living_area_min:
        possible += 10
        earned += 10 if x.living_area >= 1.2 * c.living_area_min else 7
        reasons.append(f"{x.living_area:,} sq ft, you asked for {c.living_area_min:,}+")
    if location_reason:
        possible += 25
        earned += location_points
        reasons.append(location_reason)
    if c.must_haves:
        possible += 10
        remarks = (x.public_remarks or "").lower()
        found = [
            m
            for m in c.must_haves
            if (getattr(x, FLAG_MUST_HAVES[m.lower()]) if m.lower() in FLAG_MUST_HAVES else m.lower() in remarks)
        ]
        earned += 10 * len(found) / len(c.must_haves)
        if found:
            reasons.append("Has " + ", ".join(found))
    score = 100 * earned / possible if possible else 50.0
    if price_drop and x.previous_list_price and price is not None and x.previous_list_price > price:
        score += 5
        reasons.insert(0, f"Price cut {_money(x.previous_list_price - price)}")
    return MatchResult(score=int(round(min(100.0, score))), reasons=tuple(reasons))


def alert_decision(
    *,
    frequency: str,
    paused: bool,
    consecutive_unopened: int,
    sent_today: int,
    max_per_day: int,
    pause_after_unopened: int,
) -> tuple[bool, str]:
    """Whether an alert may go out now; returns (send, reason when not).

    Throttling as IDX CRMs do it: never more than ``max_per_day`` alerts to a contact
    per day, and alerts pause after ``pause_after_unopened`` consecutive unopened ones
    (an opened alert resumes them).
    """
    if frequency == "never":
        return False, "alerts off"
    if paused or consecutive_unopened >= pause_after_unopened:
        return False, "paused: unopened alerts"
    if sent_today >= max_per_day:
        return False, "daily limit reached"
    return True, ""
