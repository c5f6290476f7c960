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


def field_errors(detail) -> dict[str, list[str]]:
    """Flatten DRF error detail into ``{field: [messages]}``; nested fields get dotted names.

    ``{"consent": {"text": ["Required."]}}`` becomes ``{"consent.text": ["Required."]}`` and a
    list field's item errors ``{"postal_codes": {0: ["Bad ZIP."]}}`` become ``"postal_codes.0"``.
    Errors that belong to no field are under ``non_field_errors``.
    """
    out: dict[str, list[str]] = {}

    def walk(value, name: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{name}.{key}" if name else str(key))
        elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            for index, item in enumerate(value):
                if item:
                    walk(item, f"{name}.{index}" if name else str(index))
        else:
            messages = value if isinstance(value, list) else [value]
            out.setdefault(name or "non_field_errors", []).extend(str(m) for m in messages)

    walk(detail, "")
    return out


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
            "fields": field_errors(exc.detail),
        }
    elif isinstance(exc, Http404 | exceptions.NotFound):
        response.data = {"error": "not_found", "message": "Not found.", "fields": {}}
    else:
        code = getattr(exc, "default_code", "error")
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = {"error": code, "message": str(detail), "fields": {}}
    return response


__all__ = ["exception_handler", "field_errors", "status"]
