"""Inbound lead webhooks: signed, replay-safe, idempotent.

Signing (the same for every endpoint here)::

    X-Realtor-Timestamp: <unix seconds>
    X-Realtor-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}" with the source's secret>

The scheme is Stripe's (timestamped HMAC over the raw body, constant-time compare).
A timestamp more than :data:`TOLERANCE_SECONDS` from the server clock (either way)
is refused, so a captured request cannot be replayed later; within the window a
replay is a redelivery and is deduplicated.

Which source: the slug in the ``X-Realtor-Source`` header, else the body's ``source``
(GoHighLevel: ``gohighlevel``). Slugs are unique per brokerage, so the signature
decides the tenant: the first active source with that slug whose secret verifies
the signature is the one (``X-Realtor-Brokerage: <id>`` narrows the search).

Answers: 201 lead captured (new or merged into a duplicate contact), 200 redelivery
(same ``idempotency_key`` or ``Idempotency-Key`` header, or the same body within 24 h),
401 bad/missing signature or stale timestamp, 400 malformed body with field errors in
the project error shape. Nothing is written on 400 or 401.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from realtor.api.exception_handler import field_errors
from realtor.exceptions import DomainError

from . import services
from .models import Contact, LeadSource

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024


def sign(*, secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Realtor-Signature`` value for a body: ``sha256=<hex>`` (for senders and tests)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_valid(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time check of a signature header against the expected HMAC."""
    if not secret or not signature.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature)


def timestamp_fresh(timestamp: str, *, now: float | None = None) -> bool:
    """Whether a unix-seconds timestamp is within :data:`TOLERANCE_SECONDS` of now (past or future)."""
    try:
        value = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs((now if now is not None else time.time()) - value) <= TOLERANCE_SECONDS


class ConsentSerializer(serializers.Serializer):
    email = serializers.BooleanField(default=False)
    sms = serializers.BooleanField(default=False)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    captured_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if (attrs["email"] or attrs["sms"]) and not attrs["text"].strip():
            raise serializers.ValidationError({"text": ["The consent text shown to the lead is required."]})
        return attrs


class LeadWebhookSerializer(serializers.Serializer):
    """The body of ``POST /api/v1/webhooks/leads/``."""

    source = serializers.SlugField(required=False, max_length=50)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    message = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    type = serializers.ChoiceField(choices=Contact.ContactType.choices, default=Contact.ContactType.BUYER)
    listing_key = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    list_price_min = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    list_price_max = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    bedrooms_total_min = serializers.IntegerField(min_value=0, max_value=50, required=False)
    bathrooms_total_min = serializers.IntegerField(min_value=0, max_value=50, required=False)
    postal_codes = serializers.ListField(
        child=serializers.RegexField(r"^\d{5}$"), required=False, max_length=50, default=list
    )
    timeline = serializers.ChoiceField(choices=[c for c in Contact.Timeline.values if c], required=False, default="")
    pre_approved = serializers.BooleanField(required=False, allow_null=True, default=None)
    consent = ConsentSerializer(required=False)
    system = serializers.CharField(required=False, allow_blank=True, max_length=50, default="webhook")
    campaign = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    utm_source = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    utm_medium = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    utm_campaign = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")

    def validate_phone(self, value):
        from .normalize import normalize_phone

        if value and normalize_phone(value) is None:
            raise serializers.ValidationError("Not a valid phone number.")
        return value

    def validate(self, attrs):
        if not (attrs.get("email") or attrs.get("phone")):
            raise serializers.ValidationError({"email": ["Email or phone is required."]})
        lo, hi = attrs.get("list_price_min"), attrs.get("list_price_max")
        if lo is not None and hi is not None and hi < lo:
            raise serializers.ValidationError({"list_price_max": ["Must be at least list_price_min."]})
        return attrs

    def to_lead_input(self) -> services.LeadInput:
        d = self.validated_data
        consent = d.get("consent") or {}
        return services.LeadInput(
            first_name=d["first_name"],
            last_name=d["last_name"],
            email=d["email"],
            phone=d["phone"],
            message=d["message"],
            contact_type=d["type"],
            listing_key=d["listing_key"],
            list_price_min=d.get("list_price_min"),
            list_price_max=d.get("list_price_max"),
            bedrooms_total_min=d.get("bedrooms_total_min"),
            bathrooms_total_min=d.get("bathrooms_total_min"),
            postal_codes=d["postal_codes"],
            timeline=d["timeline"],
            pre_approved=d["pre_approved"],
            email_consent=consent.get("email", False),
            sms_consent=consent.get("sms", False),
            consent_text=consent.get("text", ""),
            consent_captured_at=consent.get("captured_at"),
            system=d["system"] or "webhook",
            campaign=d["campaign"],
            utm_source=d["utm_source"],
            utm_medium=d["utm_medium"],
            utm_campaign=d["utm_campaign"],
        )


def map_gohighlevel(body: dict) -> tuple[dict, str]:
    """Map a GoHighLevel contact webhook onto the lead webhook body; returns (body, idempotency key).

    Accepts both GHL shapes: the ContactCreate event (``id``, ``firstName``, ``lastName``,
    ``email``, ``phone``, ``tags`` list, ``source``, ``customFields`` [{id, value}]) and the
    workflow webhook (``contact_id``, ``first_name``, ``last_name``, ``tags`` "a,b",
    ``contact_source``, ``customData`` {}). Custom fields named like our body fields
    (``timeline``, ``list_price_max``, ``postal_codes``…) are carried over; tags
    ``buyer``/``seller`` set the type. The idempotency key is the GHL ``webhookId`` or
    the event type plus contact id.
    """

    def first(*names, default=""):
        for name in names:
            if body.get(name) not in (None, ""):
                return body[name]
        return default

    tags = first("tags", default=[])
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    elif not isinstance(tags, list):
        tags = []  # neither GHL shape (a number, an object): no type hint, not an error
    tags_lower = {str(t).lower() for t in tags}
    custom: dict = {}
    fields = first("customFields", "customField", default=[])
    if isinstance(fields, dict):
        custom.update(fields)
    elif isinstance(fields, list):
        for item in fields:
            if isinstance(item, dict) and ("key" in item or "id" in item):
                custom[str(item.get("key") or item.get("id"))] = item.get("value", item.get("field_value"))
    if isinstance(body.get("customData"), dict):
        custom.update(body["customData"])
    mapped = {
        "first_name": first("firstName", "first_name"),
        "last_name": first("lastName", "last_name"),
        "email": first("email"),
        "phone": first("phone"),
        "message": first("message", "notes"),
        "system": "gohighlevel",
        "campaign": str(first("source", "contact_source"))[:100],
    }
    if "seller" in tags_lower:
        mapped["type"] = "both" if "buyer" in tags_lower else "seller"
    for name in LeadWebhookSerializer().fields:
        if name in custom and name not in ("source", "system"):
            mapped[name] = custom[name]
    contact_id = first("id", "contact_id")
    key = str(first("webhookId", default="")) or (
        f"{first('type', default='contact')}:{contact_id}" if contact_id else ""
    )
    return mapped, key[:100]


def _error(code: str, message: str, fields: dict | None = None, *, http: int) -> Response:
    return Response({"error": code, "message": message, "fields": fields or {}}, status=http)


def _unauthorized(message: str) -> Response:
    return _error("not_authenticated", message, http=status.HTTP_401_UNAUTHORIZED)


def authenticate_source(request, *, slug, timestamp: str, raw: bytes, signature: str) -> LeadSource | None:
    """The active lead source with ``slug`` whose secret verifies the signature, or None.

    ``X-Realtor-Brokerage: <id>`` narrows the candidates to one brokerage.
    """
    if not slug or not isinstance(slug, str):
        return None
    sources = LeadSource.objects.filter(slug=slug[:50], is_active=True).exclude(webhook_secret="")
    if brokerage_id := request.headers.get("X-Realtor-Brokerage", ""):
        if not brokerage_id.isdigit():
            return None
        sources = sources.filter(brokerage_id=int(brokerage_id))
    fields = ("id", "brokerage_id", "name", "slug", "webhook_secret", "sla_minutes", "quality_points")
    for source in sources.only(*fields).order_by("pk")[:1000]:
        if signature_valid(secret=source.webhook_secret, timestamp=timestamp, body=raw, signature=signature):
            return source
    return None


_LEAD_RESPONSE = inline_serializer(
    "WebhookLeadResponse",
    fields={
        "lead_id": serializers.IntegerField(),
        "result": serializers.ChoiceField(choices=["created", "merged", "duplicate"]),
        "score": serializers.IntegerField(),
        "grade": serializers.CharField(),
        "score_view": serializers.IntegerField(),
        "assigned_agent": serializers.DictField(allow_null=True),
    },
)


class LeadWebhookView(APIView):
    """``POST /api/v1/webhooks/leads/``: a signed lead from a lead source (see module docs)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # the signature authenticates; vendors burst
    endpoint = "leads"

    def parse(self, body: dict) -> tuple[dict, str]:
        """The lead body and an idempotency key derived from it ("" when none)."""
        return body, ""

    def body_source(self, body) -> str | None:
        """The source slug named by the body, when the header does not name one."""
        return body.get("source") if isinstance(body, dict) else None

    @extend_schema(
        request=LeadWebhookSerializer,
        responses={
            201: _LEAD_RESPONSE,
            200: _LEAD_RESPONSE,
            400: OpenApiResponse(description="Malformed body"),
            401: OpenApiResponse(description="Bad signature"),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        raw = request.body
        timestamp = request.headers.get("X-Realtor-Timestamp", "")
        signature = request.headers.get("X-Realtor-Signature", "")
        if not timestamp or not signature:
            return _unauthorized("Missing X-Realtor-Timestamp or X-Realtor-Signature.")
        if not timestamp_fresh(timestamp):
            return _unauthorized("The timestamp is more than 5 minutes from now.")
        if len(raw) > MAX_BODY_BYTES:
            return _error("invalid", "The body is too large.", http=status.HTTP_400_BAD_REQUEST)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = None
        slug = request.headers.get("X-Realtor-Source") or self.body_source(body)
        source = authenticate_source(request, slug=slug, timestamp=timestamp, raw=raw, signature=signature)
        if source is None:
            logger.warning("webhook %s: signature rejected for source %r", self.endpoint, slug)
            return _unauthorized("The signature does not match.")
        if not isinstance(body, dict):
            return _error(
                "invalid",
                "The request has invalid fields.",
                {"non_field_errors": ["The body must be a JSON object."]},
                http=status.HTTP_400_BAD_REQUEST,
            )
        mapped, mapped_key = self.parse(body)
        serializer = LeadWebhookSerializer(data=mapped)
        if not serializer.is_valid():
            errors = field_errors(serializer.errors)
            return _error("invalid", "The request has invalid fields.", errors, http=status.HTTP_400_BAD_REQUEST)
        key = request.headers.get("Idempotency-Key") or serializer.validated_data["idempotency_key"] or mapped_key
        try:
            result = services.receive_webhook_lead(
                source=source,
                data=serializer.to_lead_input(),
                raw_body=raw,
                idempotency_key=key[:100],
                endpoint=self.endpoint,
            )
        except DomainError as exc:
            return _error(exc.code, exc.message, exc.fields, http=status.HTTP_400_BAD_REQUEST)
        contact = result.contact
        agent = contact.assigned_agent
        payload = {
            "lead_id": contact.pk,
            "result": "duplicate" if result.duplicate else ("created" if result.created else "merged"),
            "score": contact.score,
            "grade": contact.grade,
            "score_view": contact.score_view,
            "assigned_agent": {"id": agent.pk, "name": str(agent)} if agent else None,
        }
        return Response(payload, status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED)


class GoHighLevelWebhookView(LeadWebhookView):
    """``POST /api/v1/webhooks/gohighlevel/``: a GoHighLevel contact, same signing, same service."""

    endpoint = "gohighlevel"

    def parse(self, body: dict) -> tuple[dict, str]:
        return map_gohighlevel(body)

    def body_source(self, body) -> str | None:
        # GHL's "source" is its own lead source (a campaign for us), never our slug.
        return "gohighlevel"

    @extend_schema(request=dict, responses={201: _LEAD_RESPONSE, 200: _LEAD_RESPONSE}, auth=[])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


__all__ = ["GoHighLevelWebhookView", "LeadWebhookView", "sign"]
