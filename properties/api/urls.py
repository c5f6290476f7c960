"""REST endpoints of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .views import ListingViewSet

router = SimpleRouter()
router.register("properties", ListingViewSet, basename="listing")

urlpatterns = router.urls
