"""Public marketing pages: one-click unsubscribe (RFC 8058), the alert open pixel, inbound SMS webhook."""

from __future__ import annotations

import base64
import json

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from leads.webhooks import authenticate_source, timestamp_fresh
from realtor.api.exception_handler import field_errors
from realtor.api.views import error_responses

from . import services

_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@csrf_exempt  # the signed token is the credential; mail clients POST without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows a confirm button (link scanners must not unsubscribe); POST unsubscribes."""
    parsed = services.read_unsubscribe_token(token)
    if parsed is None:
        return render(request, "marketing/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.unsubscribe(token=token)
        return render(request, "marketing/unsubscribe.html", {"done": True})
    return render(request, "marketing/unsubscribe.html", {"token": token})


def alert_open(request, token: str):
    """1x1 GIF that records an alert email being opened (resumes paused alerts)."""
    alert_id = services.read_open_token(token)
    if alert_id is not None:
        services.record_alert_open(alert_id=alert_id)
    response = HttpResponse(_PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


class InboundSmsSerializer(serializers.Serializer):
    # "from" is a keyword: read it by its wire name.
    body = serializers.CharField(max_length=1600, allow_blank=True)
    to = serializers.CharField(max_length=30, required=False, allow_blank=True)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        sender = data.get("from") if isinstance(data, dict) else None
        if not sender or not isinstance(sender, str):
            raise serializers.ValidationError({"from": ["This field is required."]})
        value["from"] = sender[:30]
        return value


#: The wire shape of an inbound SMS ("from" cannot be a serializer attribute name).
_INBOUND_SMS_REQUEST = inline_serializer(
    "InboundSms",
    fields={
        "from": serializers.CharField(max_length=30, help_text="The sender's phone number, any common format."),
        "to": serializers.CharField(max_length=30, required=False, help_text="Our number that received it."),
        "body": serializers.CharField(max_length=1600, allow_blank=True, help_text="The message text."),
    },
)
_INBOUND_SMS_RESPONSE = inline_serializer(
    "InboundSmsResult",
    fields={
        "action": serializers.ChoiceField(
            choices=["opt_out", "opt_in", "help", "reply", "unknown_sender"],
            help_text="What the message did: STOP/UNSUBSCRIBE… revoke SMS consent, START re-grants it.",
        ),
        "contacts": serializers.ListField(child=serializers.IntegerField(), help_text="Contacts with that number."),
    },
)
_SIGNATURE_HEADERS = [
    OpenApiParameter("X-Realtor-Timestamp", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True,
                     description="Unix seconds; more than 5 minutes from the server clock answers 401."),
    OpenApiParameter("X-Realtor-Signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                     description='sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}" with the source\'s secret>'),
    OpenApiParameter("X-Realtor-Source", OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="The lead source slug whose secret signs the request (default sms)."),
]  # fmt: skip


class InboundSmsWebhookView(APIView):
    """``POST /api/v1/webhooks/sms/``: an SMS from a lead ``{"from", "to", "body"}``.

    Signed like the lead webhooks (``X-Realtor-Timestamp``/``X-Realtor-Signature``) with
    the secret of the brokerage's lead source ``sms`` (or the ``X-Realtor-Source`` slug).
    STOP/START keywords change consent; other text is logged as a reply.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="webhooks_sms_create",
        summary="Receive an SMS from a lead (signed)",
        auth=[],
        parameters=_SIGNATURE_HEADERS,
        request=_INBOUND_SMS_REQUEST,
        responses={200: _INBOUND_SMS_RESPONSE, **error_responses(400, 401)},
    )
    def post(self, request, *args, **kwargs):
        raw = request.body
        timestamp = request.headers.get("X-Realtor-Timestamp", "")
        signature = request.headers.get("X-Realtor-Signature", "")
        error = {"error": "not_authenticated", "message": "The signature does not match.", "fields": {}}
        if not timestamp or not signature or not timestamp_fresh(timestamp):
            return Response(error, status=status.HTTP_401_UNAUTHORIZED)
        source = authenticate_source(
            request,
            slug=request.headers.get("X-Realtor-Source") or "sms",
            timestamp=timestamp,
            raw=raw,
            signature=signature,
        )
        if source is None:
            return Response(error, status=status.HTTP_401_UNAUTHORIZED)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = None
        serializer = InboundSmsSerializer(data=body if isinstance(body, dict) else {})
        if not serializer.is_valid():
            fields = field_errors(serializer.errors)
            return Response(
                {"error": "invalid", "message": "The request has invalid fields.", "fields": fields},
                status=status.HTTP_400_BAD_REQUEST,
            )
        result = services.record_inbound_sms(
            brokerage=source.brokerage,
            from_number=serializer.validated_data["from"],
            body=serializer.validated_data["body"],
        )
        return Response(result, status=status.HTTP_200_OK)
