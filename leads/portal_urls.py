"""Client-portal pages of this app, mounted under /portal/.

The portal home and the homes-for-sale search live here, not in ``realtor`` or
``properties``: they read the client's contact record and favourites (DESIGN §3).
"""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("", portal_views.portal_home, name="home"),
    path("homes/", portal_views.home_list, name="listings"),
    path("homes/<str:listing_key>/", portal_views.home_detail, name="listing_detail"),
    path("homes/<str:listing_key>/favorite/", portal_views.favorite, name="favorite"),
    path("favorites/", portal_views.favorite_list, name="favorites"),
    path("matches/", portal_views.match_list, name="matches"),
    path("matches/<int:pk>/status/", portal_views.match_status, name="match_status"),
    path("searches/", portal_views.saved_search_list, name="saved_searches"),
    path("searches/new/", portal_views.saved_search_edit, name="saved_search_create"),
    path("searches/<int:pk>/edit/", portal_views.saved_search_edit, name="saved_search_edit"),
]
