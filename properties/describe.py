"""Listing facts and the deterministic (no-AI) listing description. Pure: no ORM imports."""

from __future__ import annotations

from typing import Any

_SUB_TYPE_WORDS = {
    "SingleFamilyResidence": "single-family home",
    "Townhouse": "townhouse",
    "Condominium": "condominium",
    "Duplex": "duplex",
    "ManufacturedHome": "manufactured home",
}


def listing_facts(fields: dict[str, Any]) -> dict[str, Any]:
    """Return the human-readable facts of a listing (keys in display order, empty ones dropped).

    ``fields`` holds RESO-named values (``bedrooms_total``, ``living_area`` in sq ft, …).
    """
    facts = {
        "Type": _SUB_TYPE_WORDS.get(fields.get("property_sub_type") or "", "home"),
        "Bedrooms": fields.get("bedrooms_total"),
        "Bathrooms": fields.get("bathrooms_decimal"),
        "Living area (sq ft)": fields.get("living_area"),
        "Lot size (sq ft)": fields.get("lot_size_square_feet"),
        "Year built": fields.get("year_built"),
        "Renovated (effective year)": fields.get("year_built_effective")
        if (fields.get("year_built_effective") or 0) > (fields.get("year_built") or 0) + 5
        else None,
        "Waterfront": "Yes" if fields.get("waterfront_yn") else None,
        "City": fields.get("city"),
        "ZIP": fields.get("postal_code"),
    }
    return {k: v for k, v in facts.items() if v not in (None, "", 0)}


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def fallback_description(context: dict[str, Any]) -> str:
    """Describe a home from its facts with fixed sentence templates (the AI gateway's fallback).

    Uses only the facts given, so it never invents features; wording describes the
    property, never the people who might live there (Fair Housing Act, 42 U.S.C. 3604(c)).
    """
    f = context["facts"]
    kind = f.get("Type", "home")
    size = []
    if "Bedrooms" in f:
        size.append(f"{_num(f['Bedrooms'])}-bedroom")
    if "Bathrooms" in f:
        size.append(f"{_num(f['Bathrooms'])}-bath")
    first = f"This {', '.join(size) + ' ' if size else ''}{kind}"
    if "Living area (sq ft)" in f:
        first += f" offers {_num(f['Living area (sq ft)'])} sq ft of living space"
    if "Lot size (sq ft)" in f:
        first += f" on a {_num(f['Lot size (sq ft)'])} sq ft lot"
    where = ", ".join(str(f[k]) for k in ("City", "ZIP") if k in f)
    if where:
        first += f" in {where}"
    sentences = [first + "."]
    if "Year built" in f:
        built = f"Built in {f['Year built']}"
        if "Renovated (effective year)" in f:
            built += f" and updated to an effective age of {f['Renovated (effective year)']}"
        sentences.append(built + ".")
    if "Waterfront" in f:
        sentences.append("The property is waterfront.")
    sentences.append("Contact the listing agent for details or to arrange a showing.")
    return " ".join(sentences)
