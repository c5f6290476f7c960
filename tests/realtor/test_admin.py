"""The Django admin: every model registered and working, bounded queries, brokerage scoping."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import DailyMetric, Digest
from contracts.models import Document, DocumentTemplate, Offer, Signer, Transaction, TransactionParty
from leads.models import (
    Activity,
    BehaviorEvent,
    ConsentEvent,
    Contact,
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
from properties.models import Listing, ListingHistory, ListingMedia, OpenHouse
from realtor.admin import BrokerageScopedAdmin
from realtor.models import Agent, AICall, AuditLog, Brokerage, Office, Team, User
from tests.factories.admin_extra import AICallFactory, AuditLogFactory, make_brokerage_records
from tests.factories.core import AgentFactory, BrokerageFactory, OfficeFactory, make_broker
from tests.factories.leads import ContactFactory
from tests.factories.properties import ClosedSaleFactory, ListingFactory

pytestmark = pytest.mark.django_db

# The models this admin was built for. Models added later are registered (and tested)
# by the engineers who add them, next to their own code.
OWN_MODELS = sorted(
    (
        *(Agent, AICall, AuditLog, Brokerage, Office, Team, User),
        *(Listing, ListingHistory, ListingMedia, OpenHouse),
        *(Activity, ConsentEvent, Contact, Favorite, LeadSource, SavedSearch, Task),
        *(Document, DocumentTemplate, Offer, Signer, Transaction, TransactionParty),
        *(Brand, Campaign, Delivery, Message, Suppression),
        *(DailyMetric, Digest),
        # The lead engine (issue 4).
        *(BehaviorEvent, Match, Notification, RotationPointer, RoutingDecision, RoutingRule, WebhookDelivery),
        *(AlertDelivery, Enrollment),
    ),
    key=lambda model: model._meta.label,
)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def grant(user: User, *codenames: str) -> None:
    """Give ``user`` model permissions such as ``"leads.view_contact"``."""
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.test", "root-pass-123")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def records(db):
    """One row of every model in each of two brokerages; the first brokerage's rows."""
    first = make_brokerage_records(BrokerageFactory(name="Alpha Realty"))
    make_brokerage_records(BrokerageFactory(name="Beta Homes"))
    return first


# --- Registration and the site -----------------------------------------------------------


def test_every_model_is_registered():
    assert [model for model in OWN_MODELS if not admin.site.is_registered(model)] == []


def test_every_model_admin_is_brokerage_aware():
    # AICall carries no brokerage: it is superuser-only instead (see its own test).
    unscoped = [
        model for model in OWN_MODELS if not isinstance(admin.site.get_model_admin(model), BrokerageScopedAdmin)
    ]

    assert unscoped == [AICall]


def test_no_form_renders_a_select_of_a_big_table():
    """Editable foreign keys to listings, contacts, agents and users use autocomplete or a raw id."""
    big = {Listing, Contact, Agent, User}
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    offenders = []
    for model in OWN_MODELS:
        model_admin = admin.site.get_model_admin(model)
        for owner in (model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)):
            parent = getattr(owner, "parent_model", None)
            addable = owner.has_add_permission(request, None) if parent else owner.has_add_permission(request)
            if not addable and not owner.has_change_permission(request):
                continue  # view only: every field renders as text
            light = {*owner.autocomplete_fields, *owner.raw_id_fields, *owner.readonly_fields}
            offenders += [
                f"{type(owner).__name__}.{field.name}"
                for field in owner.model._meta.concrete_fields
                if field.is_relation
                and field.editable
                and field.related_model in big
                and field.related_model is not parent
                and field.name not in light
            ]

    assert offenders == []


@pytest.mark.parametrize("model", OWN_MODELS, ids=lambda model: model._meta.label)
def test_change_form_shows_every_field(rf, superuser, records, model):
    """A hand-written layout hides no field: unlisted ones land under "Other fields"."""
    request = rf.get("/admin/")
    request.user = superuser
    model_admin = admin.site.get_model_admin(model)

    fieldsets = model_admin.get_fieldsets(request, records[model])

    shown = set(flatten_fieldsets(fieldsets))
    fields = {field.name for field in model._meta.fields if field.editable and not field.auto_created}
    assert fields - shown == set()


def test_site_header_and_title(superuser_client):
    response = superuser_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["site_header"] == "Realtor administration"
    assert response.context["site_title"] == "Realtor administration"


# --- Every page of every model, for a superuser -----------------------------------------


@pytest.mark.parametrize("model", OWN_MODELS, ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages(superuser_client, records, model):
    changelist = superuser_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1

    searched = superuser_client.get(admin_url(model, "changelist"), {"q": "example"})
    assert searched.status_code == 200

    model_admin = admin.site.get_model_admin(model)
    add = superuser_client.get(admin_url(model, "add"))
    addable = model_admin.has_add_permission(changelist.wsgi_request)
    assert add.status_code == (200 if addable else 403)

    change = superuser_client.get(admin_url(model, "change", records[model].pk))
    assert change.status_code == 200


@pytest.mark.parametrize("model", OWN_MODELS, ids=lambda model: model._meta.label)
def test_changelist_query_count_does_not_grow_with_rows(superuser_client, model):
    # Given one row of everything in two brokerages, then three more brokerages' worth
    url = admin_url(model, "changelist")
    for _ in range(2):
        make_brokerage_records(BrokerageFactory())
    with CaptureQueriesContext(connection) as few:
        assert superuser_client.get(url).status_code == 200
    for _ in range(3):
        make_brokerage_records(BrokerageFactory())

    with CaptureQueriesContext(connection) as many:
        response = superuser_client.get(url)

    assert response.status_code == 200
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_listing_changelist_with_many_rows_runs_a_bounded_number_of_queries(
    superuser_client, django_assert_max_num_queries
):
    # Given 120 listings, each listed by a different agent of a different office
    for _ in range(60):
        agent = AgentFactory(office=OfficeFactory())
        ListingFactory(list_agent=agent, list_office=agent.office)
        ClosedSaleFactory(list_agent=agent)

    with django_assert_max_num_queries(12):
        response = superuser_client.get(admin_url(Listing, "changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100


def test_listing_close_year_filter(superuser_client):
    sold_2014 = ClosedSaleFactory(close_date=datetime.date(2014, 12, 31))
    ClosedSaleFactory(close_date=datetime.date(2015, 1, 1))
    ClosedSaleFactory(close_date=datetime.date(2012, 3, 1))
    ListingFactory()
    url = admin_url(Listing, "changelist")

    response = superuser_client.get(url, {"close_date_year": "2014"})
    garbage = superuser_client.get(url, {"close_date_year": "20x4"})

    year_filter = next(
        f for f in response.context["cl"].filter_specs if getattr(f, "parameter_name", "") == "close_date_year"
    )
    assert year_filter.lookup_choices == [(str(year), str(year)) for year in (2015, 2014, 2013, 2012)]
    assert list(response.context["cl"].result_list) == [sold_2014]
    assert garbage.context["cl"].result_count == 4


def test_listing_change_page_renders_no_select_of_all_listings(superuser_client):
    listing = ListingFactory()
    ListingFactory.create_batch(5)

    response = superuser_client.get(admin_url(Listing, "change", listing.pk))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "list_agent" in form.fields
    assert form.fields["list_agent"].widget.widget.__class__.__name__ == "AutocompleteSelect"


# --- Search ------------------------------------------------------------------------------


def test_listing_search_by_key_prefix_and_address(superuser_client):
    wanted = ListingFactory(listing_key="KC-7654321", unparsed_address="4512 Woodlawn Ave N")
    ListingFactory(listing_key="KC-1234567", unparsed_address="19 Pine St")
    url = admin_url(Listing, "changelist")

    by_key = superuser_client.get(url, {"q": "KC-7654"})
    by_address = superuser_client.get(url, {"q": "woodlawn"})

    assert list(by_key.context["cl"].result_list) == [wanted]
    assert list(by_address.context["cl"].result_list) == [wanted]


def test_contact_search_by_name_email_and_formatted_phone(superuser_client):
    brokerage = BrokerageFactory()
    wanted = ContactFactory(brokerage=brokerage, first_name="Ada", last_name="Quill", email="ada@quill.test")
    wanted.phone = "206.555.0199"
    wanted.save()
    ContactFactory(brokerage=brokerage, first_name="Bo", last_name="Other", phone="2065550100")
    url = admin_url(Contact, "changelist")

    for term in ("quill", "ADA@QUILL.TEST", "(206) 555-0199", "+1 206 555 0199"):
        response = superuser_client.get(url, {"q": term})
        assert list(response.context["cl"].result_list) == [wanted], term


def test_agent_search_by_user_fields(superuser_client):
    wanted = AgentFactory(user__first_name="Marisol", user__last_name="Vega", user__email="mvega@example.test")
    AgentFactory(user__first_name="Pat", user__last_name="Other")
    url = admin_url(Agent, "changelist")

    for term in ("marisol", "vega", "mvega@"):
        response = superuser_client.get(url, {"q": term})
        assert list(response.context["cl"].result_list) == [wanted], term


def test_search_finding_nothing_answers_an_empty_page(superuser_client, records):
    response = superuser_client.get(admin_url(Contact, "changelist"), {"q": "no-such-person-zzz"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


# --- Users -------------------------------------------------------------------------------


def test_superuser_adds_a_user_by_email(superuser_client):
    brokerage = BrokerageFactory()

    response = superuser_client.post(
        admin_url(User, "add"),
        {
            "email": "New.Agent@Example.TEST",
            "first_name": "New",
            "last_name": "Agent",
            "role": User.Role.AGENT,
            "brokerage": brokerage.pk,
            "usable_password": "true",
            "password1": "a-Long-pass-9876",
            "password2": "a-Long-pass-9876",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.agent@example.test")
    assert (user.role, user.brokerage, user.check_password("a-Long-pass-9876")) == (
        User.Role.AGENT,
        brokerage,
        True,
    )


def test_agent_user_without_brokerage_is_rejected(superuser_client):
    count = User.objects.count()

    response = superuser_client.post(
        admin_url(User, "add"),
        {"email": "lost@example.test", "role": User.Role.AGENT, "usable_password": "false"},
    )

    assert response.status_code == 200
    assert "brokerage" in response.context["adminform"].form.errors
    assert User.objects.count() == count


def test_user_change_page_shows_role_and_brokerage(superuser_client):
    agent = AgentFactory()

    response = superuser_client.get(admin_url(User, "change", agent.user.pk))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"email", "role", "brokerage"} <= set(form.fields)
    assert "username" not in form.fields


# --- Read-only audit admins --------------------------------------------------------------


@pytest.mark.parametrize("factory", [AICallFactory, AuditLogFactory], ids=["AICall", "AuditLog"])
def test_audit_admins_are_read_only(superuser_client, factory):
    row = factory()
    model = type(row)
    before = model.objects.count()

    change = superuser_client.get(admin_url(model, "change", row.pk))
    add = superuser_client.get(admin_url(model, "add"))
    post = superuser_client.post(admin_url(model, "change", row.pk), {"object_id": "changed"})
    delete = superuser_client.post(admin_url(model, "delete", row.pk), {"post": "yes"})

    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert (add.status_code, post.status_code, delete.status_code) == (403, 403, 403)
    assert model.objects.count() == before
    row.refresh_from_db()
    assert row.object_id != "changed"


# --- Brokerage scoping for brokers and staff ---------------------------------------------


@pytest.fixture
def brokerages(db):
    return BrokerageFactory(name="Alpha Realty"), BrokerageFactory(name="Beta Homes")


@pytest.fixture
def broker_client(client, brokerages):
    """A broker of the first brokerage with the usual admin permissions on contacts and users."""
    broker = make_broker(brokerages[0])
    grant(
        broker,
        "leads.view_contact",
        "leads.change_contact",
        "leads.add_contact",
        "realtor.view_agent",
        "realtor.view_user",
        "realtor.change_user",
        "realtor.view_auditlog",
        "realtor.view_aicall",
        "properties.view_listing",
    )
    client.force_login(broker)
    client.broker = broker
    return client


def test_broker_sees_only_own_brokerage_contacts(broker_client, brokerages):
    own, other = brokerages
    own_contacts = ContactFactory.create_batch(3, brokerage=own)
    ContactFactory.create_batch(2, brokerage=other)

    response = broker_client.get(admin_url(Contact, "changelist"))

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == set(own_contacts)
    assert response.context["cl"].result_count == 3


def test_broker_cannot_open_or_change_another_brokerage_contact(broker_client, brokerages):
    theirs = ContactFactory(brokerage=brokerages[1], first_name="Hidden")

    page = broker_client.get(admin_url(Contact, "change", theirs.pk))
    post = broker_client.post(admin_url(Contact, "change", theirs.pk), {"first_name": "Changed"})

    assert page.status_code == 302
    assert page["Location"] == reverse("admin:index")
    assert post.status_code == 302
    theirs.refresh_from_db()
    assert theirs.first_name == "Hidden"


def test_broker_cannot_file_a_contact_under_another_brokerage(broker_client, brokerages):
    own, other = brokerages
    before = Contact.objects.count()

    response = broker_client.post(
        admin_url(Contact, "add"),
        {
            "brokerage": other.pk,
            "first_name": "Sneaky",
            "contact_type": "buyer",
            "stage": "new",
            **inline_management_data(),
        },
    )

    assert response.status_code == 200
    assert "brokerage" in response.context["adminform"].form.errors
    assert Contact.objects.count() == before


def test_broker_add_contact_form_defaults_to_own_brokerage_and_offers_no_other(broker_client, brokerages):
    own, _other = brokerages

    response = broker_client.get(admin_url(Contact, "add"))

    field = response.context["adminform"].form.fields["brokerage"]
    assert list(field.queryset) == [own]
    assert response.context["adminform"].form.initial["brokerage"] == own.pk


def test_broker_agent_filter_and_autocomplete_list_only_own_agents(broker_client, brokerages):
    own, other = brokerages
    mine = AgentFactory(brokerage=own, user__last_name="Mine")
    theirs = AgentFactory(brokerage=other, user__last_name="Theirs")
    ContactFactory(brokerage=own, assigned_agent=mine)
    ContactFactory(brokerage=other, assigned_agent=theirs)

    changelist = broker_client.get(admin_url(Contact, "changelist"))
    autocomplete = broker_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "leads", "model_name": "contact", "field_name": "assigned_agent", "term": ""},
    )

    agent_filter = next(f for f in changelist.context["cl"].filter_specs if f.field_path == "assigned_agent")
    assert agent_filter.lookup_choices == [(mine.pk, str(mine))]
    assert autocomplete.status_code == 200
    assert [row["id"] for row in autocomplete.json()["results"]] == [str(mine.pk)]


def test_broker_sees_shared_listings_of_every_brokerage(broker_client, brokerages):
    listings = [ListingFactory(list_agent=AgentFactory(brokerage=b)) for b in brokerages]

    response = broker_client.get(admin_url(Listing, "changelist"))

    assert set(response.context["cl"].result_list) == set(listings)


def test_broker_user_admin_hides_superusers_and_other_brokerages(broker_client, brokerages, superuser):
    own, other = brokerages
    colleague = AgentFactory(brokerage=own).user
    client_contact = ContactFactory(brokerage=own)
    portal_user = User.objects.create_user(client_contact.email)
    client_contact.user = portal_user
    client_contact.save()
    AgentFactory(brokerage=other)
    superuser.brokerage = own
    superuser.save()

    response = broker_client.get(admin_url(User, "changelist"))
    superuser_page = broker_client.get(admin_url(User, "change", superuser.pk))

    assert set(response.context["cl"].result_list) == {broker_client.broker, colleague, portal_user}
    assert superuser_page.status_code == 302


def test_broker_cannot_grant_superuser_status(broker_client, brokerages):
    colleague = AgentFactory(brokerage=brokerages[0]).user

    page = broker_client.get(admin_url(User, "change", colleague.pk))
    broker_client.post(
        admin_url(User, "change", colleague.pk),
        {
            "email": colleague.email,
            "role": colleague.role,
            "brokerage": brokerages[0].pk,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(page.context["adminform"].form.fields)
    colleague.refresh_from_db()
    assert colleague.is_superuser is False


def test_broker_audit_log_is_scoped_and_ai_calls_are_superuser_only(broker_client, brokerages):
    own, other = brokerages
    mine = AuditLogFactory(brokerage=own)
    AuditLogFactory(brokerage=other)
    call = AICallFactory()

    audit = broker_client.get(admin_url(AuditLog, "changelist"))
    ai_list = broker_client.get(admin_url(AICall, "changelist"))
    ai_page = broker_client.get(admin_url(AICall, "change", call.pk))

    assert list(audit.context["cl"].result_list) == [mine]
    assert (ai_list.status_code, ai_page.status_code) == (403, 403)


def test_staff_user_without_brokerage_sees_nothing(client, brokerages):
    stray = User.objects.create_user("stray@example.test", is_staff=True, role=User.Role.STAFF)
    grant(stray, "leads.view_contact")
    ContactFactory(brokerage=brokerages[0])
    client.force_login(stray)

    response = client.get(admin_url(Contact, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def inline_management_data() -> dict:
    """Empty management forms for every inline of the contact change form."""
    prefixes = ("consent_events", "routing_decisions", "activities", "tasks", "saved_searches", "favorites")
    data = {}
    for prefix in prefixes:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data
