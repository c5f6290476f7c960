"""Agent-portal pages of this app, mounted under /app/ (the dashboard is the app's start page)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/activities/", views.lead_add_activity, name="lead_add_activity"),
    path("leads/<int:pk>/tasks/", views.lead_add_task, name="lead_add_task"),
    path("leads/<int:pk>/tasks/<int:task_id>/done/", views.lead_complete_task, name="lead_complete_task"),
    path("queue/<int:pk>/snooze/", views.queue_snooze, name="queue_snooze"),
    path("queue/<int:pk>/done/", views.queue_done, name="queue_done"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
