"""/api/v1/saved-searches/ and /api/v1/matches/: scoping, validation, status changes."""

import pytest
from rest_framework.authtoken.models import Token

from leads import services
from leads.models import Match, SavedSearch
from tests.factories.core import AgentFactory, BrokerageFactory
from tests.factories.lead_engine import SavedSearchFactory
from tests.factories.leads import ContactFactory, make_client
from tests.factories.properties import ListingFactory


def _auth(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


@pytest.fixture
def data(agent):
    mine = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    theirs = ContactFactory(brokerage=BrokerageFactory())
    theirs.assigned_agent = AgentFactory(brokerage=theirs.brokerage)
    theirs.save()
    for contact in (mine, theirs):
        SavedSearchFactory(contact=contact)
    services.match_listing_to_searches(listing_id=ListingFactory().pk)
    return mine, theirs


@pytest.mark.django_db
def test_agent_sees_only_their_contacts_records(api_client, agent, data):
    mine, theirs = data
    client = _auth(api_client, agent.user)
    searches = client.get("/api/v1/saved-searches/").json()
    assert [s["contact"] for s in searches["results"]] == [mine.pk]
    matches = client.get("/api/v1/matches/").json()["results"]
    assert [m["contact"] for m in matches] == [mine.pk]
    assert matches[0]["reasons"] == Match.objects.get(contact=mine).reasons
    other = Match.objects.get(contact=theirs)
    assert client.get(f"/api/v1/matches/{other.pk}/").status_code == 404
    assert client.patch(f"/api/v1/matches/{other.pk}/", {"status": "dismissed"}, format="json").status_code == 404
    other.refresh_from_db()
    assert other.status == "new"


@pytest.mark.django_db
def test_agent_creates_a_search_for_a_visible_contact_only(api_client, agent, data):
    mine, theirs = data
    client = _auth(api_client, agent.user)
    ok = client.post("/api/v1/saved-searches/", {"contact": mine.pk, "postal_codes": ["98115"]}, format="json")
    assert ok.status_code == 201 and ok.json()["postal_codes"] == ["98115"]
    before = SavedSearch.objects.count()
    denied = client.post("/api/v1/saved-searches/", {"contact": theirs.pk}, format="json")
    assert denied.status_code == 400 and "contact" in denied.json()["fields"]
    bad = client.post(
        "/api/v1/saved-searches/", {"contact": mine.pk, "list_price_min": 9, "list_price_max": 1}, format="json"
    )
    assert bad.status_code == 422 and bad.json()["fields"] == {"list_price_max": ["Must be at least the minimum."]}
    assert SavedSearch.objects.count() == before


@pytest.mark.django_db
def test_client_favourites_own_match(api_client, data):
    mine, _theirs = data
    client = _auth(api_client, make_client(mine))
    match = Match.objects.get(contact=mine)
    response = client.patch(f"/api/v1/matches/{match.pk}/", {"status": "favorited"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "favorited"
    assert mine.favorites.filter(listing=match.listing).exists()
    created = client.post("/api/v1/saved-searches/", {"name": "Mine"}, format="json")
    assert created.status_code == 201 and created.json()["contact"] == mine.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"property_sub_types": None}, "property_sub_types"),
        ({"property_sub_types": ["Castle"]}, "property_sub_types.0"),
        ({"postal_codes": None}, "postal_codes"),
        ({"postal_codes": "98115"}, "postal_codes"),
        ({"postal_codes": ["9811"]}, "postal_codes.0"),
        ({"must_haves": None}, "must_haves"),
        ({"must_haves": [{"garage": True}]}, "must_haves.0"),
    ],
)
def test_saved_search_list_fields_reject_null_and_non_lists(api_client, agent, data, body, field):
    mine, _ = data
    search = SavedSearch.objects.get(contact=mine)
    before = (search.postal_codes, search.property_sub_types, search.must_haves)
    client = _auth(api_client, agent.user)
    response = client.patch(f"/api/v1/saved-searches/{search.pk}/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    search.refresh_from_db()
    assert (search.postal_codes, search.property_sub_types, search.must_haves) == before


@pytest.mark.django_db
def test_saved_search_null_list_in_a_form_post_is_a_field_error(api_client, agent, data):
    """A multipart ``null`` (found by schemathesis) answers 400, not a database error."""
    mine, _ = data
    search = SavedSearch.objects.get(contact=mine)
    client = _auth(api_client, agent.user)
    response = client.patch(f"/api/v1/saved-searches/{search.pk}/", {"property_sub_types": "null"}, format="multipart")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["property_sub_types.0"]
    ok = client.patch(
        f"/api/v1/saved-searches/{search.pk}/",
        {"property_sub_types": ["Townhouse"], "must_haves": ["garage"]},
        format="json",
    )
    assert ok.status_code == 200
    search.refresh_from_db()
    assert (search.property_sub_types, search.must_haves) == (["Townhouse"], ["garage"])
