"""Agent-portal pages of this app, mounted under /app/."""

from django.urls import path

from . import views

urlpatterns = [
    path("listings/", views.listing_list, name="listing_list"),
    path("listings/<str:listing_key>/", views.listing_detail, name="listing_detail"),
]
