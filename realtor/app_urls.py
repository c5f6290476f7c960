"""Agent-portal pages of the core app, mounted under /app/.

The dashboard (``app:dashboard``) is served by ``leads.views.dashboard``: it reads
leads and listings, which ``realtor`` may not import (DESIGN §3).
"""

urlpatterns: list = []
