"""Normalisation of contact keys used for dedupe. Pure: no ORM imports."""

from __future__ import annotations

import phonenumbers


def normalize_email(email: str | None) -> str:
    """Lower-case and strip an email address; '' for empty input."""
    return (email or "").strip().lower()


def normalize_phone(phone: str | None, *, region: str = "US") -> str | None:
    """Return the E.164 form of a phone number (``+12065550123``) or None if it is not valid.

    Uses Google's libphonenumber rules (``phonenumbers``); numbers without a country
    code are read in ``region``.
    """
    if not phone or not phone.strip():
        return None
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
