"""Inbound webhooks of marketing, mounted under /api/v1/webhooks/ next to the lead webhooks."""

from django.urls import path

from . import views

urlpatterns = [path("sms/", views.InboundSmsWebhookView.as_view(), name="webhook-sms")]
