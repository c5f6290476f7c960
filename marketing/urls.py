"""Agent-portal pages of this app, mounted under /app/."""

urlpatterns: list = []
