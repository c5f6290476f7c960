"""Factories for the models the shared factories do not cover, and one-of-everything helpers."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from analytics.models import DailyMetric, Digest
from contracts.models import Document, DocumentTemplate, Offer, Signer, Transaction, TransactionParty
from leads.models import (
    Activity,
    BehaviorEvent,
    ConsentEvent,
    Favorite,
    LeadSource,
    Match,
    Notification,
    RotationPointer,
    RoutingDecision,
    RoutingRule,
    SavedSearch,
    Task,
    WebhookDelivery,
)
from marketing.models import AlertDelivery, Brand, Campaign, Delivery, Enrollment, Message, Suppression
from properties.models import ListingHistory, ListingMedia, OpenHouse
from realtor.models import AICall, AuditLog

from .core import AgentFactory, BrokerageFactory, OfficeFactory, TeamFactory
from .leads import ContactFactory, make_client
from .properties import ListingFactory


class ListingHistoryFactory(DjangoModelFactory):
    class Meta:
        model = ListingHistory

    listing = factory.SubFactory(ListingFactory)
    event = ListingHistory.Event.PRICE
    previous_value = "675000"
    new_value = "650000"


class ListingMediaFactory(DjangoModelFactory):
    class Meta:
        model = ListingMedia

    listing = factory.SubFactory(ListingFactory)
    media_key = factory.Sequence(lambda n: f"MEDIA-{n}")
    media_url = factory.Sequence(lambda n: f"https://media.example.test/{n}.jpg")
    short_description = "Front of house"


class OpenHouseFactory(DjangoModelFactory):
    class Meta:
        model = OpenHouse

    listing = factory.SubFactory(ListingFactory)
    open_house_key = factory.Sequence(lambda n: f"OH-{n}")
    open_house_start_time = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    open_house_end_time = factory.LazyAttribute(lambda o: o.open_house_start_time + datetime.timedelta(hours=2))


class LeadSourceFactory(DjangoModelFactory):
    class Meta:
        model = LeadSource

    brokerage = factory.SubFactory(BrokerageFactory)
    name = factory.Sequence(lambda n: f"Source {n}")
    slug = factory.Sequence(lambda n: f"source-{n}")


class ConsentEventFactory(DjangoModelFactory):
    class Meta:
        model = ConsentEvent

    contact = factory.SubFactory(ContactFactory)
    channel = ConsentEvent.Channel.EMAIL
    granted = True
    consent_text = "You may email me about homes."
    source = "form"


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    contact = factory.SubFactory(ContactFactory)
    agent = factory.SubFactory(AgentFactory, brokerage=factory.SelfAttribute("..contact.brokerage"))
    kind = Activity.Kind.CALL
    body = "Left a voicemail."


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    contact = factory.SubFactory(ContactFactory)
    agent = factory.SubFactory(AgentFactory, brokerage=factory.SelfAttribute("..contact.brokerage"))
    title = "Call back"
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))


class SavedSearchFactory(DjangoModelFactory):
    class Meta:
        model = SavedSearch

    contact = factory.SubFactory(ContactFactory)
    list_price_min = Decimal("500000")
    list_price_max = Decimal("800000")
    bedrooms_total_min = 3
    city = "Seattle"


class FavoriteFactory(DjangoModelFactory):
    class Meta:
        model = Favorite

    contact = factory.SubFactory(ContactFactory)
    listing = factory.SubFactory(ListingFactory)


class OfferFactory(DjangoModelFactory):
    class Meta:
        model = Offer

    brokerage = factory.SubFactory(BrokerageFactory)
    listing = factory.SubFactory(ListingFactory)
    buyer = factory.SubFactory(ContactFactory, brokerage=factory.SelfAttribute("..brokerage"))
    buyer_agent = factory.SubFactory(AgentFactory, brokerage=factory.SelfAttribute("..brokerage"))
    offer_price = Decimal("640000")
    earnest_money = Decimal("10000")


class TransactionFactory(DjangoModelFactory):
    class Meta:
        model = Transaction

    brokerage = factory.SubFactory(BrokerageFactory)
    agent = factory.SubFactory(AgentFactory, brokerage=factory.SelfAttribute("..brokerage"))
    listing = factory.SubFactory(ListingFactory)
    side = Transaction.Side.BUYER
    sale_price = Decimal("640000")
    closing_date = datetime.date(2026, 7, 1)


class TransactionPartyFactory(DjangoModelFactory):
    class Meta:
        model = TransactionParty

    transaction = factory.SubFactory(TransactionFactory)
    role = TransactionParty.Role.BUYER
    name = "Lee Buyer"
    email = factory.Sequence(lambda n: f"party{n}@example.test")


class DocumentTemplateFactory(DjangoModelFactory):
    class Meta:
        model = DocumentTemplate

    code = factory.Sequence(lambda n: f"form-{n}")
    name = factory.Sequence(lambda n: f"Form {n}")
    body = "<p>{{ transaction }}</p>"


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document

    transaction = factory.SubFactory(TransactionFactory)
    template = factory.SubFactory(DocumentTemplateFactory)
    title = factory.Sequence(lambda n: f"Document {n}")


class SignerFactory(DjangoModelFactory):
    class Meta:
        model = Signer

    document = factory.SubFactory(DocumentFactory)
    name = "Lee Buyer"
    email = factory.Sequence(lambda n: f"signer{n}@example.test")
    role = TransactionParty.Role.BUYER


class BrandFactory(DjangoModelFactory):
    class Meta:
        model = Brand

    brokerage = factory.SubFactory(BrokerageFactory)
    agent = factory.SubFactory(AgentFactory, brokerage=factory.SelfAttribute("..brokerage"))
    display_name = factory.Sequence(lambda n: f"Brand {n}")
    postal_address = "100 Main St, Seattle, WA 98101"


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    brokerage = factory.SubFactory(BrokerageFactory)
    agent = factory.SubFactory(AgentFactory, brokerage=factory.SelfAttribute("..brokerage"))
    brand = factory.SubFactory(BrandFactory, brokerage=factory.SelfAttribute("..brokerage"))
    listing = factory.SubFactory(ListingFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    kind = Campaign.Kind.LISTING_LAUNCH


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    campaign = factory.SubFactory(CampaignFactory)
    step = factory.Sequence(lambda n: n + 1)
    subject = "Just listed"
    body = "A new home near you."


class DeliveryFactory(DjangoModelFactory):
    class Meta:
        model = Delivery

    message = factory.SubFactory(MessageFactory)
    contact = factory.SubFactory(ContactFactory, brokerage=factory.SelfAttribute("..message.campaign.brokerage"))
    channel = Message.Channel.EMAIL


class SuppressionFactory(DjangoModelFactory):
    class Meta:
        model = Suppression

    brokerage = factory.SubFactory(BrokerageFactory)
    channel = Suppression.Channel.EMAIL
    address = factory.Sequence(lambda n: f"optout{n}@example.test")
    reason = "unsubscribe"


class DailyMetricFactory(DjangoModelFactory):
    class Meta:
        model = DailyMetric

    brokerage = factory.SubFactory(BrokerageFactory)
    agent = factory.SubFactory(AgentFactory, brokerage=factory.SelfAttribute("..brokerage"))
    date = datetime.date(2026, 5, 1)
    metric = factory.Sequence(lambda n: f"metric_{n}")
    value = Decimal("3")


class DigestFactory(DjangoModelFactory):
    class Meta:
        model = Digest

    agent = factory.SubFactory(AgentFactory)
    date = datetime.date(2026, 5, 1)
    content = factory.LazyFunction(lambda: {"queue": []})


class AuditLogFactory(DjangoModelFactory):
    class Meta:
        model = AuditLog

    brokerage = factory.SubFactory(BrokerageFactory)
    action = "contact.assign"
    object_type = "leads.contact"
    object_id = factory.Sequence(str)


class AICallFactory(DjangoModelFactory):
    class Meta:
        model = AICall

    task = "listing_description"
    provider = AICall.Provider.FALLBACK
    fallback_used = True
    fallback_reason = "no API key"
    inputs = factory.LazyFunction(lambda: {"listing_id": 1})
    output = "A bright home."
    latency_ms = 3


def make_engine_records(*, brokerage, agent, contact, listing, source, campaign, search) -> list:
    """One row of each lead-engine model (issue 4) for ``brokerage``."""
    rule = RoutingRule.objects.create(brokerage=brokerage, name="Example rule", target=RoutingRule.Target.ALL_AGENTS)
    match = Match.objects.create(
        saved_search=search, contact=contact, listing=listing, score=80, reasons=["example: 3 bd, you asked for 3+"]
    )
    return [
        BehaviorEvent.objects.create(contact=contact, kind=BehaviorEvent.Kind.VIEWED_LISTING, listing=listing),
        WebhookDelivery.objects.create(
            brokerage=brokerage,
            source=source,
            idempotency_key=f"example-{contact.pk}",
            body_hash="0" * 64,
            result=WebhookDelivery.Result.CREATED,
            status_code=201,
            contact=contact,
        ),
        rule,
        RotationPointer.objects.create(brokerage=brokerage, key=f"rule:{rule.pk}", counter=3),
        RoutingDecision.objects.create(contact=contact, agent=agent, rule=rule, reason="example: round robin"),
        Notification.objects.create(
            recipient=agent.user, contact=contact, kind=Notification.Kind.NEW_LEAD, message="New lead (example)"
        ),
        match,
        Enrollment.objects.create(campaign=campaign, contact=contact),
        AlertDelivery.objects.create(
            contact=contact,
            saved_search_id=search.pk,
            dedupe_key=f"match:{match.pk}",
            match_ids=[match.pk],
            status=AlertDelivery.Status.SENT,
        ),
    ]


def make_brokerage_records(brokerage) -> dict:
    """Create one row of every model, tied to ``brokerage`` where the model has one.

    Returns ``{model class: instance}``. Agents, contacts and listings are new each
    call, so calling it again adds rows to every changelist.
    """
    office = OfficeFactory(brokerage=brokerage)
    team = TeamFactory(brokerage=brokerage)
    agent = AgentFactory(brokerage=brokerage, office=office, team=team)
    source = LeadSourceFactory(brokerage=brokerage)
    listing = ListingFactory(list_agent=agent, list_office=office)
    contact = ContactFactory(brokerage=brokerage, assigned_agent=agent, source=source, inquiry_listing=listing)
    client_user = make_client(contact)
    offer = OfferFactory(brokerage=brokerage, listing=listing, buyer=contact, buyer_agent=agent)
    transaction = TransactionFactory(brokerage=brokerage, agent=agent, listing=listing, offer=offer)
    document = DocumentFactory(transaction=transaction)
    campaign = CampaignFactory(brokerage=brokerage, agent=agent, brand__agent=agent, listing=listing)
    message = MessageFactory(campaign=campaign)
    search = SavedSearchFactory(contact=contact)
    records = [
        brokerage,
        office,
        team,
        agent,
        client_user,
        source,
        listing,
        contact,
        offer,
        transaction,
        document,
        campaign,
        message,
        campaign.brand,
        document.template,
        ListingHistoryFactory(listing=listing),
        ListingMediaFactory(listing=listing),
        OpenHouseFactory(listing=listing),
        ConsentEventFactory(contact=contact),
        ActivityFactory(contact=contact, agent=agent),
        TaskFactory(contact=contact, agent=agent),
        search,
        FavoriteFactory(contact=contact, listing=listing),
        TransactionPartyFactory(transaction=transaction, contact=contact),
        SignerFactory(document=document),
        DeliveryFactory(message=message, contact=contact),
        SuppressionFactory(brokerage=brokerage),
        DailyMetricFactory(brokerage=brokerage, agent=agent),
        DigestFactory(agent=agent),
        AuditLogFactory(brokerage=brokerage),
        AICallFactory(),
        *make_engine_records(
            brokerage=brokerage,
            agent=agent,
            contact=contact,
            listing=listing,
            source=source,
            campaign=campaign,
            search=search,
        ),
    ]
    return {type(record): record for record in records}
