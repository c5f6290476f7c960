"""Client-portal pages of the core app, mounted under /portal/.

The portal home (``portal:home``) is served by ``leads.portal_views.portal_home``: it
reads the client's contact record and listings, which ``realtor`` may not import (DESIGN §3).
"""

urlpatterns: list = []
