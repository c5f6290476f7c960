from django.urls import path

from . import app_views

urlpatterns = [path("", app_views.dashboard, name="dashboard")]
