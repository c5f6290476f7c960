"""API representations of contacts (leads and clients) and their activities.

Input and output differ: writes name the assigned agent by ``member_key`` or id and
pass through ``leads.services``; reads add derived and system-set fields.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from leads.models import Activity, Contact, RoutingDecision, Task
from leads.normalize import normalize_phone
from realtor.models import Agent

#: Activity kinds a person may log; ``system`` rows are written by the platform itself.
LOGGABLE_ACTIVITY_KINDS = [(value, label) for value, label in Activity.Kind.choices if value != Activity.Kind.SYSTEM]
#: Clock skew tolerated on ``occurred_at`` before it counts as "in the future".
FUTURE_SKEW = datetime.timedelta(minutes=5)


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "nullable": True,
        "description": "The agent's RESO member_key (string) or id (integer), in your brokerage.",
    }
)
class AgentReferenceField(serializers.Field):
    """An agent of the requesting user's brokerage, named by ``member_key`` or by id.

    JSON integers are ids; strings are member keys, and an all-digit string that is no
    member key is read as an id (form-encoded requests only send strings). Agents of
    other brokerages are unknown, exactly like agents that do not exist.
    """

    default_error_messages = {
        "unknown": "Unknown agent.",
        "invalid": "Give the agent's member_key (a string) or id (an integer).",
    }

    def to_internal_value(self, data) -> Agent:
        brokerage_id = self.context["request"].user.brokerage_id
        agents = Agent.objects.select_related("user").filter(brokerage_id=brokerage_id)
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int):
            agent = agents.filter(pk=data).first() if 0 < data < 2**63 else None
        else:
            key = data.strip()
            if not key:
                self.fail("invalid")
            agent = agents.filter(member_key=key).first()
            if agent is None and key.isdigit() and len(key) < 19:
                agent = agents.filter(pk=int(key)).first()
        if agent is None:
            self.fail("unknown")
        return agent

    def to_representation(self, value: Agent) -> str:
        return value.member_key


class ContactInputSerializer(serializers.Serializer):
    """Fields an agent may set on a contact (``leads.services.EDITABLE_FIELDS``).

    On create every field is optional: the contact type defaults to buyer, the stage to
    new, and ``assigned_agent`` (absent or null) to the requesting agent. A contact needs
    an email or a phone; without both the request breaks a business rule (422).
    """

    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text="Any common format; stored as given."
    )
    contact_type = serializers.ChoiceField(choices=Contact.ContactType.choices, required=False)
    stage = serializers.ChoiceField(choices=Contact.Stage.choices, required=False)
    timeline = serializers.ChoiceField(choices=Contact.Timeline.choices, required=False, allow_blank=True)
    pre_approved = serializers.BooleanField(required=False, allow_null=True, help_text="Mortgage pre-approval.")
    notes = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    assigned_agent = AgentReferenceField(required=False, allow_null=True)

    def validate_phone(self, value: str) -> str:
        if value and normalize_phone(value) is None:
            raise serializers.ValidationError("Enter a valid phone number.")
        return value


class ContactReplaceSerializer(ContactInputSerializer):
    """A full update (PUT): every editable field is required; send "" or null to clear one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


@extend_schema_serializer(component_name="Contact")
class ContactOutputSerializer(serializers.ModelSerializer):
    """A lead or client. Timestamps are ISO 8601 with offset; ``score`` is 0-100."""

    full_name = serializers.CharField(read_only=True)
    assigned_agent = serializers.SlugRelatedField(
        slug_field="member_key",
        read_only=True,
        allow_null=True,
        help_text="RESO member_key of the assigned agent, or null.",
    )
    assigned_agent_name = serializers.CharField(
        source="assigned_agent.user.get_full_name", read_only=True, allow_null=True, default=None
    )
    source = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="Lead source slug, or null."
    )

    class Meta:
        model = Contact
        fields = (
            "id",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "phone_e164",
            "contact_type",
            "stage",
            "timeline",
            "pre_approved",
            "notes",
            "message",
            "assigned_agent",
            "assigned_agent_name",
            "source",
            "system",
            "campaign",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "score",
            "grade",
            "email_consent",
            "sms_consent",
            "first_contact_at",
            "last_contacted_at",
            "speed_to_lead_seconds",
            "sla_due_at",
            "created_at",
            "updated_at",
            "is_synthetic",
        )
        read_only_fields = fields
        extra_kwargs = {
            "speed_to_lead_seconds": {
                "help_text": "Seconds from arrival to the first call, email, text, meeting or showing; "
                "null until contacted."
            },
            "sla_due_at": {"help_text": "First contact is due by then or the lead escalates; null once contacted."},
        }


class ScoreFactorSerializer(serializers.Serializer):
    """One factor of the explainable score (``leads.scoring``)."""

    factor = serializers.CharField(help_text="engagement, timeline, pre_approval, budget_fit, source_quality, …")
    label = serializers.CharField()
    points = serializers.IntegerField()
    max = serializers.IntegerField(help_text="The most points this factor can give.")
    reason = serializers.CharField(help_text="Why it gave these points, in words.")


class ChannelConsentSerializer(serializers.Serializer):
    granted = serializers.BooleanField()
    at = serializers.DateTimeField(allow_null=True, help_text="When it was last granted; null if never.")


class ConsentSerializer(serializers.Serializer):
    """Current consent per channel (from the consent ledger) and the text the lead was shown."""

    email = ChannelConsentSerializer()
    sms = ChannelConsentSerializer()
    text = serializers.CharField(help_text="The consent text shown when consent was captured.")


class RoutingDecisionSerializer(serializers.ModelSerializer):
    agent = serializers.SlugRelatedField(slug_field="member_key", read_only=True, allow_null=True)
    agent_name = serializers.CharField(source="agent.user.get_full_name", read_only=True, allow_null=True, default=None)
    previous_agent = serializers.SlugRelatedField(slug_field="member_key", read_only=True, allow_null=True)
    rule = serializers.CharField(source="rule.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = RoutingDecision
        fields = ("at", "kind", "agent", "agent_name", "previous_agent", "rule", "reason")
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    agent = serializers.SlugRelatedField(slug_field="member_key", read_only=True)

    class Meta:
        model = Task
        fields = ("id", "title", "agent", "due_at", "completed_at", "created_at")
        read_only_fields = fields


@extend_schema_serializer(component_name="ContactDetail")
class ContactDetailSerializer(ContactOutputSerializer):
    """One contact with the lead engine's explanations: score factors, consent, routing history and tasks.

    Read it from the detail endpoint; the list keeps to the flat fields so it runs a
    constant number of queries. Expects ``routing_decisions`` and ``tasks`` prefetched
    (``leads.selectors.get_contact_detail_visible_to``).
    """

    score_view = serializers.IntegerField(read_only=True, help_text="The score on a 1-10 scale.")
    score_breakdown = ScoreFactorSerializer(
        many=True, read_only=True, help_text="Points per factor; they sum to score."
    )
    consent = serializers.SerializerMethodField()
    routing_history = RoutingDecisionSerializer(
        source="routing_decisions", many=True, read_only=True, help_text="Why the lead went to whom, newest first."
    )
    tasks = TaskSerializer(many=True, read_only=True, help_text="Open tasks first, by due date.")

    class Meta(ContactOutputSerializer.Meta):
        fields = (
            *ContactOutputSerializer.Meta.fields,
            "score_view",
            "score_breakdown",
            "scored_at",
            "consent",
            "routing_history",
            "tasks",
        )
        read_only_fields = fields

    @extend_schema_field(ConsentSerializer)
    def get_consent(self, contact: Contact) -> dict:
        return ConsentSerializer(
            {
                "email": {"granted": contact.email_consent, "at": contact.email_consent_at},
                "sms": {"granted": contact.sms_consent, "at": contact.sms_consent_at},
                "text": contact.consent_text,
            }
        ).data


class ActivityInputSerializer(serializers.Serializer):
    """Log a call, email, text, meeting, showing, note or inquiry.

    A call, email, text, meeting or showing marks the contact contacted (speed-to-lead).
    ``occurred_at`` defaults to now and may not lie in the future.
    """

    kind = serializers.ChoiceField(choices=LOGGABLE_ACTIVITY_KINDS)
    body = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False)

    def validate_occurred_at(self, value: datetime.datetime) -> datetime.datetime:
        if value > timezone.now() + FUTURE_SKEW:
            raise serializers.ValidationError("An activity cannot happen in the future.")
        return value


@extend_schema_serializer(component_name="Activity")
class ActivityOutputSerializer(serializers.ModelSerializer):
    agent = serializers.SlugRelatedField(
        slug_field="member_key",
        read_only=True,
        allow_null=True,
        help_text="RESO member_key of the agent who logged it, or null.",
    )
    agent_name = serializers.CharField(source="agent.user.get_full_name", read_only=True, allow_null=True, default=None)
    is_contact = serializers.BooleanField(read_only=True, help_text="Counts as reaching the contact.")

    class Meta:
        model = Activity
        fields = ("id", "kind", "body", "occurred_at", "agent", "agent_name", "is_contact")
        read_only_fields = fields
