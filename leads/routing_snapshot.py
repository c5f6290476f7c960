"""Per-process snapshot of each brokerage's routing configuration: its agents and active rules.

Routing reads the same few rows for every lead — the brokerage's agents with their users,
its active rules and their pools — and those rows change when a broker edits them, not
per lead. Reading them once per :data:`SNAPSHOT_SECONDS` instead of once per lead takes
two queries and a dozen model instances off the webhook's hot path (issue 4's
throughput target). What routing decides *per lead* — availability by working hours,
pause and active flags, rule conditions, the rotation turn — is still computed for each
lead from the snapshot and the shared rotation pointer.

Freshness:

- a save or delete of an agent, user, team or rule, or a change to a rule's pool, in this
  process drops every snapshot at once, and again when its transaction commits;
- another process (a second web worker, a Celery worker) sees such a change within
  :data:`SNAPSHOT_SECONDS` (``LEADS_ROUTING_SNAPSHOT_SECONDS``, default 2 s; 0 turns the
  snapshot off). A lead routed in that window is routed as it would have been a moment
  before the change.
- a snapshot read inside a transaction is used for that call only, never kept: it could
  hold the transaction's uncommitted rows.

Callers get copies of the agents they route to; the snapshot's instances are shared
between requests and must not be changed.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from realtor.models import Agent, Team, User

from .models import RoutingRule

#: What routing reads of an agent (and of its user, for availability and the notification).
AGENT_FIELDS = (
    "id",
    "brokerage_id",
    "team_id",
    "is_active",
    "is_paused",
    "routing_weight",
    "work_start",
    "work_end",
    "time_zone",
    "user__id",
    "user__is_active",
    "user__first_name",
    "user__last_name",
    "user__email",
)


@dataclass(frozen=True)
class RoutingSnapshot:
    """A brokerage's agents (by id, users joined), active rules (in order) and pool members."""

    agents: tuple[Agent, ...]
    rules: tuple[RoutingRule, ...]
    #: Rule id → agent ids of its pool (pool rules only).
    pools: dict[int, frozenset[int]]
    #: ``time.monotonic()`` when it was read.
    taken_at: float


_lock = threading.Lock()
_snapshots: dict[int, RoutingSnapshot] = {}


def snapshot_seconds() -> float:
    """How long a snapshot is used (seconds); 0 reads the configuration for every lead."""
    return float(getattr(settings, "LEADS_ROUTING_SNAPSHOT_SECONDS", 2.0))


def routing_snapshot(brokerage_id: int) -> RoutingSnapshot:
    """The brokerage's routing configuration, from this process's snapshot when it is fresh.

    Two queries when it is read (agents with users; rules with their pools prefetched: three
    when a pool rule exists), none otherwise.
    """
    ttl = snapshot_seconds()
    now = time.monotonic()
    cached = _snapshots.get(brokerage_id)
    if cached is not None and now - cached.taken_at < ttl:
        return cached
    snapshot = _read(brokerage_id, taken_at=now)
    if ttl > 0 and not connection.in_atomic_block:
        with _lock:
            _snapshots[brokerage_id] = snapshot
    return snapshot


def _read(brokerage_id: int, *, taken_at: float) -> RoutingSnapshot:
    agents = tuple(
        Agent.objects.filter(brokerage_id=brokerage_id).select_related("user").only(*AGENT_FIELDS).order_by("pk")
    )
    rules = tuple(RoutingRule.objects.filter(brokerage_id=brokerage_id, is_active=True).order_by("order", "id"))
    pool_rules = [r.pk for r in rules if r.target == RoutingRule.Target.POOL]
    pools: dict[int, set[int]] = {pk: set() for pk in pool_rules}
    if pool_rules:
        through = RoutingRule.pool.through.objects.filter(routingrule_id__in=pool_rules)
        for rule_id, agent_id in through.values_list("routingrule_id", "agent_id"):
            pools[rule_id].add(agent_id)
    return RoutingSnapshot(
        agents=agents, rules=rules, pools={k: frozenset(v) for k, v in pools.items()}, taken_at=taken_at
    )


def own_copy(agent: Agent | None) -> Agent | None:
    """A copy of a snapshot's agent (and its user) that the caller may keep and change."""
    if agent is None:
        return None
    mine = copy.copy(agent)
    mine.user = copy.copy(agent.user)
    return mine


def invalidate() -> None:
    """Drop every snapshot of this process (after a change to agents, users, teams or rules)."""
    with _lock:
        _snapshots.clear()


def _changed(sender, **kwargs) -> None:
    invalidate()
    if connection.in_atomic_block:
        # A snapshot read by another thread before this commit would miss the change.
        transaction.on_commit(invalidate)


def connect_signals() -> None:
    """Drop snapshots when routing's inputs change in this process (called from the app config)."""
    for model in (Agent, User, Team, RoutingRule):
        post_save.connect(_changed, sender=model, dispatch_uid=f"routing-snapshot-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"routing-snapshot-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=RoutingRule.pool.through, dispatch_uid="routing-snapshot-pool")
