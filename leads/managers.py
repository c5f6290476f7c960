"""Chainable contact queries, with the one visibility rule every view and endpoint uses."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Contacts ``user`` may see.

        Brokers and staff: every contact of their brokerage. Agents: contacts assigned
        to them or to an agent of their team. Clients and anonymous users: none here
        (clients reach their own record through the portal selectors).
        """
        if not user.is_authenticated or user.is_client or user.brokerage_id is None:
            return self.none()
        scoped = self.filter(brokerage_id=user.brokerage_id)
        if user.is_broker or user.is_superuser:
            return scoped
        agent = getattr(user, "agent", None)
        if agent is None:
            return self.none()
        if agent.team_id:
            return scoped.filter(Q(assigned_agent=agent) | Q(assigned_agent__team_id=agent.team_id))
        return scoped.filter(assigned_agent=agent)
