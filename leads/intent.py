"""Intent of an inbound message: buyer, seller, showing_request, information, unsubscribe or other.

:func:`classify_message` asks the AI gateway (prompt ``templates/ai/lead_intent.txt``);
without a key or when the provider fails, :func:`rules_intent` — keyword rules — gives
the answer, and the gateway's log says which one did.
"""

from __future__ import annotations

import re

from realtor import ai

INTENTS = ("buyer", "seller", "showing_request", "information", "unsubscribe", "other")

#: Keyword rules, checked in order; the first hit wins (opt-out first so it is never missed).
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("unsubscribe", re.compile(r"\b(unsubscribe|stop (texting|emailing|contacting)|opt[ -]?out|remove me)\b", re.I)),
    (
        "showing_request",
        re.compile(r"\b(showing|tour|see (it|the (house|home|place))|visit|walk ?through|open house)\b", re.I),
    ),
    (
        "seller",
        re.compile(r"\b(sell(ing)?|list (my|our)|what('s| is) my (home|house) worth|valuation|cma)\b", re.I),
    ),
    ("buyer", re.compile(r"\b(buy(ing)?|looking for|pre-?approved|mortgage|offer|first[- ]time)\b", re.I)),
    ("information", re.compile(r"(\?|\b(how|what|when|where|is it|are there|hoa|taxes|schools?)\b)", re.I)),
)


def rules_intent(text: str) -> str:
    """Rule-based intent of ``text`` (one of :data:`INTENTS`); "other" when no rule fires."""
    for intent, pattern in _RULES:
        if pattern.search(text or ""):
            return intent
    return "other"


def parse_intent(output: str) -> str:
    """The first known intent label in a model's output, else "other"."""
    for token in re.findall(r"[a-z_]+", (output or "").lower()):
        if token in INTENTS:
            return token
    return "other"


def classify_message(*, text: str, object_id: int | str = "") -> tuple[str, int]:
    """Classify an inbound message through the AI gateway; returns (intent, AICall id)."""
    result = ai.generate(
        task="lead_intent",
        context={"message": text[:2000], "intents": list(INTENTS)},
        fallback=lambda ctx: rules_intent(ctx["message"]),
        max_tokens=10,
        object_type="leads.contact",
        object_id=object_id,
    )
    return parse_intent(result.text), result.call_id
