"""Follow-up queue priority. Pure: no ORM imports.

priority = 0.5 x score                               (0-50: better leads first)
         + 40 if the lead is new and nobody has contacted it yet
         + min(days since last touch, 30)            (0-30: leads going cold rise;
                                                      only once contacted)
         + 15 per overdue open task, at most 30
         + 10 if an open task is due today
         + 20 if a deadline falls within 3 days (``days_to_deadline`` <= 3), 10 within 7

The weights are the lead engine's own, written down so the order can be explained:
an untouched new lead outranks everything but an A lead with overdue work, which
follows the speed-to-lead evidence (Oldroyd, McElheran & Elkington, "The Short Life
of Online Sales Leads", HBR 2011: contact within an hour makes qualification ~7x as
likely). Higher is more urgent.
"""

from __future__ import annotations

from dataclasses import dataclass

NEW_UNCONTACTED_POINTS = 40
STALE_DAYS_CAP = 30
OVERDUE_TASK_POINTS = 15
OVERDUE_TASK_CAP = 30
DUE_TODAY_POINTS = 10
DEADLINE_SOON_DAYS, DEADLINE_SOON_POINTS = 3, 20
DEADLINE_WEEK_DAYS, DEADLINE_WEEK_POINTS = 7, 10


@dataclass(frozen=True)
class QueueInputs:
    """One lead's facts for the queue; days are fractional days (``days_to_deadline`` may be None)."""

    score: int
    is_new_uncontacted: bool
    days_since_last_touch: float | None
    overdue_tasks: int = 0
    due_today_tasks: int = 0
    days_to_deadline: float | None = None


@dataclass(frozen=True)
class Priority:
    value: float
    reasons: tuple[str, ...]


def follow_up_priority(inputs: QueueInputs) -> Priority:
    """Priority of one lead in the follow-up queue (higher first) with the reasons; see the module formula."""
    value = 0.5 * inputs.score
    reasons = [f"score {inputs.score}"]
    if inputs.is_new_uncontacted:
        value += NEW_UNCONTACTED_POINTS
        reasons.append("new, not contacted yet")
    elif inputs.days_since_last_touch is not None:
        stale = min(STALE_DAYS_CAP, max(0.0, inputs.days_since_last_touch))
        value += stale
        if stale >= 1:
            reasons.append(f"{int(inputs.days_since_last_touch)} days since last touch")
    if inputs.overdue_tasks:
        value += min(OVERDUE_TASK_CAP, OVERDUE_TASK_POINTS * inputs.overdue_tasks)
        reasons.append(f"{inputs.overdue_tasks} overdue task{'s' if inputs.overdue_tasks > 1 else ''}")
    if inputs.due_today_tasks:
        value += DUE_TODAY_POINTS
        reasons.append("task due today")
    if inputs.days_to_deadline is not None:
        if inputs.days_to_deadline <= DEADLINE_SOON_DAYS:
            value += DEADLINE_SOON_POINTS
            reasons.append("deadline within 3 days")
        elif inputs.days_to_deadline <= DEADLINE_WEEK_DAYS:
            value += DEADLINE_WEEK_POINTS
            reasons.append("deadline this week")
    return Priority(value=round(value, 2), reasons=tuple(reasons))
