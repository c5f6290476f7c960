"""The OpenAPI schema builds without warnings and is served; protects every app's endpoints."""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db


def test_schema_builds_and_validates_without_warnings(tmp_path):
    # Warnings from earlier schema builds in this process would otherwise count against this one.
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/properties/",
        "/api/v1/properties/{listing_key}/",
        "/api/v1/leads/",
        "/api/v1/leads/{id}/",
        "/api/v1/leads/{id}/activities/",
        "/api/v1/saved-searches/",
        "/api/v1/saved-searches/{id}/",
        "/api/v1/matches/",
        "/api/v1/matches/{id}/",
        "/api/v1/webhooks/leads/",
        "/api/v1/webhooks/sms/",
    } <= set(schema["paths"])
    detail = schema["paths"]["/api/v1/leads/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert detail["schema"]["$ref"] == "#/components/schemas/ContactDetail"
    assert {"score_breakdown", "routing_history", "tasks", "consent", "speed_to_lead_seconds"} <= set(
        schema["components"]["schemas"]["ContactDetail"]["properties"]
    )
    sms = schema["paths"]["/api/v1/webhooks/sms/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["components"]["schemas"][sms["$ref"].rsplit("/", 1)[1]]["properties"]) == {"from", "to", "body"}
    assert "delete" not in schema["paths"]["/api/v1/leads/{id}/"]
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"error", "message", "fields"}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_schema_is_served(api_client):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/properties/" in response.json()["paths"]


def test_swagger_docs_are_served(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
