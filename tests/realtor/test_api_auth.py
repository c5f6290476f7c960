"""POST /api/v1/auth/token/, and token and session authentication on every endpoint."""

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from leads.models import Activity, Contact
from tests.factories.core import PASSWORD, AgentFactory, UserFactory
from tests.factories.leads import ContactFactory
from tests.factories.properties import ListingFactory

TOKEN_URL = "/api/v1/auth/token/"
BAD_CREDENTIALS = {
    "error": "invalid",
    "message": "The request has invalid fields.",
    "fields": {"non_field_errors": ["Unable to sign in with those credentials."]},
}

pytestmark = pytest.mark.django_db


# --- token exchange ---------------------------------------------------------------------


def test_good_credentials_return_the_users_token(api_client, agent):
    response = api_client.post(TOKEN_URL, {"email": agent.user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=agent.user).key}


def test_the_token_is_stable_and_the_email_case_insensitive(api_client, agent):
    first = api_client.post(TOKEN_URL, {"email": agent.user.email, "password": PASSWORD}, format="json")
    second = api_client.post(TOKEN_URL, {"email": agent.user.email.upper(), "password": PASSWORD})

    assert first.json() == second.json()
    assert Token.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "agent@example.test", "password": "wrong-password"},
        {"email": "nobody@example.test", "password": PASSWORD},
        {"email": "agent@example.test", "password": f" {PASSWORD}"},
    ],
)
def test_bad_credentials_are_400_in_the_error_shape(api_client, brokerage, payload):
    AgentFactory(brokerage=brokerage, user__email="agent@example.test")

    response = api_client.post(TOKEN_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS
    assert not Token.objects.exists()


def test_inactive_user_gets_no_token(api_client, brokerage):
    agent = AgentFactory(brokerage=brokerage, user__is_active=False)

    response = api_client.post(TOKEN_URL, {"email": agent.user.email, "password": PASSWORD}, format="json")

    assert response.json() == BAD_CREDENTIALS
    assert not Token.objects.exists()


def test_missing_and_malformed_fields_are_400_with_field_errors(api_client):
    response = api_client.post(TOKEN_URL, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": "The request has invalid fields.",
        "fields": {"email": ["Enter a valid email address."], "password": ["This field is required."]},
    }


def test_token_endpoint_ignores_a_bad_token_header(api_client, agent):
    # The exchange is unauthenticated: a stale header must not block getting a new token.
    api_client.credentials(HTTP_AUTHORIZATION="Token stale")

    response = api_client.post(TOKEN_URL, {"email": agent.user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(api_client, agent):
    for _ in range(2):
        response = api_client.post(TOKEN_URL, {"email": agent.user.email, "password": "wrong"}, format="json")
        assert response.json() == BAD_CREDENTIALS

    third = api_client.post(TOKEN_URL, {"email": agent.user.email, "password": "wrong"}, format="json")
    right = api_client.post(TOKEN_URL, {"email": agent.user.email, "password": PASSWORD}, format="json")

    for response in (third, right):
        assert response.status_code == 429
        assert response["Retry-After"] == "3600"
        assert response.json() == {
            "error": "locked_out",
            "message": "Too many failed sign-ins. Try again later. Expected available in 3600 seconds.",
            "fields": {},
        }
    assert not Token.objects.exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_lockout_is_per_account(api_client, agent, brokerage):
    other = AgentFactory(brokerage=brokerage)
    for _ in range(3):
        api_client.post(TOKEN_URL, {"email": agent.user.email, "password": "wrong"}, format="json")

    response = api_client.post(TOKEN_URL, {"email": other.user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200


# --- authentication on every endpoint ---------------------------------------------------


@pytest.fixture
def endpoints(agent):
    """Every GET endpoint of the API with an object the agent may see."""
    listing = ListingFactory()
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    return [
        "/api/v1/properties/",
        f"/api/v1/properties/{listing.listing_key}/",
        "/api/v1/leads/",
        f"/api/v1/leads/{contact.pk}/",
        f"/api/v1/leads/{contact.pk}/activities/",
    ]


def test_token_header_works_on_every_endpoint(agent, endpoints):
    token = Token.objects.create(user=agent.user)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")

    for url in endpoints:
        assert api.get(url).status_code == 200, url


def test_session_works_on_every_endpoint(agent, endpoints):
    api = APIClient()
    api.force_login(agent.user)

    for url in endpoints:
        assert api.get(url).status_code == 200, url


def test_unauthenticated_is_401_on_every_endpoint(api_client, endpoints):
    for url in endpoints:
        response = api_client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
        assert response.json() == {
            "error": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        }


@pytest.mark.parametrize("header", ["Token nope", "Token ", "Token a b", "Bearer abc"])
def test_bad_token_is_401_on_every_endpoint(api_client, endpoints, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    for url in endpoints:
        response = api_client.get(url)
        if header.startswith("Bearer"):  # not our scheme: treated as no credentials
            assert response.json()["error"] == "not_authenticated"
        else:
            assert response.json()["error"] == "authentication_failed"
        assert response.status_code == 401, url
        assert set(response.json()) == {"error", "message", "fields"}


def test_token_of_a_deactivated_user_is_refused(agent, endpoints):
    token = Token.objects.create(user=agent.user)
    agent.user.is_active = False
    agent.user.save()
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.get(endpoints[0])

    assert response.status_code == 401
    assert response.json() == {"error": "authentication_failed", "message": "User inactive or deleted.", "fields": {}}


def test_client_with_a_token_gets_403(api_client, brokerage, endpoints):
    client_user = UserFactory(role="client")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=client_user).key}")

    for url in endpoints:
        response = api_client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "permission_denied"


def test_session_writes_need_the_csrf_token(agent):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(agent.user)
    contact = ContactFactory(brokerage=agent.brokerage, assigned_agent=agent)
    url = f"/api/v1/leads/{contact.pk}/activities/"

    refused = api.post(url, {"kind": "call"}, format="json")

    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"
    assert "CSRF" in refused.json()["message"]
    assert not Activity.objects.exists()

    # Django accepts the unmasked 32-character secret in both the cookie and the header.
    secret = "s3cr3t" * 5 + "ok"
    api.cookies["csrftoken"] = secret
    accepted = api.post(url, {"kind": "call"}, format="json", HTTP_X_CSRFTOKEN=secret)

    assert accepted.status_code == 201
    assert Activity.objects.count() == 1
    assert Contact.objects.get(pk=contact.pk).stage == "contacted"
