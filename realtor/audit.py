"""The audit trail: one row per write that matters."""

from __future__ import annotations

from django.db import models

from .models import AuditLog


def record_audit(*, actor, action: str, obj: models.Model, changes: dict | None = None, brokerage_id=None) -> AuditLog:
    """Append an audit row for ``action`` on ``obj`` (``actor`` may be None for the system)."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        brokerage_id=brokerage_id if brokerage_id is not None else getattr(obj, "brokerage_id", None),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        changes=changes or {},
    )
