"""URL map. With realtor/celery.py, the only module that knows every app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from realtor import views
from realtor.api import urls as core_api

api_v1 = [
    path("", include(core_api)),
    path("", include("properties.api.urls")),
    path("", include("leads.api.urls")),
    path("", include("leads.api.engine_urls")),
    path("webhooks/", include("leads.api.webhook_urls")),
    path("webhooks/", include("marketing.webhook_urls")),
    path("", include("contracts.api.urls")),
    path("", include("marketing.api.urls")),
    path("", include("analytics.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

app_pages = [
    path("", include("realtor.app_urls")),
    path("", include("properties.urls")),
    path("", include("properties.cma_urls")),
    path("", include("leads.urls")),
    path("", include("contracts.urls")),
    path("", include("marketing.urls")),
    path("", include("analytics.urls")),
]

portal_pages = [
    path("", include("realtor.portal_urls")),
    path("", include("properties.portal_urls")),
    path("", include("leads.valuation_portal_urls")),
    path("", include("leads.portal_urls")),
    path("", include("contracts.portal_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("marketing.public_urls")),
    path("", include("leads.inquiry_urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("app/", include((app_pages, "app"))),
    path("portal/", include((portal_pages, "portal"))),
]

handler404 = "realtor.views.page_not_found"
handler500 = "realtor.views.server_error"
