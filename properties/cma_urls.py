"""Valuation and CMA pages (mounted by realtor/urls.py)."""

urlpatterns: list = []
