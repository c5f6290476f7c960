"""REST endpoints of this app, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .valuation_views import DealAnalysisViewSet, ListingDealView, MarketStatsViewSet, ValuationViewSet
from .views import ListingViewSet

router = SimpleRouter()
router.register("properties", ListingViewSet, basename="listing")
router.register("valuations", ValuationViewSet, basename="valuation")
router.register("market-stats", MarketStatsViewSet, basename="market-stats")
router.register("deal-analysis", DealAnalysisViewSet, basename="deal-analysis")

urlpatterns = [
    path("properties/<str:listing_key>/deal/", ListingDealView.as_view(), name="listing-deal"),
    *router.urls,
]
