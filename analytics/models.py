"""Daily metric snapshots and agents' morning digests."""

from __future__ import annotations

from django.db import models

from realtor.models import Agent, Brokerage


class DailyMetric(models.Model):
    """One number for one day: a brokerage-wide KPI, or an agent's when ``agent`` is set."""

    brokerage = models.ForeignKey(Brokerage, on_delete=models.CASCADE, related_name="daily_metrics")
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="daily_metrics")
    date = models.DateField()
    metric = models.CharField(max_length=50, help_text="e.g. new_leads, speed_to_lead_median_s, closed_volume_usd")
    value = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["-date", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["brokerage", "agent", "date", "metric"], name="daily_metric_unique"),
            models.UniqueConstraint(
                fields=["brokerage", "date", "metric"],
                condition=models.Q(agent__isnull=True),
                name="daily_metric_unique_brokerage",
            ),
        ]


class Digest(models.Model):
    """An agent's morning digest for one date: queue, deadlines, new matches, market moves."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="digests")
    date = models.DateField()
    content = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["agent", "date"], name="digest_once_per_day")]
