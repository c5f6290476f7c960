"""Core API: token exchange, and the error shape every endpoint documents."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (see ``realtor/api/exception_handler.py``)."""

    error = serializers.CharField(
        help_text="Machine-readable code: invalid, not_found, not_authenticated, permission_denied, "
        "method_not_allowed, throttled, or a domain code such as domain_error."
    )
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field; empty when the error is not about a field.",
    )


_ERROR_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each bad field.",
    401: "No or invalid credentials (`Authorization: Token <token>` or a session).",
    403: "Authenticated but not allowed (clients use the portal, not this API).",
    404: "No such object, or not visible to you.",
    405: "Method not allowed.",
    409: "Conflicts with the current state of the object.",
    422: "Well-formed but breaks a business rule.",
    429: "Too many requests, or too many failed sign-ins; `Retry-After` says when to try again.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """``@extend_schema(responses=...)`` entries documenting the error shape for ``codes``."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[code]) for code in codes}


class SignInLocked(exceptions.Throttled):
    """Too many failed sign-ins for this email from this address (django-axes)."""

    default_code = "locked_out"
    default_detail = "Too many failed sign-ins. Try again later."


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, write_only=True)


class ObtainTokenView(APIView):
    """Exchange an email and password for an API token (``Authorization: Token <token>``)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token_create",
        auth=[],
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            **error_responses(400, 429),
        },
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            # Answer in the API's error shape; the flag would make AxesMiddleware swap in its HTML page.
            request._request.axes_locked_out = False
            cool_off = get_cool_off(request._request)
            raise SignInLocked(wait=cool_off.total_seconds() if cool_off else None)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": ["Unable to sign in with those credentials."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)
