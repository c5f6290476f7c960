"""One place that turns errors into the API's error shape.

Every error answers ``{"error": code, "message": str, "fields": {field: [messages]}}``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from realtor.exceptions import DomainError


def _as_lists(detail) -> dict:
    if isinstance(detail, dict):
        return {k: (v if isinstance(v, list) else [v]) for k, v in detail.items()}
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"error": exc.code, "message": exc.message, "fields": exc.fields}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "error": "invalid",
            "message": "The request has invalid fields.",
            "fields": _as_lists(exc.detail),
        }
    elif isinstance(exc, Http404 | exceptions.NotFound):
        response.data = {"error": "not_found", "message": "Not found.", "fields": {}}
    else:
        code = getattr(exc, "default_code", "error")
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = {"error": code, "message": str(detail), "fields": {}}
    return response


__all__ = ["exception_handler", "status"]
