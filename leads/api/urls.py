"""REST endpoints of this app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .views import ContactViewSet

router = SimpleRouter()
router.register("leads", ContactViewSet, basename="contact")

urlpatterns = router.urls
