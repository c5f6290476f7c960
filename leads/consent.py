"""Consent rules for messaging contacts. Pure: no ORM imports.

SMS keywords follow the CTIA Messaging Principles and Best Practices (2023) and the
TCPA opt-out rule (47 CFR 64.1200(a)(10), FCC 24-24): a message that is exactly one
opt-out keyword, in any letter case, revokes SMS consent; an opt-in keyword restores
it. "Exact" means the whole message after trimming whitespace and trailing
punctuation: "Stop" and "STOP." revoke, "please stop by at 5" does not (free text
is left to intent classification and the agent).
"""

from __future__ import annotations

from dataclasses import dataclass

#: CTIA standard opt-out keywords.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
#: Keywords that re-subscribe after an opt-out.
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})


def sms_keyword(body: str) -> str | None:
    """Classify an inbound SMS as "opt_out", "opt_in", "help" or None (not a keyword)."""
    word = (body or "").strip().strip(".!?,;:").strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return "opt_out"
    if word in OPT_IN_KEYWORDS:
        return "opt_in"
    if word in HELP_KEYWORDS:
        return "help"
    return None


@dataclass(frozen=True)
class SendCheck:
    allowed: bool
    reason: str


def may_send(*, channel: str, has_consent: bool, is_suppressed: bool, has_address: bool) -> SendCheck:
    """Whether a message may go to a contact on ``channel`` ("email" or "sms").

    Rule: an address to send to, the matching consent on the ledger (CAN-SPAM for
    email, 15 U.S.C. 7704; TCPA prior express written consent for marketing SMS,
    47 CFR 64.1200(a)(2)), and the address not on the suppression list.
    """
    if not has_address:
        return SendCheck(False, f"no {channel} address")
    if is_suppressed:
        return SendCheck(False, f"{channel} address is suppressed")
    if not has_consent:
        return SendCheck(False, f"no {channel} consent")
    return SendCheck(True, "consent on file")
