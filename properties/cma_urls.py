"""Valuation and CMA pages (mounted by realtor/urls.py under /app/, namespace ``app``)."""

from django.urls import path

from . import cma_views

urlpatterns = [
    path("cmas/", cma_views.cma_list, name="cma_list"),
    path("cmas/new/", cma_views.cma_new, name="cma_new"),
    path("cmas/<int:pk>/", cma_views.cma_detail, name="cma_detail"),
    path("cmas/<int:pk>/comps/", cma_views.cma_comps, name="cma_comps"),
    path("cmas/<int:pk>/adjustments/", cma_views.cma_adjustment, name="cma_adjustment"),
    path("cmas/<int:pk>/recommendation/", cma_views.cma_recommendation, name="cma_recommendation"),
    path("cmas/<int:pk>/share/", cma_views.cma_share, name="cma_share"),
    path("cmas/<int:pk>/pdf/", cma_views.cma_pdf, name="cma_pdf"),
    path("cmas/<int:pk>/versions/<int:number>/", cma_views.cma_version, name="cma_version"),
    path("listings/<str:listing_key>/deal/", cma_views.listing_deal, name="listing_deal"),
]
