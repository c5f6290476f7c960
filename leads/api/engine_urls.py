"""Lead-engine REST endpoints, mounted under /api/v1/ (see the include line in the issue note)."""

from rest_framework.routers import SimpleRouter

from .engine_views import MatchViewSet, SavedSearchViewSet

router = SimpleRouter()
router.register("saved-searches", SavedSearchViewSet, basename="saved-search")
router.register("matches", MatchViewSet, basename="match")

urlpatterns = router.urls
