"""The seller's valuation pages (mounted by realtor/urls.py under /portal/, namespace ``portal``)."""

from django.urls import path

from . import valuation_portal_views

urlpatterns = [
    path("my-home/value/", valuation_portal_views.valuation, name="valuation"),
    path("my-home/value/cmas/<int:pk>/", valuation_portal_views.shared_cma, name="valuation_cma"),
    path("my-home/value/cmas/<int:pk>/pdf/", valuation_portal_views.shared_cma_pdf, name="valuation_cma_pdf"),
]
