"""Public "Ask about this home" URLs; included at the site root (see the include line in the report)."""

from django.urls import path

from . import inquiry_views

urlpatterns = [
    path("listings/<str:listing_key>/ask/", inquiry_views.listing_inquiry, name="listing-inquiry"),
]
