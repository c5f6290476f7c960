"""Public listing pages and the "Ask about this home" form; included at the site root."""

from django.urls import path

from . import inquiry_views

urlpatterns = [
    path("listings/<str:listing_key>/", inquiry_views.public_listing, name="public-listing"),
    path("listings/<str:listing_key>/ask/", inquiry_views.listing_inquiry, name="listing-inquiry"),
]
