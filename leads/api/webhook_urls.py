"""Inbound webhooks of the lead engine, mounted under /api/v1/webhooks/."""

from django.urls import path

from leads import webhooks

urlpatterns = [
    path("leads/", webhooks.LeadWebhookView.as_view(), name="webhook-leads"),
    path("gohighlevel/", webhooks.GoHighLevelWebhookView.as_view(), name="webhook-gohighlevel"),
]
