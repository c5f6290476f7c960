"""Core views: health check and the landing redirect."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """200 ``{"status": "ok", "database": "ok"}``; 503 when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    """Send each user to their door: clients to the portal, everyone else to the agent app."""
    if request.user.is_client:
        return redirect("portal:home")
    return redirect("app:dashboard")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    """404: the API's error shape under /api/, the site's page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"error": "not_found", "message": "Not found.", "fields": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    """500: the API's error shape under /api/, a plain page elsewhere (no template context needed)."""
    if _wants_json(request):
        return JsonResponse({"error": "server_error", "message": "Internal server error.", "fields": {}}, status=500)
    return render(request, "500.html", status=500)
