"""CMA services: versions, comps, overrides, recommendation, sharing, audit, queued PDF."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest

from properties import cma_services, valuation_service
from properties.models import CMA, CMAVersion
from realtor.exceptions import DomainError
from realtor.models import AuditLog
from tests.factories.core import UserFactory
from tests.factories.properties import ClosedSaleFactory
from tests.properties.test_cma_market import SUBJECT, build_market

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2016, 7, 1)


@pytest.fixture
def market():
    return build_market()


@pytest.fixture
def cma(agent, market):
    subject = valuation_service.subject_from_attributes({**SUBJECT, "unparsed_address": "1 Subject Way"})
    return cma_services.create_cma(agent=agent, subject=subject, as_of=AS_OF, options={"max_comps": 6})


def test_create_cma_saves_the_result_as_version_one_with_an_audit_row(cma, agent):
    assert cma.version == 1
    assert cma.status == CMA.Status.DRAFT
    assert cma.brokerage_id == agent.brokerage_id
    assert cma.display_address == "1 Subject Way"
    assert cma.low < cma.estimate < cma.high
    assert cma.estimate == Decimal(str(cma.result["estimate"])).quantize(Decimal("0.01"))
    assert len(cma.result["comps"]) <= 6
    assert list(cma.versions.values_list("number", "change")) == [(1, "Created")]
    assert AuditLog.objects.filter(action="cma.create", object_id=str(cma.pk)).count() == 1


def test_create_cma_with_options_out_of_range_saves_nothing(agent, market):
    subject = valuation_service.subject_from_attributes(SUBJECT)

    with pytest.raises(DomainError) as caught:
        cma_services.create_cma(agent=agent, subject=subject, as_of=AS_OF, options={"radius_miles": 100})

    assert "radius_miles" in caught.value.fields
    assert not CMA.objects.exists()


def test_removing_a_comp_revalues_without_it_and_keeps_history(cma, agent):
    removed = cma.result["comps"][0]["listing_key"]

    updated = cma_services.remove_cma_comp(cma=cma, actor=agent.user, listing_key=removed)

    assert updated.version == 2
    assert removed in updated.excluded_listing_keys
    assert removed not in {c["listing_key"] for c in updated.result["comps"]}
    assert list(updated.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    first = CMAVersion.objects.get(cma=cma, number=1)
    assert removed in {c["listing_key"] for c in first.result["comps"]}  # history keeps the old state


def test_adding_a_comp_forces_it_in(cma, agent):
    far_sale = ClosedSaleFactory(
        listing_key="FAR-1", close_date=datetime.date(2015, 1, 5), latitude=47.75, longitude=-122.30,
        close_price=Decimal("700000"),
    )  # fmt: skip

    updated = cma_services.add_cma_comp(cma=cma, actor=agent.user, listing_key=far_sale.listing_key)

    comp = next(c for c in updated.result["comps"] if c["listing_key"] == "FAR-1")
    assert comp["included_by_agent"] is True
    assert comp["display_address"] == far_sale.display_address


@pytest.mark.parametrize("close_date", [AS_OF, AS_OF + datetime.timedelta(days=3)])
def test_a_sale_on_or_after_the_as_of_date_cannot_be_added(cma, agent, close_date):
    ClosedSaleFactory(listing_key="LATE", close_date=close_date)

    with pytest.raises(DomainError) as caught:
        cma_services.add_cma_comp(cma=cma, actor=agent.user, listing_key="LATE")

    assert "listing_key" in caught.value.fields
    cma.refresh_from_db()
    assert cma.version == 1 and cma.included_listing_keys == []


def test_an_unknown_listing_key_cannot_be_added(cma, agent):
    with pytest.raises(DomainError):
        cma_services.add_cma_comp(cma=cma, actor=agent.user, listing_key="NOPE")


def test_overriding_an_adjustment_changes_the_comp_and_clearing_restores_it(cma, agent):
    comp = cma.result["comps"][0]
    key = comp["listing_key"]

    updated = cma_services.override_cma_adjustment(
        cma=cma, actor=agent.user, listing_key=key, adjustment="size", amount=Decimal("12345")
    )

    new_comp = next(c for c in updated.result["comps"] if c["listing_key"] == key)
    size = next(a for a in new_comp["adjustments"] if a["line"] == "size")
    assert size == {"line": "size", "label": "Living area", "amount": 12345.0, "overridden": True}
    assert updated.adjustment_overrides == {key: {"size": 12345.0}}

    cleared = cma_services.override_cma_adjustment(
        cma=updated, actor=agent.user, listing_key=key, adjustment="size", amount=None
    )

    assert cleared.adjustment_overrides == {}
    assert cleared.version == 3
    again = next(c for c in cleared.result["comps"] if c["listing_key"] == key)
    assert again["adjusted_price"] == comp["adjusted_price"]


def test_an_override_on_a_non_comp_or_unknown_line_is_refused(cma, agent):
    with pytest.raises(DomainError):
        cma_services.override_cma_adjustment(
            cma=cma, actor=agent.user, listing_key="MKT-0-NOT", adjustment="size", amount=Decimal(1)
        )
    with pytest.raises(DomainError):
        cma_services.override_cma_adjustment(
            cma=cma, actor=agent.user, listing_key=cma.result["comps"][0]["listing_key"], adjustment="pool",
            amount=Decimal(1),
        )  # fmt: skip
    assert CMA.objects.get(pk=cma.pk).version == 1


def test_an_override_leaving_a_non_positive_price_is_refused(cma, agent):
    comp = cma.result["comps"][0]

    with pytest.raises(DomainError):
        cma_services.override_cma_adjustment(
            cma=cma, actor=agent.user, listing_key=comp["listing_key"], adjustment="time",
            amount=Decimal(-10 * comp["close_price"]),
        )  # fmt: skip

    assert CMA.objects.get(pk=cma.pk).adjustment_overrides == {}


def test_recommendation_is_saved_as_a_version(cma, agent):
    updated = cma_services.set_cma_recommendation(
        cma=cma, actor=agent.user, price=Decimal("725000"), note="  Priced to draw multiple offers. "
    )

    assert updated.recommended_list_price == Decimal("725000.00")
    assert updated.recommendation_note == "Priced to draw multiple offers."
    assert updated.versions.get(number=2).recommended_list_price == Decimal("725000.00")
    with pytest.raises(DomainError):
        cma_services.set_cma_recommendation(cma=cma, actor=agent.user, price=Decimal("0"))


def test_sharing_marks_it_shared_and_queues_the_pdf_on_commit(cma, agent):
    seller = UserFactory(role="client", first_name="Sam", last_name="Seller")

    with mock.patch("properties.tasks.generate_cma_pdf.delay_on_commit") as queued:
        shared = cma_services.share_cma(cma=cma, actor=agent.user, recipient=seller)

    assert shared.status == CMA.Status.SHARED
    assert shared.shared_with == seller
    assert shared.shared_with_name == "Sam Seller"
    queued.assert_called_once_with(cma_id=cma.pk, version=2)
    assert AuditLog.objects.filter(action="cma.share", object_id=str(cma.pk)).count() == 1


def test_sharing_with_an_agent_login_is_refused(cma, agent):
    with pytest.raises(DomainError):
        cma_services.share_cma(cma=cma, actor=agent.user, recipient=agent.user)

    assert CMA.objects.get(pk=cma.pk).status == CMA.Status.DRAFT


def test_unsharing_returns_to_draft(cma, agent):
    seller = UserFactory(role="client")
    with mock.patch("properties.tasks.generate_cma_pdf.delay_on_commit"):
        cma_services.share_cma(cma=cma, actor=agent.user, recipient=seller)

    draft = cma_services.unshare_cma(cma=cma, actor=agent.user)

    assert draft.status == CMA.Status.DRAFT and draft.shared_with is None
    assert draft.version == 3


def test_a_value_beyond_the_money_columns_is_refused_and_saves_nothing(agent):
    """An estimate of 10^12 USD or more cannot be stored (14 digits, 2 decimals): refuse it up front."""
    subject = valuation_service.subject_from_attributes({**SUBJECT, "unparsed_address": "1 Huge Rd"})
    result = {"estimate": 2e12, "low": 1e12, "high": 3e12, "confidence": 0.5, "method": "model", "model_version": "x"}
    with (
        mock.patch.object(valuation_service, "value_subject", return_value=result),
        pytest.raises(valuation_service.ValuationInputError, match="beyond what a CMA can record"),
    ):
        cma_services.create_cma(agent=agent, subject=subject, as_of=datetime.date(2016, 7, 1))
    assert not CMA.objects.exists()


def test_a_recommendation_above_the_ceiling_is_refused(cma, agent):
    with pytest.raises(DomainError, match="too high"):
        cma_services.set_cma_recommendation(cma=cma, actor=agent.user, price=cma_services.MAX_LIST_PRICE + 1)
    cma.refresh_from_db()
    assert cma.recommended_list_price is None and cma.version == 1
