"""Background work on listings. Tasks take ids, call one service, and are safe to run twice."""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError, connection

from . import services, valuation_service
from .models import Listing

logger = logging.getLogger(__name__)


@worker_ready.connect
def warm_valuation_engine(**_kwargs) -> None:
    """When a Celery worker starts, prepare the default valuation months in a background thread.

    The fits land in the disk cache (``VALUATION_CACHE_DIR``), where the worker's pool processes
    and the web processes load them instead of each fitting for seconds on first use.
    """

    def warm() -> None:
        try:
            months = valuation_service.warm_up()
            logger.info("valuation engine ready for %s", ", ".join(m.isoformat() for m in months))
        except Exception:
            logger.exception("valuation warm-up failed; valuations will fit on first use")
        finally:
            connection.close()

    threading.Thread(target=warm, name="valuation-warm-up", daemon=True).start()


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def refresh_listing_description(listing_id: int) -> int | None:
    """Rewrite a listing's AI description; returns the AICall id, None if the listing is gone."""
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        return None
    return services.describe_listing(listing=listing, refresh=True).ai_description_call_id


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def enrich_listing(listing_id: int) -> int | None:
    """Refresh a listing's valuation, its ZIP's market statistics and deal score.

    Idempotent (skips when the facts, as-of date and data are unchanged); returns the
    ListingValuation id, None if the listing is gone.
    """
    from . import cma_services

    valuation = cma_services.enrich_listing(listing_id=listing_id)
    return valuation.pk if valuation is not None else None


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def generate_cma_pdf(cma_id: int, version: int | None = None) -> int | None:
    """Render and store a CMA's report PDF for ``version``; a no-op when already current.

    Returns the version the stored PDF shows, None if the CMA is gone.
    """
    from . import cma_services

    cma = cma_services.generate_cma_pdf(cma_id=cma_id, version=version)
    return cma.pdf_version if cma is not None else None
