"""HTMX helpers shared by every app's views."""

from __future__ import annotations


def wants_fragment(request) -> bool:
    """True for an htmx swap of part of a page (not a boosted link or a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request
