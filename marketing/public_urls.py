"""Public marketing URLs (no login): unsubscribe and the alert open pixel. Included at the site root."""

from django.urls import path

from . import views

urlpatterns = [
    path("m/unsubscribe/<str:token>/", views.unsubscribe, name="marketing-unsubscribe"),
    path("m/open/<str:token>.gif", views.alert_open, name="marketing-alert-open"),
]
