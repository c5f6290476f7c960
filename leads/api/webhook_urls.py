"""Inbound webhooks of the lead engine, mounted under /api/v1/webhooks/."""

urlpatterns: list = []
